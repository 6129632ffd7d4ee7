"""An SQS queue with encryption at rest, a TLS-only queue policy and a send grant; used as a
dead-letter queue of asynchronous Lambda invocations and of EventBridge targets."""

from __future__ import annotations

from dataclasses import dataclass

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

    def __post_init__(self) -> None:
        if not 60 <= self.retention_seconds <= MAX_RETENTION_SECONDS:
            raise ValueError(f"queue {self.name}: retention_seconds is {self.retention_seconds}; "
                             f"60-{MAX_RETENTION_SECONDS}")


QUEUE_ARN = "QUEUE_ARN"


class Queue(Construct):
    """Exposes `queue` (the L1 resource), `queue_arn`, `queue_url` and `send_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: QueueProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.queue = provider_module("sqs_queue").SqsQueue(
            self, "queue", name=props.name, message_retention_seconds=props.retention_seconds,
            kms_master_key_id=props.kms_key_arn,
            sqs_managed_sse_enabled=None if props.kms_key_arn else True,
        )
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
