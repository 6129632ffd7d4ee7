"""One environment of seed 000's scheduling system (Phase 1), configured by `envs/<env>.toml`."""

from __future__ import annotations

from pathlib import Path

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules.api_secret import ApiSecret, ApiSecretProps
from modules.action_function import ActionFunction, ActionFunctionProps
from modules.agent_collaboration import AgentCollaboration, CollaborationProps, CollaboratorLink
from modules.agent_iam import AgentRole, AgentRoleProps, model_resource_arns
from modules.backend import BackendSettings, use_team_backend
from modules.bedrock_agent import ActionGroupProps, BedrockAgent, BedrockAgentProps, GuardrailRef
from modules.config import EnvironmentConfig
from modules.guardrail import Guardrail, GuardrailProps
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.lambda_package import FunctionPackage, build_function_package
from modules.provider import aws_provider
from modules.scheduling.catalog import (
    DEFAULT_TEMPLATES,
    AgentTable,
    RenderedAgent,
    load_agent_table,
    naming_for,
    render_agents,
)
from modules.schema_bucket import SchemaBucket, SchemaBucketProps


def schema_key(action_group: str) -> str:
    return f"{action_group}_actions.json"


class EnvironmentStack(TerraformStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig, backend: BackendSettings,
                 table: AgentTable | None = None,
                 packages: dict[str, FunctionPackage] | None = None,
                 templates: Path = DEFAULT_TEMPLATES) -> None:
        """`table` defaults to modules/scheduling/agents.toml, `templates` to its
        instructions/ folder, `packages` to the packages built from lambda/."""
        super().__init__(scope, config.environment)
        table = table or load_agent_table()
        naming = naming_for(config)
        agents = render_agents(config, table, templates)
        packages = packages or {g: build_function_package(g) for g in table.action_groups}
        tags = {"Project": "scheduling-agents", "Environment": config.environment,
                "ManagedBy": "terraform", **config.tags}
        aws_provider(self, region=config.region, account_id=config.account_id, tags=tags)
        use_team_backend(self, backend, config.environment)

        key_arn = None
        if config.agents.customer_managed_key:
            key_arn = EncryptionKey(self, "kms", EncryptionKeyProps(
                alias=naming.kms_alias(),
                description=f"Encrypts agents, Lambda environment, logs and schemas ({config.environment})",
                account_id=config.account_id, region=config.region, allow_cloudwatch_logs=True,
            )).key_arn

        schemas = SchemaBucket(self, "schemas", SchemaBucketProps(
            bucket_name=naming.schema_bucket(), kms_key_arn=key_arn,
            schemas={schema_key(g): packages[g].schema_path for g in table.action_groups},
        ))

        guardrail_ref = guardrail_arn = None
        if config.agents.guardrail_enabled:
            guardrail = Guardrail(self, "guardrail", GuardrailProps(name=naming.guardrail(),
                                                                    kms_key_arn=key_arn))
            guardrail_ref = GuardrailRef(guardrail.guardrail_id, guardrail.version)
            guardrail_arn = guardrail.guardrail_arn

        # Phase 1.5: the action Lambdas call PF360 with credentials from Secrets Manager.
        secret = None
        if not config.functions.use_mock_api:
            secret = ApiSecret(self, "pf360_credentials", ApiSecretProps(
                name=naming.api_secret("pf360"),
                description=f"PF360 API username and password for the {config.environment} action Lambdas",
                kms_key_arn=key_arn, region=config.region,
            ))

        functions = {
            group: ActionFunction(self, f"function_{group}", ActionFunctionProps(
                function_name=naming.function(group),
                role_name=naming.function_role(group),
                policy_name=naming.function_policy(group),
                log_group_name=naming.function_log_group(group),
                package=packages[group],
                account_id=config.account_id, region=config.region,
                memory_mb=config.functions.memory_mb,
                timeout_seconds=config.functions.timeout_seconds,
                reserved_concurrency=config.functions.reserved_concurrency,
                log_retention_days=config.functions.log_retention_days,
                kms_key_arn=key_arn,
                environment=self._function_environment(config, group, secret),
                extra_statements=secret.read_statements() if secret else (),
                description=f"Bedrock action group '{group}' of the scheduling agents",
            ))
            for group in table.action_groups
        }

        model_arns = model_resource_arns(
            config.agents.foundation_model, account_id=config.account_id, region=config.region,
            inference_regions=config.agents.inference_regions)

        def agent_props(agent: RenderedAgent, role: AgentRole,
                        action_group: ActionGroupProps | None) -> BedrockAgentProps:
            return BedrockAgentProps(
                agent_name=agent.name, role_arn=role.role_arn,
                foundation_model=config.agents.foundation_model,
                instruction=agent.instruction, description=agent.description,
                alias_name=config.agents.alias_name,
                collaboration="SUPERVISOR_ROUTER" if agent.is_supervisor else "DISABLED",
                idle_session_ttl_seconds=config.agents.idle_session_ttl_seconds,
                kms_key_arn=key_arn, guardrail=guardrail_ref, action_group=action_group,
            )

        supervisor_spec, specialist_specs = agents[0], agents[1:]
        links: list[CollaboratorLink] = []
        self.agents: dict[str, BedrockAgent] = {}
        aliases = {}
        for spec in specialist_specs:
            group = spec.action_group
            function = functions[group] if group else None
            role = AgentRole(self, f"role_{spec.key}", AgentRoleProps(
                role_name=naming.agent_role(spec.key), policy_name=naming.agent_policy(spec.key),
                account_id=config.account_id, region=config.region, model_arns=model_arns,
                schema_object_arn=schemas.object_arn(schema_key(group)) if group else None,
                function_arn=function.function_arn if function else None,
                schema_kms_key_arn=key_arn if group else None,
                agent_kms_key_arn=key_arn, guardrail_arn=guardrail_arn,
            ))
            action_group = None
            if group and function:
                package = packages[group]
                action_group = ActionGroupProps(
                    name=f"{group}-actions", function_arn=function.function_arn,
                    schema_bucket=schemas.bucket_name, schema_key=schema_key(group),
                    content_digest=f"{package.sha256_b64}:{schemas.schema_digest(schema_key(group))}",
                    description=f"{group} operations backed by {naming.function(group)}",
                )
            agent = BedrockAgent(self, f"agent_{spec.key}", agent_props(spec, role, action_group),
                                 depends_on=[role.policy])
            if action_group and function:
                # Bedrock checks the invoke permission when the action group is created.
                permission = function.allow_bedrock_agent(f"allow_{spec.key}_agent", agent.agent_arn)
                agent.attach_action_group(depends_on=[permission])
            alias = agent.add_alias(agent.configuration_digest(), depends_on=[agent.ready])
            self.agents[spec.key] = agent
            aliases[spec.key] = alias
            links.append(CollaboratorLink(name=spec.key, alias_arn=alias.agent_alias_arn,
                                          instruction=spec.collaboration_instruction or "",
                                          ready=alias))

        supervisor_role = AgentRole(self, f"role_{supervisor_spec.key}", AgentRoleProps(
            role_name=naming.agent_role(supervisor_spec.key),
            policy_name=naming.agent_policy(supervisor_spec.key),
            account_id=config.account_id, region=config.region, model_arns=model_arns,
            collaborator_alias_arns=tuple(a.agent_alias_arn for a in aliases.values()),
            agent_kms_key_arn=key_arn, guardrail_arn=guardrail_arn,
        ))
        supervisor = BedrockAgent(self, f"agent_{supervisor_spec.key}",
                                  agent_props(supervisor_spec, supervisor_role, None),
                                  depends_on=[supervisor_role.policy])
        collaboration = AgentCollaboration(self, "collaboration", CollaborationProps(
            supervisor_agent=supervisor.agent, links=tuple(links)))
        supervisor_digest = supervisor.configuration_digest(
            [(link.name, link.instruction) for link in links])
        aliases[supervisor_spec.key] = supervisor.add_alias(supervisor_digest,
                                                            depends_on=[collaboration.last])
        self.agents[supervisor_spec.key] = supervisor
        self._outputs(config, schemas, functions, aliases)

    @staticmethod
    def _function_environment(config: EnvironmentConfig, group: str,
                              secret: ApiSecret | None) -> dict[str, str]:
        env = {
            "USE_MOCK_API": "true" if config.functions.use_mock_api else "false",
            "LOG_LEVEL": config.functions.log_level,
            "POWERTOOLS_SERVICE_NAME": f"{config.prefix}-{group}-actions",
        }
        if not config.functions.use_mock_api:
            env["PF360_API_BASE_URL"] = config.pf360.api_base_url
            env["PF360_CLIENT_ID"] = config.pf360.client_id
        if secret is not None:
            # The secret's ARN only: the Lambda reads the value at run time and caches it.
            env["PF360_CREDENTIALS_SECRET_ARN"] = secret.secret_arn
        return env

    def _outputs(self, config, schemas, functions, aliases) -> None:
        TerraformOutput(self, "schema_bucket", value=schemas.bucket_name)
        for key, agent in self.agents.items():
            TerraformOutput(self, f"{key}_agent_id", value=agent.agent_id)
            TerraformOutput(self, f"{key}_alias_id", value=aliases[key].agent_alias_id)
            TerraformOutput(self, f"{key}_alias_arn", value=aliases[key].agent_alias_arn)
        for group, function in functions.items():
            TerraformOutput(self, f"{group}_function_arn", value=function.function_arn)
