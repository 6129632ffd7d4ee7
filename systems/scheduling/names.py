"""The scheduling system's AWS names.

With the dev env file these are the names already deployed (`pf-schemas-dev-618048437522`,
`pf-scheduling-actions`, `pf-supervisor-agent-role-dev`, `pf-supervisor-agent-policy`). Every
account-scoped name carries the environment (the Lambdas only when `function_env_suffix` is on),
so staging and prod can share an account with dev.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule
from modules.naming import Naming


@dataclass(frozen=True)
class SchedulingNames(Naming):
    function_env_suffix: bool = True

    def schema_bucket(self) -> str:
        return f"{self.prefix}-schemas-{self.environment}-{self.account_id}"

    def function(self, action_group: str) -> str:
        name = f"{self.prefix}-{action_group}-actions"
        return self.env(name) if self.function_env_suffix else name

    def function_role(self, action_group: str) -> str:
        return self.env(f"{self.prefix}-{action_group}-actions-role")

    def function_policy(self, action_group: str) -> str:
        return f"{self.prefix}-{action_group}-actions-policy"

    def function_log_group(self, action_group: str) -> str:
        return f"/aws/lambda/{self.function(action_group)}"

    def agent(self, agent: str) -> str:
        return self.env(f"{self.prefix}-{agent}-agent")

    def agent_role(self, agent: str) -> str:
        return self.env(f"{self.prefix}-{agent}-agent-role")

    def agent_policy(self, agent: str) -> str:
        return f"{self.prefix}-{agent}-agent-policy"

    def api_secret(self, api: str) -> str:
        return f"{self.prefix}/{self.environment}/{api}/api-credentials"

    def guardrail(self) -> str:
        return self.env(f"{self.prefix}-guardrail")

    def kms_alias(self) -> str:
        return f"alias/{self.env(self.prefix + '-agents')}"

    # -- phase 2 ------------------------------------------------------------------------------
    def table(self, part: str) -> str:
        return self.env(f"{self.prefix}-{part}")

    def secret(self, *parts: str) -> str:
        return "/".join((self.prefix, self.environment, *parts))

    def parameter_path(self) -> str:
        return f"/{self.prefix}/{self.environment}/scheduling/"

    def service_function(self, name: str) -> str:
        """Phase-2 Lambdas (chat API, maintenance): always suffixed."""
        return self.env(f"{self.prefix}-{name}")

    def service_role(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}-role")

    def service_policy(self, name: str) -> str:
        return f"{self.prefix}-{name}-policy"

    def api(self) -> str:
        return self.env(f"{self.prefix}-scheduling-api")

    def api_log_group(self) -> str:
        return f"/aws/apigateway/{self.api()}"

    def topic(self, kind: str) -> str:
        return self.env(f"{self.prefix}-{kind}")

    def rule(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}")

    def dashboard(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}")

    def alarm(self, name: str) -> str:
        return self.env(f"{self.prefix}-{name}")

    def sampling_rule(self) -> str:
        return self.env(f"{self.prefix}-scheduling")[:32]

    # -- phase 3, keys, network and data stores (p3a) ------------------------------------------
    def purpose_key_alias(self, purpose: str) -> str:
        """`alias/<prefix>-<purpose>-encryption-<env>`: rds, s3 or secrets."""
        return f"alias/{self.env(f'{self.prefix}-{purpose}-encryption')}"

    def vpc(self) -> str:
        return self.env(f"{self.prefix}-scheduling-vpc")

    def flow_log_group(self) -> str:
        return f"/aws/vpc/{self.vpc()}/flow-logs"

    def flow_log_role(self) -> str:
        return self.env(f"{self.prefix}-vpc-flow-logs-role")

    def security_group(self, purpose: str) -> str:
        return self.env(f"{self.prefix}-{purpose}-sg")

    def analytics_db(self) -> str:
        return self.env(f"{self.prefix}-analytics-db")

    def analytics_db_monitoring_role(self) -> str:
        return self.env(f"{self.prefix}-analytics-db-monitoring-role")

    def session_cache(self) -> str:
        return self.env(f"{self.prefix}-session-cache")

    def session_cache_user(self) -> str:
        """The IAM-authenticated Redis user the Lambdas connect as (user id = user name)."""
        return self.env(f"{self.prefix}-session-app")

    def session_cache_log_group(self, kind: str) -> str:
        return f"/aws/elasticache/{self.session_cache()}/{kind}"

    def keys_network_data_names(self) -> list[tuple[NameRule, str]]:
        """Phase 3 names of the keys, the network and the two data stores."""
        names: list[tuple[NameRule, str]] = [
            (aws_rules.KMS_ALIAS, self.purpose_key_alias(p)) for p in ("rds", "s3", "secrets")]
        names += [
            (aws_rules.LOG_GROUP, self.flow_log_group()),
            (aws_rules.IAM_ROLE, self.flow_log_role()),
            (aws_rules.RDS_CLUSTER, self.analytics_db()),
            (aws_rules.RDS_CLUSTER, f"{self.analytics_db()}-1"),
            (aws_rules.RDS_CLUSTER, f"{self.analytics_db()}-2"),
            (aws_rules.IAM_ROLE, self.analytics_db_monitoring_role()),
            (aws_rules.ELASTICACHE_ID, self.session_cache()),
            (aws_rules.ELASTICACHE_ID, self.session_cache_user()),
            (aws_rules.ELASTICACHE_ID, f"{self.session_cache()}-users"),
            (aws_rules.ELASTICACHE_ID, f"{self.session_cache()}-default"),
            (aws_rules.LOG_GROUP, self.session_cache_log_group("slow-log")),
            (aws_rules.LOG_GROUP, self.session_cache_log_group("engine-log")),
        ]
        return names

    # -- phase 3, edge: users, WAF, DNS, CDN (p3b) ---------------------------------------------
    def user_pool(self) -> str:
        return self.env(f"{self.prefix}-users")

    def user_pool_client(self) -> str:
        return self.env(f"{self.prefix}-web")

    def user_pool_sms_role(self) -> str:
        return self.env(f"{self.prefix}-users-sms-role")

    def web_acl(self, part: str) -> str:
        """`<prefix>-api-protection-<env>` (API stage), `<prefix>-cdn-protection-<env>`."""
        return self.env(f"{self.prefix}-{part}-protection")

    def web_acl_log_group(self, part: str) -> str:
        return f"aws-waf-logs-{self.web_acl(part)}"

    def cdn_bucket(self, part: str) -> str:
        """`<prefix>-frontend-<env>-<account>` (origin), `<prefix>-cdn-logs-<env>-<account>`."""
        return f"{self.prefix}-{part}-{self.environment}-{self.account_id}"

    def distribution(self, part: str) -> str:
        """Comment/Name tag of `<prefix>-frontend-cdn-<env>` and `<prefix>-api-cdn-<env>`."""
        return self.env(f"{self.prefix}-{part}-cdn")

    def cdn_policy(self, part: str) -> str:
        return self.env(f"{self.prefix}-{part}")

    def query_log_group(self, zone: str) -> str:
        return f"/aws/route53/{zone}"

    def dnssec_key_alias(self) -> str:
        return f"alias/{self.env(self.prefix + '-dnssec')}"

    def cdn_key_alias(self) -> str:
        return f"alias/{self.env(self.prefix + '-cdn')}"

    def edge_names(self) -> list[tuple[NameRule, str]]:
        """Phase 3 names of the user pool, its triggers, the web ACLs and the CDN."""
        names: list[tuple[NameRule, str]] = [
            (aws_rules.COGNITO_USER_POOL, self.user_pool()),
            (aws_rules.COGNITO_USER_POOL, self.user_pool_client()),
            (aws_rules.IAM_ROLE, self.user_pool_sms_role()),
            (aws_rules.DYNAMODB_TABLE, self.table("customer-users")),
            (aws_rules.KMS_ALIAS, self.dnssec_key_alias()),
            (aws_rules.KMS_ALIAS, self.cdn_key_alias()),
        ]
        for trigger in ("cognito-pre-signup", "cognito-post-confirmation"):
            names += [(aws_rules.LAMBDA_FUNCTION, self.service_function(trigger)),
                      (aws_rules.IAM_ROLE, self.service_role(trigger)),
                      (aws_rules.IAM_POLICY, self.service_policy(trigger)),
                      (aws_rules.LOG_GROUP, f"/aws/lambda/{self.service_function(trigger)}")]
        for part in ("api", "cdn"):
            names += [(aws_rules.WAF_WEB_ACL, self.web_acl(part)),
                      (aws_rules.LOG_GROUP, self.web_acl_log_group(part))]
        names += [(aws_rules.S3_BUCKET, self.cdn_bucket(p)) for p in ("frontend", "cdn-logs")]
        names += [(aws_rules.CLOUDFRONT_NAME, self.cdn_policy(p))
                  for p in ("frontend-oac", "security-headers", "api-get-cache")]
        return names

    # -- phase 3, async work and analytics (p3c) ---------------------------------------------
    def queue(self, part: str) -> str:
        """`<prefix>-async-tasks-<env>`, `<prefix>-appointment-notifications-<env>`,
        `<prefix>-dlq-<env>`."""
        return self.env(f"{self.prefix}-{part}")

    def state_machine(self, part: str) -> str:
        """`<prefix>-appointment-workflow-<env>`, `<prefix>-customer-onboarding-<env>`."""
        return self.env(f"{self.prefix}-{part}")

    def state_machine_role(self, part: str) -> str:
        return self.env(f"{self.prefix}-{part}-role")

    def state_machine_role_arn(self, part: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.state_machine_role(part)}"

    def state_machine_log_group(self, part: str) -> str:
        # Under /aws/vendedlogs/: Step Functions' log delivery keeps the account's log resource
        # policy short for groups under this prefix.
        return f"/aws/vendedlogs/states/{self.state_machine(part)}"

    def stream(self, part: str) -> str:
        """`<prefix>-events-stream-<env>`, `<prefix>-metrics-stream-<env>`."""
        return self.env(f"{self.prefix}-{part}-stream")

    def delivery_stream(self, part: str) -> str:
        return self.env(f"{self.prefix}-{part}-archive")

    def analytics_bucket(self, part: str) -> str:
        """`<prefix>-analytics-data-<env>-<account>`, `<prefix>-glue-scripts-<env>-<account>`,
        `<prefix>-query-results-<env>-<account>` (S3 names are global: the account id too)."""
        return f"{self.prefix}-{part}-{self.environment}-{self.account_id}"

    def glue_database(self) -> str:
        return f"{self.prefix}_analytics_{self.environment}".replace("-", "_")

    def glue_name(self, part: str) -> str:
        """Glue jobs, crawler, triggers and security configuration: `<prefix>-<part>-<env>`."""
        return self.env(f"{self.prefix}-{part}")

    def workgroup(self) -> str:
        return self.env(f"{self.prefix}-analytics")

    #: State machines of phase 3 (name part), in build order.
    WORKFLOWS = ("appointment-workflow", "customer-onboarding")
    #: Phase 3 Lambdas (name part), each with role, policy and log group.
    ASYNC_FUNCTIONS = ("async-tasks", "appointment-notifications", "workflow-tasks",
                       "events-consumer")

    def async_analytics_names(self) -> list[tuple[NameRule, str]]:
        """Phase 3 names of the queues, workflows, streams, archive, Glue and Athena."""
        names: list[tuple[NameRule, str]] = [
            (aws_rules.SQS_QUEUE, self.queue(q))
            for q in ("async-tasks", "appointment-notifications", "dlq")]
        names.append((aws_rules.SNS_TOPIC, self.topic("customer-notifications")))
        for part in self.ASYNC_FUNCTIONS:
            names += [(aws_rules.LAMBDA_FUNCTION, self.service_function(part)),
                      (aws_rules.IAM_ROLE, self.service_role(part)),
                      (aws_rules.IAM_POLICY, self.service_policy(part)),
                      (aws_rules.LOG_GROUP, f"/aws/lambda/{self.service_function(part)}")]
        for part in self.WORKFLOWS:
            names += [(aws_rules.STATE_MACHINE, self.state_machine(part)),
                      (aws_rules.IAM_ROLE, self.state_machine_role(part)),
                      (aws_rules.LOG_GROUP, self.state_machine_log_group(part))]
        for part in ("events", "metrics"):
            names += [(aws_rules.KINESIS_STREAM, self.stream(part)),
                      (aws_rules.FIREHOSE_STREAM, self.delivery_stream(part)),
                      (aws_rules.IAM_ROLE, self.service_role(f"{part}-archive")),
                      (aws_rules.LOG_GROUP, f"/aws/kinesisfirehose/{self.delivery_stream(part)}")]
        names += [(aws_rules.S3_BUCKET, self.analytics_bucket(b))
                  for b in ("analytics-data", "glue-scripts", "query-results")]
        names += [(aws_rules.GLUE_DATABASE, self.glue_database()),
                  (aws_rules.ATHENA_WORKGROUP, self.workgroup()),
                  (aws_rules.GLUE_NAME, self.glue_name("analytics")),
                  (aws_rules.GLUE_NAME, self.glue_name("analytics-crawler")),
                  (aws_rules.IAM_ROLE, self.service_role("analytics-crawler"))]
        for job in ("conversations-to-s3", "metrics-aggregation"):
            names += [(aws_rules.GLUE_NAME, self.glue_name(job)),
                      (aws_rules.GLUE_NAME, self.glue_name(f"{job}-schedule")),
                      (aws_rules.IAM_ROLE, self.service_role(job))]
        return names

    def names_for(self, agents: tuple[str, ...], action_groups: tuple[str, ...], *,
                  kms_key: bool, guardrail: bool, secret: bool,
                  phase3: bool = False) -> list[tuple[NameRule, str]]:
        """Every name a stack with these agents and action groups creates, with its rule."""
        names: list[tuple[NameRule, str]] = [(aws_rules.S3_BUCKET, self.schema_bucket())]
        if guardrail:
            names.append((aws_rules.BEDROCK_GUARDRAIL, self.guardrail()))
        if kms_key:
            names.append((aws_rules.KMS_ALIAS, self.kms_alias()))
        if secret:
            names.append((aws_rules.SECRET, self.api_secret("pf360")))
        for group in action_groups:
            names += [
                (aws_rules.LAMBDA_FUNCTION, self.function(group)),
                (aws_rules.IAM_ROLE, self.function_role(group)),
                (aws_rules.IAM_POLICY, self.function_policy(group)),
                (aws_rules.LOG_GROUP, self.function_log_group(group)),
            ]
        for agent in agents:
            names += [
                (aws_rules.BEDROCK_AGENT, self.agent(agent)),
                (aws_rules.IAM_ROLE, self.agent_role(agent)),
                (aws_rules.IAM_POLICY, self.agent_policy(agent)),
            ]
        if phase3:
            names += self.keys_network_data_names()
            names += self.edge_names()
            names += self.async_analytics_names()
        return names
