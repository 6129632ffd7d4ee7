"""A DynamoDB table described by one row of a data table (`DynamoTableSpec`), with its
autoscaling when provisioned, and the read and write grants of its users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Optional

from cdktf import TerraformResourceLifecycle
from constructs import Construct
from pydantic import Field, model_validator

from modules.aws import provider_module
from modules.config import StrictModel, pattern
from modules.policy import Statement, kms_via_service
from modules.table_autoscaling import TableAutoscaling, TableAutoscalingPolicies, TableAutoscalingProps

KeyType = Literal["S", "N", "B"]
#: What a DynamoDB stream record carries.
StreamViewType = Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
AttributeName = Annotated[str, Field(min_length=1, max_length=255)]
TableNamePart = pattern(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "lowercase letters and digits, "
                        "starting with a letter, parts joined by single '-'")
IndexName = pattern(r"^[A-Za-z0-9_.-]{3,255}$", "3-255 letters, digits, '_', '-' and '.'")


def _sort_key_needs_type(model, where: str):
    if (model.sort_key is None) != (model.sort_key_type is None):
        raise ValueError(f"{where}: sort_key and sort_key_type are given together or not at all")
    return model


class GsiSpec(StrictModel):
    """One global secondary index; it projects every attribute."""

    name: IndexName
    partition_key: AttributeName
    partition_key_type: KeyType
    sort_key: Optional[AttributeName] = None
    sort_key_type: Optional[KeyType] = None
    projection: Literal["ALL"] = "ALL"

    @model_validator(mode="after")
    def _sort_key_pair(self) -> "GsiSpec":
        return _sort_key_needs_type(self, f"index {self.name}")

    def keys(self) -> list[tuple[str, str]]:
        keys = [(self.partition_key, self.partition_key_type)]
        return keys + ([(self.sort_key, self.sort_key_type)] if self.sort_key else [])


class DynamoTableSpec(StrictModel):
    """One row of a data table: a table's keys, TTL, indexes and provisioned capacity."""

    #: Name part, e.g. "conversation-history"; the caller builds the full table name from it.
    name: TableNamePart
    partition_key: AttributeName
    partition_key_type: KeyType
    sort_key: Optional[AttributeName] = None
    sort_key_type: Optional[KeyType] = None
    #: Number attribute holding an epoch-seconds expiry; never a key attribute.
    ttl_attribute: Optional[AttributeName] = None
    gsis: tuple[GsiSpec, ...] = ()
    #: Capacity units of the table and of each index when billing is PROVISIONED (the starting
    #: point when autoscaling is on).
    read_capacity: int = Field(default=5, ge=1)
    write_capacity: int = Field(default=5, ge=1)
    #: DynamoDB stream of item changes (change data capture) and what each record carries;
    #: None: no stream.
    stream_view_type: Optional[StreamViewType] = None
    #: What the table holds and who uses it.
    purpose: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> "DynamoTableSpec":
        _sort_key_needs_type(self, f"table {self.name}")
        names = [gsi.name for gsi in self.gsis]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"table {self.name}: index names must be unique, "
                             f"{', '.join(duplicates)} repeated")
        types: dict[str, str] = {}
        for attribute, kind in self.attributes_with_duplicates():
            if types.setdefault(attribute, kind) != kind:
                raise ValueError(f"table {self.name}: key attribute {attribute!r} is used with types "
                                 f"{types[attribute]} and {kind}; one attribute has one type")
        if self.ttl_attribute and self.ttl_attribute in types:
            raise ValueError(f"table {self.name}: ttl_attribute {self.ttl_attribute!r} is a key "
                             f"attribute; TTL needs a separate Number attribute")
        return self

    def attributes_with_duplicates(self) -> list[tuple[str, str]]:
        keys = [(self.partition_key, self.partition_key_type)]
        keys += [(self.sort_key, self.sort_key_type)] if self.sort_key else []
        return keys + [key for gsi in self.gsis for key in gsi.keys()]

    def attributes(self) -> list[tuple[str, str]]:
        """Every key attribute of the table and its indexes, once, in first-use order."""
        return list(dict.fromkeys(self.attributes_with_duplicates()))


BILLING_MODES = ("PAY_PER_REQUEST", "PROVISIONED")


@dataclass(frozen=True)
class DynamoTableProps:
    table_name: str
    spec: DynamoTableSpec
    #: Customer key for encryption at rest; None uses the AWS-owned key.
    kms_key_arn: str | None
    region: str
    billing_mode: str = "PAY_PER_REQUEST"
    #: Used only when billing_mode is PROVISIONED (None there: fixed capacity from the spec).
    autoscaling: TableAutoscaling | None = TableAutoscaling()
    point_in_time_recovery: bool = True
    deletion_protection: bool = False
    #: Statement ids: `Read<id>`, `Write<id>`, `Scan<id>`, each with `Decrypt<verb><id>`;
    #: empty derives it from the spec name ("conversation-history" -> "ConversationHistory").
    grant_id: str = ""

    def __post_init__(self) -> None:
        if self.billing_mode not in BILLING_MODES:
            raise ValueError(f"billing_mode {self.billing_mode!r} is not one of "
                             f"{', '.join(BILLING_MODES)}")


class DynamoTable(Construct):
    """Exposes `table` (the L1 resource), `table_name`, `table_arn`, `stream_arn` (None without
    a stream), `autoscaling` (None unless provisioned with autoscaling), `read_statements()`,
    `write_statements()` and `scan_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: DynamoTableProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        spec, module = props.spec, provider_module("dynamodb_table")
        provisioned = props.billing_mode == "PROVISIONED"
        capacity = {"read_capacity": spec.read_capacity,
                    "write_capacity": spec.write_capacity} if provisioned else {}
        scaled = provisioned and props.autoscaling is not None
        self.table = module.DynamodbTable(
            self, "table",
            name=props.table_name,
            billing_mode=props.billing_mode,
            hash_key=spec.partition_key,
            range_key=spec.sort_key,
            attribute=[module.DynamodbTableAttribute(name=name, type=kind)
                       for name, kind in spec.attributes()],
            global_secondary_index=[module.DynamodbTableGlobalSecondaryIndex(
                name=gsi.name, hash_key=gsi.partition_key, range_key=gsi.sort_key,
                projection_type=gsi.projection, **capacity) for gsi in spec.gsis] or None,
            ttl=module.DynamodbTableTtl(attribute_name=spec.ttl_attribute, enabled=True)
            if spec.ttl_attribute else None,
            # Without a customer key the block is left out: DynamoDB then uses its AWS-owned key.
            server_side_encryption=module.DynamodbTableServerSideEncryption(
                enabled=True, kms_key_arn=props.kms_key_arn) if props.kms_key_arn else None,
            point_in_time_recovery=module.DynamodbTablePointInTimeRecovery(
                enabled=props.point_in_time_recovery),
            deletion_protection_enabled=props.deletion_protection,
            stream_enabled=True if spec.stream_view_type else None,
            stream_view_type=spec.stream_view_type,
            # Autoscaling owns the table's capacity once created. Index capacities cannot be
            # ignored one by one (the indexes are one set), so a plan after a scaling event shows
            # them going back to the spec's numbers; autoscaling raises them again if needed.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["read_capacity", "write_capacity"])
            if scaled else None,
            **capacity,
        )
        self.autoscaling = TableAutoscalingPolicies(self, "autoscaling", TableAutoscalingProps(
            table_name=self.table.name, index_names=tuple(gsi.name for gsi in spec.gsis),
            scaling=props.autoscaling, policy_prefix=props.table_name,
        )) if scaled else None
        self.table_name: str = self.table.name
        self.table_arn: str = self.table.arn
        self.stream_arn: str | None = self.table.stream_arn if spec.stream_view_type else None
        self._grant_id = props.grant_id or "".join(part.title() for part in spec.name.split("-"))

    def _grant(self, verb: str, actions: tuple[str, ...], resources: tuple[str, ...]):
        statements = [Statement(sid=f"{verb}{self._grant_id}", actions=actions, resources=resources)]
        if self._props.kms_key_arn:
            statements.append(kms_via_service(
                f"Decrypt{verb}{self._grant_id}", self._props.kms_key_arn, "dynamodb",
                self._props.region, actions=("kms:Decrypt", "kms:DescribeKey")))
        return tuple(statements)

    def read_statements(self) -> tuple[Statement, ...]:
        """Item reads and queries on this table and its indexes, nothing else."""
        indexes = (f"{self.table_arn}/index/*",) if self._props.spec.gsis else ()
        return self._grant("Read", ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem",
                                    "dynamodb:DescribeTable"), (self.table_arn, *indexes))

    def write_statements(self) -> tuple[Statement, ...]:
        """Item writes and deletes on this table (indexes are maintained by DynamoDB)."""
        return self._grant("Write", ("dynamodb:PutItem", "dynamodb:UpdateItem",
                                     "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"),
                           (self.table_arn,))

    def scan_statements(self) -> tuple[Statement, ...]:
        """Full scans of this table (batch jobs such as expiry sweeps), kept apart from reads."""
        return self._grant("Scan", ("dynamodb:Scan",), (self.table_arn,))
