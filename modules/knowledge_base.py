"""A Bedrock knowledge base on a vector collection: its service role, the knowledge base, and
an S3 data source (documents under one prefix of a bucket, encrypted with the customer key).

Documents are ingested by a sync (`aws bedrock-agent start-ingestion-job`), which has no
Terraform resource; agents retrieve with `retrieve_statements()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import ITerraformDependable
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document, service_trust
from modules.vector_collection import VectorCollection


@dataclass(frozen=True)
class KnowledgeBaseProps:
    name: str
    description: str
    role_name: str
    policy_name: str
    account_id: str
    region: str
    #: e.g. "amazon.titan-embed-text-v2:0"; its vectors must match the collection's dimensions.
    embedding_model_id: str
    documents_bucket_arn: str
    #: Only objects under this prefix are ingested (e.g. "knowledge/").
    documents_prefix: str
    kms_key_arn: str
    data_source_name: str = "documents"


class KnowledgeBase(Construct):
    """Exposes `knowledge_base` (L1), `knowledge_base_id`, `knowledge_base_arn`, `role_arn`,
    `data_source` and `retrieve_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: KnowledgeBaseProps,
                 collection: VectorCollection, index_ready: ITerraformDependable) -> None:
        super().__init__(scope, construct_id)
        if not props.documents_prefix.endswith("/"):
            raise ValueError(f"knowledge base {props.name}: documents_prefix must end with '/'")
        model_arn = f"arn:aws:bedrock:{props.region}::foundation-model/{props.embedding_model_id}"
        trust = policy_document(self, "trust", [service_trust(
            "bedrock.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=f"arn:aws:bedrock:{props.region}:{props.account_id}:knowledge-base/*")])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Service role of the Bedrock knowledge base {props.name}")
        statements = [
            Statement(sid="EmbedDocuments", actions=("bedrock:InvokeModel",), resources=(model_arn,)),
            *collection.api_statements(),
            Statement(sid="ListDocuments", actions=("s3:ListBucket",),
                      resources=(props.documents_bucket_arn,),
                      conditions=(("StringLike", "s3:prefix", (f"{props.documents_prefix}*",)),)),
            Statement(sid="ReadDocuments", actions=("s3:GetObject",),
                      resources=(f"{props.documents_bucket_arn}/{props.documents_prefix}*",)),
            kms_via_service("DecryptDocuments", props.kms_key_arn, "s3", props.region),
            # The knowledge base encrypts its ingestion state with the same key.
            kms_via_service("UseKeyThroughBedrock", props.kms_key_arn, "bedrock", props.region,
                            actions=("kms:GenerateDataKey", "kms:Decrypt")),
        ]
        policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id,
            policy=policy_document(self, "policy_document", statements).json)
        kb = provider_module("bedrockagent_knowledge_base")
        self.knowledge_base = kb.BedrockagentKnowledgeBase(
            self, "knowledge_base", name=props.name, description=props.description,
            role_arn=role.arn,
            knowledge_base_configuration=[kb.BedrockagentKnowledgeBaseKnowledgeBaseConfiguration(
                type="VECTOR",
                vector_knowledge_base_configuration=[
                    kb.BedrockagentKnowledgeBaseKnowledgeBaseConfigurationVectorKnowledgeBaseConfiguration(
                        embedding_model_arn=model_arn)])],
            storage_configuration=[kb.BedrockagentKnowledgeBaseStorageConfiguration(
                type="OPENSEARCH_SERVERLESS",
                opensearch_serverless_configuration=[
                    kb.BedrockagentKnowledgeBaseStorageConfigurationOpensearchServerlessConfiguration(
                        collection_arn=collection.collection_arn,
                        vector_index_name=collection.index_name,
                        field_mapping=[kb.BedrockagentKnowledgeBaseStorageConfigurationOpensearchServerlessConfigurationFieldMapping(
                            vector_field=collection.fields["vector"],
                            text_field=collection.fields["text"],
                            metadata_field=collection.fields["metadata"])])])],
            # Bedrock checks the role's access and the index when the knowledge base is created.
            depends_on=[policy, index_ready])
        source = provider_module("bedrockagent_data_source")
        self.data_source = source.BedrockagentDataSource(
            self, "data_source", name=props.data_source_name,
            knowledge_base_id=self.knowledge_base.id,
            data_source_configuration=[source.BedrockagentDataSourceDataSourceConfiguration(
                type="S3", s3_configuration=[source.BedrockagentDataSourceDataSourceConfigurationS3Configuration(
                    bucket_arn=props.documents_bucket_arn,
                    inclusion_prefixes=[props.documents_prefix])])],
            server_side_encryption_configuration=[
                source.BedrockagentDataSourceServerSideEncryptionConfiguration(
                    kms_key_arn=props.kms_key_arn)])
        self.knowledge_base_id: str = self.knowledge_base.id
        self.knowledge_base_arn: str = self.knowledge_base.arn
        self.role_arn: str = role.arn

    def retrieve_statements(self) -> tuple[Statement, ...]:
        """What an agent's role needs to query this knowledge base."""
        return (Statement(sid="RetrieveKnowledge", actions=("bedrock:Retrieve",),
                          resources=(self.knowledge_base_arn,)),)
