"""A Kinesis data stream, encrypted at rest, with the read grant of its consumers and the write
grant of its producers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Fn, Token
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

AWS_MANAGED_KEY = "alias/aws/kinesis"
MIN_RETENTION_HOURS, MAX_RETENTION_HOURS = 24, 8760


@dataclass(frozen=True)
class KinesisStreamProps:
    name: str
    #: Hours a record stays readable (24 to 8760).
    retention_hours: int = 24
    #: ON_DEMAND capacity (no shards to size); False is PROVISIONED with `shard_count` shards.
    on_demand: bool = True
    shard_count: int | None = None
    #: Customer key for encryption at rest; None uses the AWS-managed key `alias/aws/kinesis`.
    kms_key_arn: str | None = None

    def __post_init__(self) -> None:
        if not MIN_RETENTION_HOURS <= self.retention_hours <= MAX_RETENTION_HOURS:
            raise ValueError(f"stream {self.name}: retention_hours is {self.retention_hours}; "
                             f"{MIN_RETENTION_HOURS}-{MAX_RETENTION_HOURS}")
        if self.on_demand and self.shard_count is not None:
            raise ValueError(f"stream {self.name}: shard_count is only for a provisioned stream "
                             f"(on_demand = false)")
        if not self.on_demand and (self.shard_count is None or self.shard_count < 1):
            raise ValueError(f"stream {self.name}: a provisioned stream needs shard_count >= 1")


def _grant_id(name: str) -> str:
    """`fraud-transactions-dev` -> `FraudTransactionsDev`: statement ids stay unique when one
    role reads or writes several streams."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


class KinesisStream(Construct):
    """Exposes `stream` (the L1 resource), `stream_arn`, `stream_name`, `read_statements()` and
    `write_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: KinesisStreamProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self._grant = _grant_id(props.name)
        self.stream = provider_module("kinesis_stream").KinesisStream(
            self, "stream", name=props.name, retention_period=props.retention_hours,
            stream_mode_details={"stream_mode": "ON_DEMAND" if props.on_demand else "PROVISIONED"},
            shard_count=props.shard_count,
            encryption_type="KMS", kms_key_id=props.kms_key_arn or AWS_MANAGED_KEY,
        )
        self.stream_arn: str = self.stream.arn
        self.stream_name: str = self.stream.name

    def read_statements(self) -> tuple[Statement, ...]:
        """What a consumer (a Lambda event source mapping) needs: describe, list shards, read
        records, and decrypt them through Kinesis only."""
        statements = [Statement(
            sid=f"Read{self._grant}",
            actions=("kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
                     "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards",
                     "kinesis:SubscribeToShard"),
            resources=(self.stream_arn,))]
        return tuple(statements + self._key_statements("Decrypt", ("kms:Decrypt",)))

    def write_statements(self) -> tuple[Statement, ...]:
        """What a producer needs: put records, and encrypt them through Kinesis only."""
        statements = [Statement(sid=f"Write{self._grant}",
                                actions=("kinesis:PutRecord", "kinesis:PutRecords"),
                                resources=(self.stream_arn,))]
        return tuple(statements + self._key_statements("Encrypt", ("kms:GenerateDataKey",)))

    def _key_statements(self, verb: str, actions: tuple[str, ...]) -> list[Statement]:
        # The AWS-managed key's own policy already lets every principal of the account use it
        # through Kinesis; a customer key needs the grant, limited to Kinesis in its region.
        key = self._props.kms_key_arn
        if not key:
            return []
        return [Statement(sid=f"{verb}{self._grant}", actions=actions, resources=(key,),
                          conditions=(("StringEquals", "kms:ViaService",
                                       (f"kinesis.{_region_of(key)}.amazonaws.com",)),))]


def _region_of(key_arn: str) -> str:
    """The region field of a key ARN; a Terraform expression when the ARN is only known at
    apply time (a key created in the same stack)."""
    if Token.is_unresolved(key_arn):
        return Token.as_string(Fn.element(Fn.split(":", key_arn), 3))
    parts = key_arn.split(":")
    if len(parts) < 6 or parts[2] != "kms":
        raise ValueError(f"kms_key_arn {key_arn!r} is not a KMS key ARN")
    return parts[3]
