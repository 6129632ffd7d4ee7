"""The asset-allocation system's AWS names: `<prefix>-allocation-<part>-<env>`; buckets add
the account id (global names)."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule
from modules.naming import Naming

BASE = "allocation"
#: `Project` tag of every resource of the system (a cost-allocation tag of the anomaly monitor).
PROJECT_TAG = "asset-allocation"
BUCKETS = ("market-data", "results", "model-artifacts")
#: Function part -> (package folder, handler).
FUNCTION_PARTS = ("strategy-submission", "status-polling", "results-retrieval",
                  "portfolio-risk-manager", "hyperparameter-optimizer", "results-aggregator",
                  "data-ingestion", "cleanup", "websocket")
AGENTS = ("portfolio-strategy", "market-analysis", "risk-assessment", "strategy-optimizer")
#: Action-group folders under lambda/allocation/ (agents.toml `action_group`); each has a
#: function `<prefix>-allocation-<folder with dashes>-actions-<env>`.
ACTION_GROUPS = ("market_analysis", "risk_assessment", "strategy_optimizer")
ALARMS = ("api-5xx", "dynamodb-throttles")  # plus "<part>-error-rate" per function
#: X-Ray sampling rules: the functions and the REST API stage.
SAMPLED = ("functions", "api")


@dataclass(frozen=True)
class AllocationNames(Naming):
    def name(self, part: str) -> str:
        return self.env(f"{self.prefix}-{BASE}-{part}")

    def kms_alias(self) -> str:
        return f"alias/{self.name('key')}"

    def replica_kms_alias(self) -> str:
        return f"alias/{self.name('replica-key')}"

    def bucket(self, part: str) -> str:
        return f"{self.prefix}-{BASE}-{part}-{self.environment}-{self.account_id}"

    def replica_bucket(self) -> str:
        return self.bucket("model-artifacts-replica")

    def access_log_bucket(self) -> str:
        return self.bucket("access-logs")

    def table(self, part: str) -> str:
        return self.name(part)

    def function(self, part: str) -> str:
        return self.name(part)

    def function_role(self, part: str) -> str:
        return self.name(f"{part}-role")

    def function_policy(self, part: str) -> str:
        return f"{self.prefix}-{BASE}-{part}-policy"

    def log_group(self, part: str) -> str:
        return f"/aws/lambda/{self.function(part)}"

    def repository(self) -> str:
        return f"{self.prefix}-{BASE}-{self.environment}/risk-manager"

    def sagemaker_repository(self) -> str:
        return f"{self.prefix}-{BASE}-{self.environment}/sagemaker"

    def sagemaker_pipeline(self) -> str:
        return self.name("optimization-pipeline")

    def sagemaker_role(self) -> str:
        return self.name("sagemaker-role")

    def sagemaker_policy(self) -> str:
        return f"{self.prefix}-{BASE}-sagemaker-policy"

    def vpc(self) -> str:
        return self.name("vpc")

    def security_group(self, part: str) -> str:
        return self.name(f"{part}-sg")

    def flow_log_group(self) -> str:
        return f"/aws/vpc/{self.name('flow-logs')}"

    def flow_log_role(self) -> str:
        return self.name("flow-logs-role")

    def api(self) -> str:
        return self.name("api")

    def api_log_group(self) -> str:
        return f"/aws/apigateway/{self.name('api')}"

    def websocket_api(self) -> str:
        return self.name("websocket")

    def websocket_log_group(self) -> str:
        return f"/aws/apigateway/{self.name('websocket')}"

    def user_pool(self) -> str:
        return self.name("users")

    def user_pool_client(self) -> str:
        return self.name("web-client")

    def identity_pool(self) -> str:
        return self.name("identity")

    def identity_role(self, kind: str) -> str:
        return self.name(f"identity-{kind}-role")

    def web_acl(self) -> str:
        return self.name("api-waf")

    def web_acl_log_group(self) -> str:
        # WAF requires log groups named aws-waf-logs-*.
        return f"aws-waf-logs-{self.name('api')}"

    def dlq(self) -> str:
        return self.name("async-dlq")

    def schedule(self) -> str:
        return self.name("daily-cleanup")

    def topic(self) -> str:
        return self.name("alarms")

    def budget(self) -> str:
        return self.name("monthly-cost")

    def anomaly_monitor(self) -> str:
        return self.name("cost-anomalies")

    def anomaly_subscription(self) -> str:
        return self.name("cost-anomaly-alerts")

    def sampling_rule(self, part: str) -> str:
        # X-Ray allows 32 characters: prefix, "alloc", part and environment.
        return f"{self.prefix}-alloc-{part}-{self.environment}"

    def alarm(self, part: str) -> str:
        return self.name(part)

    def replication_role(self) -> str:
        return self.name("replication-role")

    def agent(self, key: str) -> str:
        return self.name(f"{key}-agent")

    def agent_role(self, key: str) -> str:
        return self.name(f"{key}-agent-role")

    def agent_policy(self, key: str) -> str:
        return f"{self.prefix}-{BASE}-{key}-agent-policy"

    def guardrail(self) -> str:
        return self.name("guardrail")

    @staticmethod
    def action_part(group: str) -> str:
        """Function part of action group folder `group`: market_analysis -> market-analysis-actions."""
        return f"{group.replace('_', '-')}-actions"

    def distribution(self) -> str:
        """Comment and Name tag of the distribution (distributions have no name)."""
        return self.name("cdn")

    def cdn_policy(self, part: str) -> str:
        return self.name(part)

    def cdn_web_acl(self) -> str:
        return self.name("cdn-waf")

    def cdn_web_acl_log_group(self) -> str:
        return f"aws-waf-logs-{self.name('cdn')}"

    def query_log_group(self, zone: str) -> str:
        return f"/aws/route53/{zone}"

    def dnssec_key_alias(self) -> str:
        return f"alias/{self.name('dnssec')}"

    def cdn_names(self) -> list[tuple[NameRule, str]]:
        return [(aws_rules.S3_BUCKET, self.bucket("frontend")),
                (aws_rules.S3_BUCKET, self.bucket("cdn-logs")),
                (aws_rules.WAF_WEB_ACL, self.cdn_web_acl()),
                (aws_rules.LOG_GROUP, self.cdn_web_acl_log_group()),
                (aws_rules.KMS_ALIAS, self.dnssec_key_alias())]

    def pipeline(self) -> str:
        return self.name("delivery")

    def pipeline_role(self) -> str:
        return self.name("delivery-role")

    def connection(self) -> str:
        return self.name("github")

    def pipeline_bucket(self) -> str:
        return self.bucket("pipeline-artifacts")

    def build_project(self, step: str) -> str:
        """`check`, `plan-<target>` or `apply-<target>`."""
        return self.name(step)

    def build_role(self, step: str) -> str:
        return self.name(f"{step}-build-role")

    def build_log_group(self, step: str) -> str:
        return f"/aws/codebuild/{self.build_project(step)}"

    def cicd_names(self, targets: tuple[str, ...]) -> list[tuple[NameRule, str]]:
        steps = ("check", *(f"{kind}-{t}" for t in targets for kind in ("plan", "apply")))
        return [(aws_rules.CODEPIPELINE, self.pipeline()),
                (aws_rules.IAM_ROLE, self.pipeline_role()),
                (aws_rules.CODESTAR_CONNECTION, self.connection()),
                (aws_rules.S3_BUCKET, self.pipeline_bucket()),
                *(rule for step in steps for rule in (
                    (aws_rules.CODEBUILD_PROJECT, self.build_project(step)),
                    (aws_rules.IAM_ROLE, self.build_role(step)),
                    (aws_rules.LOG_GROUP, self.build_log_group(step))))]

    def schema_bucket(self) -> str:
        return self.bucket("agent-schemas")

    def all_names(self, agents: bool = True, cdn: bool = False,
                  cicd_targets: tuple[str, ...] = ()) -> list[tuple[NameRule, str]]:
        names: list[tuple[NameRule, str]] = [
            (aws_rules.KMS_ALIAS, self.kms_alias()),
            (aws_rules.S3_BUCKET, self.access_log_bucket()),
            (aws_rules.S3_BUCKET, self.replica_bucket()),
            *((aws_rules.S3_BUCKET, self.bucket(b)) for b in BUCKETS),
            *((aws_rules.DYNAMODB_TABLE, self.table(t)) for t in
              ("optimization-jobs", "strategy-configurations", "results-cache",
               "websocket-connections")),
            (aws_rules.API_GATEWAY_V2, self.websocket_api()),
            (aws_rules.LOG_GROUP, self.websocket_log_group()),
            (aws_rules.IAM_POLICY, self.function_policy("websocket-post-back")),
            (aws_rules.ECR_REPOSITORY, self.repository()),
            (aws_rules.LOG_GROUP, self.flow_log_group()),
            (aws_rules.IAM_ROLE, self.flow_log_role()),
            (aws_rules.REST_API, self.api()),
            (aws_rules.LOG_GROUP, self.api_log_group()),
            (aws_rules.WAF_WEB_ACL, self.web_acl()),
            (aws_rules.LOG_GROUP, self.web_acl_log_group()),
            (aws_rules.SQS_QUEUE, self.dlq()),
            (aws_rules.EVENT_RULE, self.schedule()),
            (aws_rules.SNS_TOPIC, self.topic()),
            (aws_rules.IAM_ROLE, self.replication_role()),
            *((aws_rules.CLOUDWATCH_ALARM, self.alarm(a)) for a in ALARMS),
            (aws_rules.COGNITO_USER_POOL, self.user_pool()),
            (aws_rules.COGNITO_USER_POOL, self.user_pool_client()),
            (aws_rules.COGNITO_IDENTITY_POOL, self.identity_pool()),
            *((aws_rules.IAM_ROLE, self.identity_role(k)) for k in ("authenticated", "unauthenticated")),
            *((aws_rules.IAM_POLICY, f"{self.identity_role(k)}-policy")
              for k in ("authenticated", "unauthenticated")),
            (aws_rules.ECR_REPOSITORY, self.sagemaker_repository()),
            (aws_rules.SAGEMAKER_PIPELINE, self.sagemaker_pipeline()),
            (aws_rules.IAM_ROLE, self.sagemaker_role()),
            (aws_rules.IAM_POLICY, self.sagemaker_policy()),
            (aws_rules.BUDGET_NAME, self.budget()),
            (aws_rules.COST_ANOMALY_NAME, self.anomaly_monitor()),
            (aws_rules.COST_ANOMALY_NAME, self.anomaly_subscription()),
            *((aws_rules.XRAY_SAMPLING_RULE, self.sampling_rule(p)) for p in SAMPLED),
        ]
        if cdn:
            names += self.cdn_names()
        if cicd_targets:
            names += self.cicd_names(cicd_targets)
        if agents:
            names.append((aws_rules.BEDROCK_GUARDRAIL, self.guardrail()))
            names.append((aws_rules.S3_BUCKET, self.schema_bucket()))
            for key in AGENTS:
                names += [(aws_rules.BEDROCK_AGENT, self.agent(key)),
                          (aws_rules.IAM_ROLE, self.agent_role(key)),
                          (aws_rules.IAM_POLICY, self.agent_policy(key))]
        parts = FUNCTION_PARTS + (tuple(self.action_part(g) for g in ACTION_GROUPS) if agents else ())
        for part in parts:
            names += [(aws_rules.LAMBDA_FUNCTION, self.function(part)),
                      *(((aws_rules.CLOUDWATCH_ALARM, self.alarm(f"{part}-error-rate")),)
                        if part in FUNCTION_PARTS else ()),
                      (aws_rules.IAM_ROLE, self.function_role(part)),
                      (aws_rules.IAM_POLICY, self.function_policy(part)),
                      (aws_rules.LOG_GROUP, self.log_group(part))]
        return names
