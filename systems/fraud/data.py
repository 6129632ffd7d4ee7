"""Data layer: the customer key, the four tables, the three buckets (the audit log under Object
Lock), the two Kinesis streams, the dead-letter queue and the alerts topic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modules.config import StrictModel, load_file
from modules.dynamodb_table import DynamoTable, DynamoTableProps, DynamoTableSpec
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.event_rule import EventRule
from modules.kinesis_stream import KinesisStream, KinesisStreamProps
from modules.policy import Statement
from modules.queue import QUEUE_ARN, Queue, QueueProps
from modules.secure_bucket import LifecycleRule, ObjectLock, SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.topic import Subscription, Topic, TopicProps
from systems.fraud.names import FraudNames
from systems.fraud.settings import FraudSettings

TABLES_FILE = Path(__file__).resolve().parent / "tables.toml"
NONCURRENT_DAYS = 90
NO_ACCESS_LOG = ("Reads and writes come only from this system's roles and are recorded by "
                 "CloudTrail; a server-access-log bucket per bucket would add a log of the log.")
NO_REPLICA = ("Single-region system (the seed's us-east-1); versioning, Object Lock on the audit "
              "log and point-in-time recovery on the tables protect the data in the region.")
NO_EVENTS = "No consumer reacts to object events; writers are this system's own Lambdas."


class TableFile(StrictModel):
    table: tuple[DynamoTableSpec, ...]


@dataclass(frozen=True)
class Data:
    key_arn: str
    tables: dict[str, DynamoTable]
    buckets: dict[str, SecureBucket]
    streams: dict[str, KinesisStream]
    dlq: Queue
    topic: Topic


def build_data(stack: SystemStack, settings: FraudSettings, names: FraudNames) -> Data:
    env = stack.env
    key_arn = EncryptionKey(stack, "kms", EncryptionKeyProps(
        alias=names.kms_alias(), account_id=env.account_id, region=env.region,
        description=f"Encrypts the fraud-detection data, streams, queue, logs and agent ({env.environment})",
        allow_cloudwatch_logs=True,
        # Alarms publish to the topic and EventBridge dead-letters to the queue under this key.
        extra_statements=(*Topic.key_policy_statements(env.account_id, env.region),
                          Statement(sid="EventBridgeEncryptsForDeadLetterQueue",
                                    actions=("kms:Decrypt", "kms:GenerateDataKey"),
                                    resources=("*",),
                                    principals=(("Service", ("events.amazonaws.com",)),),
                                    conditions=(("StringEquals", "aws:SourceAccount",
                                                 (env.account_id,)),))),
        prevent_destroy=settings.storage.deletion_protection,
    )).key_arn
    storage = settings.storage
    tables = {}
    for spec in load_file(TABLES_FILE, TableFile).table:
        table = DynamoTable(stack, f"table_{spec.name.replace('-', '_')}", DynamoTableProps(
            table_name=names.table(spec.name), spec=spec, kms_key_arn=key_arn, region=env.region,
            deletion_protection=storage.deletion_protection))
        tables[spec.name] = table
    streams = {
        part: KinesisStream(stack, f"stream_{part}", KinesisStreamProps(
            name=names.stream(part), retention_hours=hours, kms_key_arn=key_arn))
        for part, hours in (("transactions", settings.streams.transactions_retention_hours),
                            ("events", settings.streams.events_retention_hours))}
    dlq = Queue(stack, "dlq", QueueProps(
        name=names.dlq(), kms_key_arn=key_arn, region=env.region, grant_id="DeadLetters",
        extra_policy_statements=(EventRule.dead_letter_statement(
            QUEUE_ARN, EventRule.rule_arn_of(names.rule(), env.account_id, env.region)),)))
    topic = Topic(stack, "topic", TopicProps(
        name=names.topic(), kms_key_arn=key_arn, account_id=env.account_id, region=env.region,
        publisher_role_arns=(f"arn:aws:iam::{env.account_id}:role/{names.function_role('alert-handler')}",),
        subscriptions=tuple(Subscription("email", endpoint=e)
                            for e in settings.alarms.email_subscriptions),
        display_name=f"Fraud detection alerts ({env.environment})", grant_id="Alerts"))
    return Data(key_arn=key_arn, tables=tables, buckets=_buckets(stack, settings, names, key_arn),
                streams=streams, dlq=dlq, topic=topic)


def _buckets(stack: SystemStack, settings: FraudSettings, names: FraudNames,
             key_arn: str) -> dict[str, SecureBucket]:
    storage = settings.storage
    aging = ((storage.infrequent_access_days, "STANDARD_IA"), (storage.glacier_days, "GLACIER"))

    def aged(days: int) -> tuple[LifecycleRule, ...]:
        return (LifecycleRule(id="age-current-versions", transitions=aging, expiration_days=days),)

    # (object lock, lifecycle rules) per bucket.
    retention = {
        # Immutable audit trail: every record is locked for its whole life, then expires.
        "audit-logs": (ObjectLock(mode=storage.audit_lock_mode, days=storage.audit_retention_days),
                       aged(storage.audit_retention_days)),
        "decision-trails": (None, aged(storage.decision_trail_days)),
        "models": (None, ()),
    }
    buckets = {}
    for part, (lock, rules) in retention.items():
        bucket = SecureBucket(stack, f"bucket_{part.replace('-', '_')}", SecureBucketProps(
            bucket_name=names.bucket(part), kms_key_arn=key_arn,
            noncurrent_version_expiration_days=NONCURRENT_DAYS,
            prevent_destroy=storage.deletion_protection, object_lock=lock, lifecycle_rules=rules))
        for check, reason in (("CKV_AWS_18", NO_ACCESS_LOG), ("CKV_AWS_144", NO_REPLICA),
                              ("CKV2_AWS_62", NO_EVENTS)):
            suppress(bucket.bucket, check, reason)
        buckets[part] = bucket
    return buckets
