"""The fraud-detection system's AWS names: the seed's `fraud-detection-<part>-<env>`.

Bucket names are global, so they fail on apply if another account took them first; the seed's
names are kept so the system matches its runbooks.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule
from modules.naming import Naming

BASE = "fraud-detection"
TABLES = ("transactions", "decisions", "user-profiles", "patterns")
BUCKETS = ("audit-logs", "decision-trails", "models")
STREAMS = ("transactions", "events")
FUNCTIONS = ("stream-processor", "alert-handler", "agent-actions", "kb-index")


@dataclass(frozen=True)
class FraudNames(Naming):
    def name(self, part: str) -> str:
        """`fraud-detection-<part>-<env>`."""
        return self.env(f"{BASE}-{part}")

    def table(self, part: str) -> str:
        return self.name(part)

    def bucket(self, part: str) -> str:
        return self.name(part)

    def stream(self, part: str) -> str:
        return self.name(part)

    def function(self, part: str) -> str:
        return self.name(part)

    def function_role(self, part: str) -> str:
        return self.name(f"{part}-role")

    def function_policy(self, part: str) -> str:
        return f"{BASE}-{part}-policy"

    def log_group(self, part: str) -> str:
        return f"/aws/lambda/{self.function(part)}"

    def dlq(self) -> str:
        return self.name("dlq")

    def topic(self) -> str:
        return self.name("alerts")

    def rule(self) -> str:
        return self.name("events")

    def dashboard(self) -> str:
        return self.env(BASE)

    def alarm(self, part: str) -> str:
        return self.name(part)

    def kms_alias(self) -> str:
        return f"alias/{self.name('key')}"

    def agent(self) -> str:
        return self.name("agent")

    def agent_role(self) -> str:
        return self.name("agent-role")

    def agent_policy(self) -> str:
        return f"{BASE}-agent-policy"

    def guardrail(self) -> str:
        return self.name("guardrail")

    def knowledge_base(self) -> str:
        return self.name("knowledge-base")

    def knowledge_base_role(self) -> str:
        return self.name("kb-role")

    def knowledge_base_policy(self) -> str:
        return f"{BASE}-kb-policy"

    def collection(self) -> str:
        """OpenSearch Serverless allows 32 characters: `fraud-kb-<env>`."""
        return self.env("fraud-kb")

    def all_names(self) -> list[tuple[NameRule, str]]:
        names: list[tuple[NameRule, str]] = [
            *((aws_rules.DYNAMODB_TABLE, self.table(t)) for t in TABLES),
            *((aws_rules.S3_BUCKET, self.bucket(b)) for b in BUCKETS),
            *((aws_rules.KINESIS_STREAM, self.stream(s)) for s in STREAMS),
            (aws_rules.SQS_QUEUE, self.dlq()), (aws_rules.SNS_TOPIC, self.topic()),
            (aws_rules.EVENT_RULE, self.rule()), (aws_rules.KMS_ALIAS, self.kms_alias()),
            (aws_rules.BEDROCK_AGENT, self.agent()), (aws_rules.IAM_ROLE, self.agent_role()),
            (aws_rules.IAM_POLICY, self.agent_policy()),
            (aws_rules.BEDROCK_GUARDRAIL, self.guardrail()),
            (aws_rules.BEDROCK_KNOWLEDGE_BASE, self.knowledge_base()),
            (aws_rules.IAM_ROLE, self.knowledge_base_role()),
            (aws_rules.IAM_POLICY, self.knowledge_base_policy()),
            (aws_rules.OPENSEARCH_COLLECTION, self.collection()),
            (aws_rules.CLOUDWATCH_DASHBOARD, self.dashboard()),
        ]
        for part in FUNCTIONS:
            names += [(aws_rules.LAMBDA_FUNCTION, self.function(part)),
                      (aws_rules.IAM_ROLE, self.function_role(part)),
                      (aws_rules.IAM_POLICY, self.function_policy(part)),
                      (aws_rules.LOG_GROUP, self.log_group(part))]
        return names
