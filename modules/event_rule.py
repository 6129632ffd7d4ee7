"""An EventBridge rule on a bus (the account's default bus or a custom one) matching an event
pattern, with its targets: retries, a dead-letter queue and, for Lambda targets, the invoke
permission for exactly this rule. Schedules are `modules/schedule.py`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

EVENTS = "events.amazonaws.com"


@dataclass(frozen=True)
class EventTarget:
    #: Unique among the rule's targets (1-64 letters, digits, '.', '-', '_').
    target_id: str
    arn: str
    #: Lambda targets: the function EventBridge may invoke from this rule only.
    function_name: str | None = None
    #: Queue for events EventBridge could not deliver after its retries; its policy must let
    #: this rule send (`EventRule.dead_letter_statement`).
    dead_letter_queue_arn: str | None = None
    maximum_retry_attempts: int = 3
    maximum_event_age_seconds: int = 3600

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[\w.-]{1,64}", self.target_id):
            raise ValueError(f"target id {self.target_id!r}: 1-64 letters, digits, '.', '-', '_'")
        if not 0 <= self.maximum_retry_attempts <= 185:
            raise ValueError(f"target {self.target_id}: maximum_retry_attempts 0-185")
        if not 60 <= self.maximum_event_age_seconds <= 86400:
            raise ValueError(f"target {self.target_id}: maximum_event_age_seconds 60-86400")


@dataclass(frozen=True)
class EventRuleProps:
    rule_name: str
    description: str
    #: The event pattern, e.g. {"source": ["fraud-detection"], "detail-type": ["FraudDetected"]}.
    event_pattern: dict
    targets: tuple[EventTarget, ...]
    account_id: str
    region: str
    event_bus_name: str = "default"

    def __post_init__(self) -> None:
        if not self.event_pattern:
            raise ValueError(f"rule {self.rule_name}: the event pattern is empty (it would match "
                             f"nothing); give at least source or detail-type")
        ids = [t.target_id for t in self.targets]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError(f"rule {self.rule_name}: needs targets with unique ids")


class EventRule(Construct):
    """Exposes `rule` (the L1 resource), `rule_arn` and `targets` (target id -> L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: EventRuleProps) -> None:
        super().__init__(scope, construct_id)
        self.rule = provider_module("cloudwatch_event_rule").CloudwatchEventRule(
            self, "rule", name=props.rule_name, description=props.description,
            event_bus_name=props.event_bus_name,
            event_pattern=json.dumps(props.event_pattern, sort_keys=True), state="ENABLED",
        )
        self.rule_arn: str = self.rule.arn
        target_module = provider_module("cloudwatch_event_target")
        self.targets: dict[str, object] = {}
        for target in props.targets:
            dependencies = []
            if target.function_name:
                dependencies.append(provider_module("lambda_permission").LambdaPermission(
                    self, f"allow_{target.target_id}", statement_id=f"AllowEvents-{props.rule_name}"[:100],
                    action="lambda:InvokeFunction", function_name=target.function_name,
                    principal=EVENTS, source_arn=self.rule.arn, source_account=props.account_id))
            self.targets[target.target_id] = target_module.CloudwatchEventTarget(
                self, f"target_{target.target_id}", rule=self.rule.name,
                event_bus_name=props.event_bus_name, target_id=target.target_id, arn=target.arn,
                retry_policy=target_module.CloudwatchEventTargetRetryPolicy(
                    maximum_retry_attempts=target.maximum_retry_attempts,
                    maximum_event_age_in_seconds=target.maximum_event_age_seconds),
                dead_letter_config=target_module.CloudwatchEventTargetDeadLetterConfig(
                    arn=target.dead_letter_queue_arn) if target.dead_letter_queue_arn else None,
                depends_on=dependencies or None,
            )

    @staticmethod
    def rule_arn_of(rule_name: str, account_id: str, region: str, bus: str = "default") -> str:
        """The rule's ARN from its name, for policies written before the rule exists."""
        path = rule_name if bus == "default" else f"{bus}/{rule_name}"
        return f"arn:aws:events:{region}:{account_id}:rule/{path}"

    @staticmethod
    def dead_letter_statement(queue_arn: str, rule_arn: str, sid: str = "RuleDeliversFailures") -> Statement:
        """Queue-policy statement letting EventBridge send this rule's undeliverable events."""
        return Statement(sid=sid, actions=("sqs:SendMessage",), resources=(queue_arn,),
                         principals=(("Service", (EVENTS,)),),
                         conditions=(("ArnEquals", "aws:SourceArn", (rule_arn,)),))

    @staticmethod
    def put_events_statements(account_id: str, region: str, bus: str = "default",
                              sources: tuple[str, ...] = ()) -> tuple[Statement, ...]:
        """What a producer needs to put events on `bus`, limited to its `sources`."""
        conditions = (("StringEquals", "events:source", sources),) if sources else ()
        return (Statement(sid="PutEvents", actions=("events:PutEvents",),
                          resources=(f"arn:aws:events:{region}:{account_id}:event-bus/{bus}",),
                          conditions=conditions),)
