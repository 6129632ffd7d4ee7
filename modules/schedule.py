"""An EventBridge scheduled rule invoking one Lambda function, with retries, a dead-letter
queue for the invocations that still fail, and the function's permission for this rule only."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document

RULE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RATE = re.compile(r"^rate\(([1-9][0-9]*) (minutes?|hours?|days?)\)$")
CRON = re.compile(r"^cron\((.*)\)$")
CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/#-]+$")
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum
EVENTS = "events.amazonaws.com"


def validate_schedule_expression(expression: str) -> str:
    """Return `expression` if EventBridge accepts its shape: `rate(1 day)`, `rate(5 minutes)`
    (singular unit for 1, plural otherwise) or `cron(<6 fields>)` with `?` in exactly one of
    day-of-month and day-of-week; raise ValueError saying what to write otherwise."""
    rate = RATE.match(expression)
    if rate:
        value, unit = int(rate[1]), rate[2]
        if (value == 1) != (not unit.endswith("s")):
            fixed = unit.rstrip("s") if value == 1 else unit.rstrip("s") + "s"
            raise ValueError(f"schedule expression {expression!r}: write rate({value} {fixed}) "
                             f"(the unit is singular for 1, plural otherwise)")
        return expression
    cron = CRON.match(expression)
    if cron:
        fields = cron[1].split(" ")
        if len(fields) != 6 or not all(CRON_FIELD.match(f) for f in fields):
            raise ValueError(f"schedule expression {expression!r}: cron takes 6 fields separated by "
                             f"single spaces (minutes hours day-of-month month day-of-week year), "
                             f"e.g. cron(0 8 ? * MON-FRI *)")
        if (fields[2] == "?") == (fields[4] == "?"):
            raise ValueError(f"schedule expression {expression!r}: exactly one of day-of-month "
                             f"(3rd field) and day-of-week (5th field) must be '?'")
        return expression
    raise ValueError(f"schedule expression {expression!r} is neither rate(<n> <unit>), e.g. "
                     f"rate(1 day) or rate(5 minutes), nor cron(<6 fields>)")


@dataclass(frozen=True)
class ScheduleProps:
    rule_name: str
    schedule_expression: str
    description: str
    function_arn: str
    function_name: str
    #: Encrypts the dead-letter queue; None uses SQS-managed encryption (SSE-SQS).
    kms_key_arn: str | None
    #: Constant event passed to the function (as JSON); None passes the scheduled event.
    input: dict | None = None
    #: Retries of a failed invocation (0-185) before the event goes to the dead-letter queue.
    maximum_retry_attempts: int = 2
    #: Age (60-86400 s) after which an undelivered event goes to the dead-letter queue.
    maximum_event_age_seconds: int = 3600
    enabled: bool = True
    #: An existing queue for undeliverable events (its policy must let this rule send); None
    #: creates `<rule_name>-dlq` here.
    dead_letter_queue_arn: str | None = None

    def __post_init__(self) -> None:
        if not RULE_NAME.match(self.rule_name):
            raise ValueError(f"rule name {self.rule_name!r}: 1-64 letters, digits, '.', '_', '-'")
        validate_schedule_expression(self.schedule_expression)
        if not 0 <= self.maximum_retry_attempts <= 185:
            raise ValueError(f"maximum_retry_attempts is {self.maximum_retry_attempts}; 0-185")
        if not 60 <= self.maximum_event_age_seconds <= 86400:
            raise ValueError(f"maximum_event_age_seconds is {self.maximum_event_age_seconds}; 60-86400")


class Schedule(Construct):
    """Exposes `rule`, `target`, `queue` and `permission` (the L1 resources), `rule_arn`,
    `dlq_arn`, `dlq_url` and the static `key_policy_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: ScheduleProps) -> None:
        super().__init__(scope, construct_id)
        self.rule = provider_module("cloudwatch_event_rule").CloudwatchEventRule(
            self, "rule", name=props.rule_name, description=props.description,
            schedule_expression=props.schedule_expression,
            state="ENABLED" if props.enabled else "DISABLED",
        )
        self.queue = None
        if props.dead_letter_queue_arn is None:
            self._own_queue(props)
        dlq_arn = props.dead_letter_queue_arn or self.queue.arn
        self._target(props, dlq_arn)
        self.rule_arn: str = self.rule.arn
        self.dlq_arn: str = dlq_arn
        self.dlq_url: str | None = self.queue.url if self.queue is not None else None

    @staticmethod
    def rule_arn_of(rule_name: str, account_id: str, region: str) -> str:
        """The rule's ARN before it exists (for a queue policy written ahead of the rule)."""
        return f"arn:aws:events:{region}:{account_id}:rule/{rule_name}"

    def _own_queue(self, props: ScheduleProps) -> None:
        self.queue = provider_module("sqs_queue").SqsQueue(
            self, "dlq", name=f"{props.rule_name}-dlq",
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            kms_master_key_id=props.kms_key_arn,
            sqs_managed_sse_enabled=None if props.kms_key_arn else True,
        )
        queue_policy = policy_document(self, "dlq_policy_document", [
            Statement(sid="DenyInsecureTransport", effect="Deny", actions=("sqs:*",),
                      resources=(self.queue.arn,), principals=(("*", ("*",)),),
                      conditions=(("Bool", "aws:SecureTransport", ("false",)),)),
            Statement(sid="AllowThisRuleOnly", actions=("sqs:SendMessage",),
                      resources=(self.queue.arn,), principals=(("Service", (EVENTS,)),),
                      conditions=(("ArnEquals", "aws:SourceArn", (self.rule.arn,)),)),
        ])
        provider_module("sqs_queue_policy").SqsQueuePolicy(
            self, "dlq_policy", queue_url=self.queue.url, policy=queue_policy.json)

    def _target(self, props: ScheduleProps, dlq_arn: str) -> None:
        target = provider_module("cloudwatch_event_target")
        self.target = target.CloudwatchEventTarget(
            self, "target", rule=self.rule.name, arn=props.function_arn, target_id="function",
            input=json.dumps(props.input, sort_keys=True) if props.input is not None else None,
            retry_policy=target.CloudwatchEventTargetRetryPolicy(
                maximum_retry_attempts=props.maximum_retry_attempts,
                maximum_event_age_in_seconds=props.maximum_event_age_seconds),
            dead_letter_config=target.CloudwatchEventTargetDeadLetterConfig(arn=dlq_arn),
        )
        self.permission = provider_module("lambda_permission").LambdaPermission(
            self, "permission",
            # One statement per rule, so several schedules can invoke the same function.
            statement_id=f"AllowSchedule-{props.rule_name.replace('.', '-')}",
            action="lambda:InvokeFunction", function_name=props.function_name,
            principal=EVENTS, source_arn=self.rule.arn,
        )

    @staticmethod
    def key_policy_statements() -> tuple[Statement, ...]:
        """For `EncryptionKeyProps.extra_statements` of the dead-letter queue's key: EventBridge
        encrypts what it sends to the queue as its own service principal. The statement has no
        source conditions; the queue policy (this rule only) limits whose events arrive."""
        return (Statement(
            sid="EventBridgeEncryptsForDeadLetterQueues",
            actions=("kms:Decrypt", "kms:GenerateDataKey"), resources=("*",),
            principals=(("Service", (EVENTS,)),),
        ),)
