"""Kinesis Data Firehose archiving a Kinesis data stream to S3: date-partitioned prefixes,
buffering, GZIP, KMS on the objects, an error prefix for records it could not deliver,
CloudWatch logging of delivery errors, and a role limited to that stream, prefix and keys."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust

# Hive-style partitions, so Glue crawlers and Athena see year/month/day/hour columns.
DATE_PARTITIONS = ("year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
                   "hour=!{timestamp:HH}/")
ERROR_PARTITIONS = ("!{firehose:error-output-type}/year=!{timestamp:yyyy}/"
                    "month=!{timestamp:MM}/day=!{timestamp:dd}/")


@dataclass(frozen=True)
class FirehoseArchiveProps:
    name: str
    role_name: str
    policy_name: str
    log_group_name: str
    account_id: str
    region: str
    stream_arn: str
    #: The source stream's read grant (KinesisStream.read_statements()).
    stream_read_statements: tuple[Statement, ...]
    bucket_arn: str
    #: Objects land under `<prefix><year=..>/`; failures under `<error_prefix><type>/<date>/`.
    prefix: str
    error_prefix: str
    #: Key of the bucket's SSE-KMS encryption; the objects are written with it.
    bucket_kms_key_arn: str
    #: Key of the log group; None uses CloudWatch's own encryption.
    log_kms_key_arn: str | None = None
    log_retention_days: int = 365
    #: Flush at this size (1-128 MB) or after this many seconds (0-900), whichever comes first.
    buffering_size_mb: int = 5
    buffering_interval_seconds: int = 300

    def __post_init__(self) -> None:
        for label, prefix in (("prefix", self.prefix), ("error_prefix", self.error_prefix)):
            if not prefix.endswith("/") or prefix.startswith("/"):
                raise ValueError(f"firehose {self.name}: {label} {prefix!r} must end with '/' "
                                 f"and not start with one")
        if not 1 <= self.buffering_size_mb <= 128:
            raise ValueError(f"firehose {self.name}: buffering_size_mb is "
                             f"{self.buffering_size_mb}; 1-128")
        if not 0 <= self.buffering_interval_seconds <= 900:
            raise ValueError(f"firehose {self.name}: buffering_interval_seconds is "
                             f"{self.buffering_interval_seconds}; 0-900")


class FirehoseArchive(Construct):
    """Exposes `delivery_stream` (the L1 resource), `arn`, `role_arn` and `log_group`."""

    def __init__(self, scope: Construct, construct_id: str, props: FirehoseArchiveProps) -> None:
        super().__init__(scope, construct_id)
        arn = (f"arn:aws:firehose:{props.region}:{props.account_id}:"
               f"deliverystream/{props.name}")
        log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=props.log_group_name,
            retention_in_days=props.log_retention_days, kms_key_id=props.log_kms_key_arn)
        log_stream = provider_module("cloudwatch_log_stream").CloudwatchLogStream(
            self, "log_stream", name="S3Delivery", log_group_name=log_group.name)
        trust = policy_document(self, "trust", [service_trust(
            "firehose.amazonaws.com", account_id=props.account_id, source_arn_pattern=arn)])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Delivery role of the Firehose stream {props.name}")
        bucket = props.bucket_arn
        policy = policy_document(self, "policy_document", [
            *props.stream_read_statements,
            Statement(sid="LocateBucket", actions=("s3:GetBucketLocation", "s3:ListBucket",
                                                   "s3:ListBucketMultipartUploads"),
                      resources=(bucket,)),
            Statement(sid="WriteArchiveObjects",
                      actions=("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"),
                      resources=(f"{bucket}/{props.prefix}*", f"{bucket}/{props.error_prefix}*")),
            # Only for objects of this bucket, through S3.
            Statement(sid="EncryptArchiveObjects", actions=("kms:GenerateDataKey", "kms:Decrypt"),
                      resources=(props.bucket_kms_key_arn,),
                      conditions=(("StringEquals", "kms:ViaService",
                                   (f"s3.{props.region}.amazonaws.com",)),
                                  ("StringLike", "kms:EncryptionContext:aws:s3:arn",
                                   (f"{bucket}/*",)))),
            Statement(sid="LogDeliveryErrors", actions=("logs:PutLogEvents",),
                      resources=(f"{log_group.arn}:log-stream:S3Delivery",)),
        ])
        role_policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id, policy=policy.json)
        self.delivery_stream = provider_module(
            "kinesis_firehose_delivery_stream").KinesisFirehoseDeliveryStream(
            self, "delivery_stream", name=props.name, destination="extended_s3",
            kinesis_source_configuration={"kinesis_stream_arn": props.stream_arn,
                                          "role_arn": role.arn},
            extended_s3_configuration={
                "role_arn": role.arn, "bucket_arn": bucket,
                "prefix": props.prefix + DATE_PARTITIONS,
                "error_output_prefix": props.error_prefix + ERROR_PARTITIONS,
                "buffering_size": props.buffering_size_mb,
                "buffering_interval": props.buffering_interval_seconds,
                "compression_format": "GZIP",
                "kms_key_arn": props.bucket_kms_key_arn,
                "cloudwatch_logging_options": {"enabled": True, "log_group_name": log_group.name,
                                               "log_stream_name": log_stream.name},
            },
            # Firehose checks the role's access to the stream when it is created. No
            # server-side encryption block: Firehose refuses it on a stream whose source is a
            # Kinesis stream; records are KMS-encrypted there and in S3, TLS in between.
            depends_on=[role_policy])
        self.arn: str = self.delivery_stream.arn
        self.role_arn: str = role.arn
        self.log_group = log_group
