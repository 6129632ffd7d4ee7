"""Agent layer: the guardrail, the knowledge base of fraud patterns and rules (documents in the
models bucket, vectors in an OpenSearch Serverless collection whose index a Lambda creates),
and the fraud-analysis agent with its action group and its alias for this environment.

A team of one: `BedrockAgent` and `AgentRole` serve it as they serve the scheduling team. Order
on create: agent (prepared) -> knowledge base association -> function permission -> action
group (prepares the DRAFT again, now with the knowledge base) -> alias.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from modules.action_function import ActionFunction
from modules.agent_role import AgentRole, AgentRoleProps, model_resource_arns
from modules.aws import provider_module
from modules.bedrock_agent import ActionGroupProps, BedrockAgent, BedrockAgentProps, GuardrailRef
from modules.guardrail import Guardrail, GuardrailProps
from modules.knowledge_base import KnowledgeBase, KnowledgeBaseProps
from modules.lambda_package import FunctionPackage
from modules.policy import Statement
from modules.schema_bucket import SchemaObject
from modules.stacks.system_stack import SystemStack
from modules.vector_collection import VectorCollection, VectorCollectionProps
from systems.fraud.data import Data
from systems.fraud.functions import build_index_function
from systems.fraud.names import FraudNames
from systems.fraud.settings import FraudSettings

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
KNOWLEDGE_PREFIX = "knowledge/"
SCHEMA_PREFIX = "schemas/"
INSTRUCTION = (
    "You are a fraud analyst for card and account transactions. For each transaction you are "
    "given, look up the user's profile and recent history with your actions, compare it with "
    "the fraud patterns and rules in your knowledge base, and answer with a risk score between "
    "0 and 1, a decision (approve, review or decline) and the reasons, citing the patterns you "
    "matched. Never reveal personal data beyond what the decision needs.")


@dataclass(frozen=True)
class Agent:
    agent: BedrockAgent
    alias: object
    knowledge_base: KnowledgeBase
    guardrail: Guardrail


def build_agent(stack: SystemStack, settings: FraudSettings, names: FraudNames, data: Data,
                packages: dict[str, FunctionPackage], actions: ActionFunction) -> Agent:
    env, config = stack.env, settings.agent
    models = data.buckets["models"]
    guardrail = Guardrail(stack, "guardrail", GuardrailProps(
        name=names.guardrail(), kms_key_arn=data.key_arn,
        blocked_input_message="Sorry, I can only help with assessing transactions for fraud.",
        blocked_output_message="Sorry, I can't share that answer."))
    role_arn = f"arn:aws:iam::{env.account_id}:role/{{}}"
    collection = VectorCollection(stack, "vectors", VectorCollectionProps(
        name=names.collection(), kms_key_arn=data.key_arn, dimensions=config.embedding_dimensions,
        standby_replicas=config.standby_replicas,
        description=f"Vectors of the fraud knowledge base ({env.environment})",
        principal_arns=(role_arn.format(names.knowledge_base_role()),
                        role_arn.format(names.function_role("kb-index")))))
    index_function = build_index_function(stack, settings, names, data, packages["kb_index"],
                                          collection.api_statements())
    index = collection.create_index(index_function.function_name, depends_on=[index_function.function])
    documents = _upload(stack, models, data.key_arn, KNOWLEDGE_PREFIX,
                        sorted(KNOWLEDGE_DIR.glob("*.md")), "text/markdown")
    knowledge = KnowledgeBase(stack, "knowledge", KnowledgeBaseProps(
        name=names.knowledge_base(), role_name=names.knowledge_base_role(),
        policy_name=names.knowledge_base_policy(), account_id=env.account_id, region=env.region,
        description="Fraud patterns and detection rules the agent cites",
        embedding_model_id=config.embedding_model, documents_bucket_arn=models.arn,
        documents_prefix=KNOWLEDGE_PREFIX, kms_key_arn=data.key_arn), collection, index)
    (schema,) = _upload(stack, models, data.key_arn, SCHEMA_PREFIX,
                        [packages["agent_actions"].schema_path], "application/json")
    schema_object = SchemaObject(
        bucket_name=models.bucket_name, key=schema[0], arn=f"{models.arn}/{schema[0]}",
        digest=schema[1], kms_key_arn=data.key_arn, region=env.region)

    role = AgentRole(stack, "agent_role", AgentRoleProps(
        role_name=names.agent_role(), policy_name=names.agent_policy(),
        account_id=env.account_id, region=env.region,
        model_arns=model_resource_arns(config.foundation_model, account_id=env.account_id,
                                       region=env.region, inference_regions=config.inference_regions),
        extra_statements=(*schema_object.read_statements(), *actions.invoke_statements(),
                          *knowledge.retrieve_statements(), *guardrail.apply_statements(),
                          Statement(sid="UseAgentKey", actions=("kms:GenerateDataKey", "kms:Decrypt"),
                                    resources=(data.key_arn,)))))
    agent = BedrockAgent(stack, "agent", BedrockAgentProps(
        agent_name=names.agent(), role_arn=role.role_arn, foundation_model=config.foundation_model,
        instruction=INSTRUCTION, description="Scores transactions against fraud patterns and rules",
        alias_name=config.alias_name or env.environment,
        idle_session_ttl_seconds=config.idle_session_ttl_seconds, kms_key_arn=data.key_arn,
        guardrail=GuardrailRef(guardrail.guardrail_id, guardrail.version),
        action_group=ActionGroupProps(
            name="fraud-lookups", function_arn=actions.function_arn,
            schema_bucket=models.bucket_name, schema_key=schema_object.key,
            content_digest=f"{packages['agent_actions'].sha256_b64}:{schema_object.digest}",
            description="User profile, recent transactions and active fraud patterns")),
        depends_on=[role.policy])
    association = provider_module("bedrockagent_agent_knowledge_base_association").BedrockagentAgentKnowledgeBaseAssociation(
        stack, "agent_knowledge", agent_id=agent.agent_id, agent_version="DRAFT",
        knowledge_base_id=knowledge.knowledge_base_id, knowledge_base_state="ENABLED",
        description="Fraud patterns and detection rules: cite the ones a transaction matches")
    permission = actions.allow_bedrock_agent("allow_agent", agent.agent_arn)
    agent.attach_action_group(depends_on=[permission, association])
    knowledge_digest = hashlib.sha256("".join(d for _, d in documents).encode()).hexdigest()[:16]
    alias = agent.add_alias(agent.configuration_digest(knowledge_digest), depends_on=[agent.ready])
    return Agent(agent=agent, alias=alias, knowledge_base=knowledge, guardrail=guardrail)


def _upload(scope: Construct, bucket, key_arn: str, prefix: str, files: list[Path],
            content_type: str) -> list[tuple[str, str]]:
    """Put files under `prefix` of the bucket; returns (key, sha256) of each."""
    s3_object = provider_module("s3_object")
    uploaded = []
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        key = f"{prefix}{path.name}"
        asset = TerraformAsset(scope, f"asset_{prefix.strip('/')}_{path.stem}", path=str(path),
                               type=AssetType.FILE)
        s3_object.S3Object(scope, f"object_{prefix.strip('/')}_{path.stem}", bucket=bucket.bucket.id,
                           key=key, source=asset.path, source_hash=digest,
                           content_type=content_type, kms_key_id=key_arn,
                           server_side_encryption="aws:kms")
        uploaded.append((key, digest))
    return uploaded
