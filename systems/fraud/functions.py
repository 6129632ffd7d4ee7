"""Function layer: the stream processor (Kinesis trigger), the alert handler (EventBridge rule
for TransactionReceived and FraudDetected), the agent's action function and the index function
of the knowledge base's vector collection; one least-privilege role each."""

from __future__ import annotations

from dataclasses import dataclass

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.event_rule import EventRule, EventRuleProps, EventTarget
from modules.lambda_package import FunctionPackage
from modules.policy import Statement, kms_via_service
from modules.queue import Queue
from modules.stacks.system_stack import SystemStack
from modules.stream_trigger import StreamTrigger, StreamTriggerProps
from modules.suppressions import suppress
from systems.fraud.data import Data
from systems.fraud.names import FraudNames
from systems.fraud.settings import FraudSettings

EVENT_SOURCE = "fraud-detection"
METRICS_NAMESPACE = "FraudDetection"
DETAIL_TYPES = ("TransactionReceived", "FraudDetected")
NO_VPC = ("The function reaches only AWS service endpoints (DynamoDB, S3, Kinesis, SNS, "
          "EventBridge, Bedrock, OpenSearch Serverless) over TLS; no private resource needs a VPC, "
          "which would add NAT cost and cold-start latency only.")


@dataclass(frozen=True)
class Functions:
    processor: ActionFunction
    alert_handler: ActionFunction
    agent_actions: ActionFunction
    rule: EventRule

    def monitored(self) -> dict[str, ActionFunction]:
        """The functions with alarms, by name part."""
        return {"stream-processor": self.processor, "alert-handler": self.alert_handler,
                "agent-actions": self.agent_actions}


def function(stack: SystemStack, settings: FraudSettings, names: FraudNames, data: Data,
             part: str, package: FunctionPackage, *, environment: dict[str, str],
             statements: tuple[Statement, ...], description: str,
             dead_letter_queue: Queue | None = None, timeout_seconds: int | None = None) -> ActionFunction:
    sizing = settings.functions
    if dead_letter_queue is not None:
        statements = (*statements, *dead_letter_queue.send_statements())
    result = ActionFunction(stack, f"function_{part.replace('-', '_')}", ActionFunctionProps(
        function_name=names.function(part), role_name=names.function_role(part),
        policy_name=names.function_policy(part), log_group_name=names.log_group(part),
        package=package, account_id=stack.env.account_id, region=stack.env.region,
        memory_mb=sizing.memory_mb, timeout_seconds=timeout_seconds or sizing.timeout_seconds,
        reserved_concurrency=sizing.reserved_concurrency,
        log_retention_days=sizing.log_retention_days, kms_key_arn=data.key_arn,
        environment={"LOG_LEVEL": sizing.log_level, "ENVIRONMENT": stack.env.environment,
                     "POWERTOOLS_SERVICE_NAME": names.function(part), **environment},
        extra_statements=statements, description=description,
        dead_letter_queue_arn=dead_letter_queue.queue_arn if dead_letter_queue else None))
    suppress(result.function, "CKV_AWS_117", NO_VPC)
    return result


def _put_objects(bucket, key_arn: str, region: str, sid: str) -> tuple[Statement, ...]:
    return (Statement(sid=f"Write{sid}", actions=("s3:PutObject",), resources=(f"{bucket.arn}/*",)),
            kms_via_service(f"Encrypt{sid}", key_arn, "s3", region,
                            actions=("kms:GenerateDataKey",)))


def build_functions(stack: SystemStack, settings: FraudSettings, names: FraudNames, data: Data,
                    packages: dict[str, FunctionPackage], agent_alias_arn: str | None,
                    agent_ids: tuple[str, str] | None, agent_actions: ActionFunction) -> Functions:
    env, detection, tables = stack.env, settings.detection, data.tables
    ttl = settings.storage
    agent_env, agent_grant = {}, ()
    if detection.ask_agent and agent_alias_arn and agent_ids:
        agent_env = {"AGENT_ID": agent_ids[0], "AGENT_ALIAS_ID": agent_ids[1]}
        agent_grant = (Statement(sid="AskAgent", actions=("bedrock:InvokeAgent",),
                                 resources=(agent_alias_arn,)),)
    processor = function(
        stack, settings, names, data, "stream-processor", packages["stream_processor"],
        description="Scores transactions from Kinesis, records decisions, publishes FraudDetected",
        dead_letter_queue=data.dlq,
        environment={
            "TRANSACTIONS_TABLE": tables["transactions"].table_name,
            "DECISIONS_TABLE": tables["decisions"].table_name,
            "PROFILES_TABLE": tables["user-profiles"].table_name,
            "AUDIT_BUCKET": data.buckets["audit-logs"].bucket_name,
            "TRAILS_BUCKET": data.buckets["decision-trails"].bucket_name,
            "EVENT_BUS": "default", "EVENT_SOURCE": EVENT_SOURCE,
            "METRICS_NAMESPACE": METRICS_NAMESPACE,
            "BLOCK_SCORE": str(detection.block_score), "REVIEW_SCORE": str(detection.review_score),
            "HIGH_AMOUNT": str(detection.high_amount),
            "HIGH_RISK_COUNTRIES": ",".join(detection.high_risk_countries),
            "DECISION_TTL_DAYS": str(ttl.decision_ttl_days),
            "TRANSACTION_TTL_DAYS": str(ttl.transaction_ttl_days),
            "AUDIT_RETENTION_DAYS": str(ttl.audit_retention_days), **agent_env},
        statements=(*data.streams["transactions"].read_statements(),
                    *tables["transactions"].write_statements(),
                    *tables["decisions"].write_statements(),
                    *tables["user-profiles"].read_statements(),
                    *tables["user-profiles"].write_statements(),
                    # Object Lock applies the bucket's default retention to each new record.
                    *_put_objects(data.buckets["audit-logs"], data.key_arn, env.region, "AuditLog"),
                    *_put_objects(data.buckets["decision-trails"], data.key_arn, env.region,
                                  "DecisionTrail"),
                    *EventRule.put_events_statements(env.account_id, env.region,
                                                     sources=(EVENT_SOURCE,)),
                    *agent_grant))
    StreamTrigger(stack, "processor_trigger", StreamTriggerProps(
        function_name=processor.function_name, source_arn=data.streams["transactions"].stream_arn,
        batch_size=settings.streams.batch_size,
        max_batching_window_seconds=settings.streams.max_batching_window_seconds,
        maximum_retry_attempts=settings.streams.maximum_retry_attempts,
        maximum_record_age_seconds=settings.streams.maximum_record_age_seconds,
        parallelization_factor=settings.streams.parallelization_factor,
        on_failure_destination_arn=data.dlq.queue_arn))
    alert_handler = function(
        stack, settings, names, data, "alert-handler", packages["alert_handler"],
        description="Notifies on FraudDetected; forwards TransactionReceived to the stream",
        dead_letter_queue=data.dlq,
        environment={"ALERT_TOPIC_ARN": data.topic.topic_arn,
                     "TRANSACTIONS_STREAM": data.streams["transactions"].stream_name,
                     "EVENTS_STREAM": data.streams["events"].stream_name},
        statements=(*data.topic.publish_statements(),
                    *data.streams["transactions"].write_statements(),
                    *data.streams["events"].write_statements()))
    rule = EventRule(stack, "events_rule", EventRuleProps(
        rule_name=names.rule(), account_id=env.account_id, region=env.region,
        description="Routes TransactionReceived and FraudDetected events to the alert handler",
        event_pattern={"source": [EVENT_SOURCE], "detail-type": list(DETAIL_TYPES)},
        targets=(EventTarget(target_id="alert-handler", arn=alert_handler.function_arn,
                             function_name=alert_handler.function_name,
                             dead_letter_queue_arn=data.dlq.queue_arn),)))
    return Functions(processor=processor, alert_handler=alert_handler,
                     agent_actions=agent_actions, rule=rule)


def build_agent_actions(stack: SystemStack, settings: FraudSettings, names: FraudNames,
                        data: Data, package: FunctionPackage) -> ActionFunction:
    """The agent's action group: read-only lookups of profiles, history and patterns."""
    tables = data.tables
    return function(
        stack, settings, names, data, "agent-actions", package,
        description="Bedrock action group of the fraud agent: profiles, history, patterns",
        environment={"TRANSACTIONS_TABLE": tables["transactions"].table_name,
                     "PROFILES_TABLE": tables["user-profiles"].table_name,
                     "PATTERNS_TABLE": tables["patterns"].table_name},
        statements=(*tables["transactions"].read_statements(),
                    *tables["user-profiles"].read_statements(),
                    *tables["patterns"].read_statements(), *tables["patterns"].scan_statements()))


def build_index_function(stack: SystemStack, settings: FraudSettings, names: FraudNames,
                         data: Data, package: FunctionPackage,
                         collection_statements: tuple[Statement, ...]) -> ActionFunction:
    """Creates the knowledge base's vector index; Terraform invokes it synchronously."""
    return function(stack, settings, names, data, "kb-index", package,
                    description="Creates the knowledge base's vector index (run by Terraform)",
                    environment={}, statements=collection_statements, timeout_seconds=300)
