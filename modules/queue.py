"""An SQS queue with encryption at rest, a TLS-only queue policy and a send grant; used as a
dead-letter queue of asynchronous Lambda invocations and of EventBridge targets, and as a work
queue redriving to a dead-letter queue after `max_receive_count` failed receives."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document

MAX_RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class QueueProps:
    name: str
    #: Encrypts messages; None uses SQS-managed encryption (SSE-SQS).
    kms_key_arn: str | None
    region: str
    #: Seconds a message is kept (60 s to 14 days); dead letters default to the maximum.
    retention_seconds: int = MAX_RETENTION_SECONDS
    #: More queue-policy statements (e.g. a service allowed to send); `QUEUE_ARN` in resources
    #: is replaced by this queue's ARN.
    extra_policy_statements: tuple[Statement, ...] = ()
    grant_id: str = "Queue"
    #: Seconds a received message stays hidden (0-43200); None keeps SQS's 30 s. A queue
    #: consumed by Lambda needs at least six times the function timeout.
    visibility_timeout_seconds: int | None = None
    #: Dead-letter queue receiving a message after `max_receive_count` failed receives.
    dead_letter_queue_arn: str | None = None
    max_receive_count: int = 3
    #: For a dead-letter queue: the only queues allowed to redrive into it (redrive allow
    #: policy); empty allows any queue of the account (SQS's default).
    redrive_source_arns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 60 <= self.retention_seconds <= MAX_RETENTION_SECONDS:
            raise ValueError(f"queue {self.name}: retention_seconds is {self.retention_seconds}; "
                             f"60-{MAX_RETENTION_SECONDS}")
        if self.visibility_timeout_seconds is not None and not (
                0 <= self.visibility_timeout_seconds <= 43200):
            raise ValueError(f"queue {self.name}: visibility_timeout_seconds is "
                             f"{self.visibility_timeout_seconds}; 0-43200")
        if not 1 <= self.max_receive_count <= 1000:
            raise ValueError(f"queue {self.name}: max_receive_count is {self.max_receive_count}; "
                             f"1-1000")


QUEUE_ARN = "QUEUE_ARN"


class Queue(Construct):
    """Exposes `queue` (the L1 resource), `queue_arn`, `queue_url` and `send_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: QueueProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        # The queue's own attributes that the separate redrive resources below own: left to
        # them, as the provider documents, or every plan after an apply shows the queue drifting.
        owned_elsewhere = (["redrive_policy"] if props.dead_letter_queue_arn else []) + (
            ["redrive_allow_policy"] if props.redrive_source_arns else [])
        self.queue = provider_module("sqs_queue").SqsQueue(
            self, "queue", name=props.name, message_retention_seconds=props.retention_seconds,
            kms_master_key_id=props.kms_key_arn,
            sqs_managed_sse_enabled=None if props.kms_key_arn else True,
            visibility_timeout_seconds=props.visibility_timeout_seconds,
            lifecycle=TerraformResourceLifecycle(ignore_changes=owned_elsewhere)
            if owned_elsewhere else None,
        )
        if props.dead_letter_queue_arn:
            # A separate resource: SQS answers the inline attribute with reformatted JSON, which
            # the provider reports as drift.
            provider_module("sqs_queue_redrive_policy").SqsQueueRedrivePolicy(
                self, "redrive", queue_url=self.queue.url, redrive_policy=Fn.jsonencode({
                    "deadLetterTargetArn": props.dead_letter_queue_arn,
                    "maxReceiveCount": props.max_receive_count}))
        if props.redrive_source_arns:
            provider_module("sqs_queue_redrive_allow_policy").SqsQueueRedriveAllowPolicy(
                self, "redrive_allow", queue_url=self.queue.url,
                redrive_allow_policy=Fn.jsonencode({
                    "redrivePermission": "byQueue",
                    "sourceQueueArns": list(props.redrive_source_arns)}))
        self.queue_arn: str = self.queue.arn
        self.queue_url: str = self.queue.url
        statements = [Statement(
            sid="DenyInsecureTransport", effect="Deny", actions=("sqs:*",),
            resources=(self.queue_arn,), principals=(("*", ("*",)),),
            conditions=(("Bool", "aws:SecureTransport", ("false",)),))]
        for extra in props.extra_policy_statements:
            resources = tuple(self.queue_arn if r == QUEUE_ARN else r for r in extra.resources)
            statements.append(Statement(**{**extra.__dict__, "resources": resources}))
        document = policy_document(self, "policy_document", statements)
        provider_module("sqs_queue_policy").SqsQueuePolicy(
            self, "policy", queue_url=self.queue_url, policy=document.json)

    def send_statements(self) -> tuple[Statement, ...]:
        """Send to this queue, and encrypt for it through SQS when a customer key is used."""
        grant = self._props.grant_id
        statements = [Statement(sid=f"Send{grant}", actions=("sqs:SendMessage",),
                                resources=(self.queue_arn,))]
        if self._props.kms_key_arn:
            statements.append(kms_via_service(f"Encrypt{grant}", self._props.kms_key_arn, "sqs",
                                              self._props.region,
                                              actions=("kms:GenerateDataKey", "kms:Decrypt")))
        return tuple(statements)

    def consume_statements(self) -> tuple[Statement, ...]:
        """What a Lambda event source mapping needs: receive, delete and read the attributes of
        this queue, and decrypt its messages through SQS when a customer key is used."""
        grant = self._props.grant_id
        statements = [Statement(sid=f"Consume{grant}",
                                actions=("sqs:ReceiveMessage", "sqs:DeleteMessage",
                                         "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"),
                                resources=(self.queue_arn,))]
        if self._props.kms_key_arn:
            statements.append(kms_via_service(f"Decrypt{grant}", self._props.kms_key_arn, "sqs",
                                              self._props.region))
        return tuple(statements)


@dataclass(frozen=True)
class QueueTriggerProps:
    """A Lambda event source mapping that polls a queue (the function's role needs the
    queue's `consume_statements()`)."""

    function_name: str
    queue_arn: str
    #: Messages per invocation (1-10 without a batching window, up to 10000 with one).
    batch_size: int = 10
    #: Seconds to gather a batch (0-300).
    max_batching_window_seconds: int = 0
    #: Concurrent invocations the queue may drive (2-1000); None leaves it to the function's
    #: reserved concurrency (which then throttles the poller instead).
    maximum_concurrency: int | None = None

    def __post_init__(self) -> None:
        limit = 10 if self.max_batching_window_seconds == 0 else 10000
        checks = (
            ("batch_size", self.batch_size, 1 <= self.batch_size <= limit, f"1-{limit}"),
            ("max_batching_window_seconds", self.max_batching_window_seconds,
             0 <= self.max_batching_window_seconds <= 300, "0-300"),
            ("maximum_concurrency", self.maximum_concurrency,
             self.maximum_concurrency is None or 2 <= self.maximum_concurrency <= 1000, "2-1000"),
        )
        for field_name, value, ok, allowed in checks:
            if not ok:
                raise ValueError(f"queue trigger of {self.function_name}: {field_name} is "
                                 f"{value!r}; {allowed}")


class QueueTrigger(Construct):
    """Exposes `mapping` (the `aws_lambda_event_source_mapping`). Failed messages are reported
    one by one (partial batch responses), so only those are received again and, after the
    queue's `max_receive_count`, moved to its dead-letter queue."""

    def __init__(self, scope: Construct, construct_id: str, props: QueueTriggerProps) -> None:
        super().__init__(scope, construct_id)
        self.mapping = provider_module("lambda_event_source_mapping").LambdaEventSourceMapping(
            self, "mapping", function_name=props.function_name, event_source_arn=props.queue_arn,
            batch_size=props.batch_size,
            maximum_batching_window_in_seconds=props.max_batching_window_seconds or None,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": props.maximum_concurrency}
            if props.maximum_concurrency else None,
        )
