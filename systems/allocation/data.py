"""The data layer: the customer key, the access-log bucket, the three buckets of the
specification (market data with a Glacier lifecycle, results with CORS and Intelligent-Tiering,
model artifacts replicated to the backup region) and the three tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modules.access_log_bucket import AccessLogBucket, AccessLogBucketProps
from modules.aws import provider_module
from modules.budget import Budget
from modules.config import StrictModel, load_file
from modules.cost_anomaly import CostAnomaly
from modules.dynamodb_table import DynamoTable, DynamoTableProps, DynamoTableSpec
from modules.cdn_policies import cdn_key_statements
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.policy import Statement, kms_via_service, policy_document, service_trust
from modules.schedule import Schedule
from modules.secure_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.table_autoscaling import TableAutoscaling
from modules.topic import Topic
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings

TABLES_FILE = Path(__file__).resolve().parent / "tables.toml"
#: Tables on provisioned capacity with auto scaling (the others are on-demand).
PROVISIONED = ("optimization-jobs",)
NO_EVENTS = "Nothing reacts to object events in this bucket; readers fetch objects on request."
NO_REPLICA = ("Derived data: results are recomputed from the jobs table and market data is "
              "re-ingested from its provider; the model artifacts are the replicated bucket.")


class TableFile(StrictModel):
    table: tuple[DynamoTableSpec, ...]


@dataclass(frozen=True)
class Data:
    key_arn: str
    access_logs: AccessLogBucket
    buckets: dict[str, SecureBucket]
    tables: dict[str, DynamoTable]


def load_tables(path: Path = TABLES_FILE) -> tuple[DynamoTableSpec, ...]:
    return load_file(path, TableFile).table


def build_data(stack: SystemStack, settings: AllocationSettings, names: AllocationNames) -> Data:
    env, storage = stack.env, settings.storage
    key = EncryptionKey(stack, "kms", EncryptionKeyProps(
        alias=names.kms_alias(), account_id=env.account_id, region=env.region,
        description=f"Asset allocation: buckets, tables, functions, logs, alarms ({env.environment})",
        allow_cloudwatch_logs=True, prevent_destroy=storage.deletion_protection,
        extra_statements=(*Topic.key_policy_statements(env.account_id, env.region),
                          *Schedule.key_policy_statements(),
                          # The alarm topic also takes budget and cost anomaly notifications.
                          *Budget.key_policy_statements(env.account_id),
                          *(CostAnomaly.key_policy_statements(env.account_id)
                            if settings.costs.anomaly_detection else ()),
                          # CloudFront reads the frontend assets, log delivery writes CDN logs.
                          *(cdn_key_statements(env.account_id)
                            if settings.cdn.domain_name else ()))))
    access_logs = AccessLogBucket(stack, "access_logs", AccessLogBucketProps(
        bucket_name=names.access_log_bucket(), account_id=env.account_id,
        retention_days=settings.functions.log_retention_days,
        prevent_destroy=storage.deletion_protection))
    rules = {
        "market-data": (LifecycleRule("archive-market-data", transitions=(
            (storage.market_data_glacier_days, "GLACIER"),)),),
        # Results are read often right after they are computed, rarely later.
        "results": (LifecycleRule("results-intelligent-tiering",
                                  transitions=((0, "INTELLIGENT_TIERING"),)),),
        "model-artifacts": (),
    }
    buckets = {part: SecureBucket(stack, f"bucket_{part.replace('-', '_')}", SecureBucketProps(
        bucket_name=names.bucket(part), kms_key_arn=key.key_arn, lifecycle_rules=rules[part],
        prevent_destroy=storage.deletion_protection, access_log_bucket=access_logs.bucket_name))
        for part in rules}
    for part, bucket in buckets.items():
        if part != "model-artifacts":
            suppress(bucket.bucket, "CKV_AWS_144", NO_REPLICA)
        elif not storage.replicate_model_artifacts:
            suppress(bucket.bucket, "CKV_AWS_144", "Replication is switched off for this "
                     "environment (storage.replicate_model_artifacts): its artifacts are rebuilt "
                     "by the pipeline, and production keeps the cross-region copy.")
        if part != "market-data":  # market data notifies the ingestion function
            suppress(bucket.bucket, "CKV2_AWS_62", NO_EVENTS)
    if storage.cors_allow_origins:
        cors = provider_module("s3_bucket_cors_configuration")
        cors.S3BucketCorsConfiguration(stack, "results_cors", bucket=buckets["results"].bucket.id,
                                       cors_rule=[cors.S3BucketCorsConfigurationCorsRule(
                                           allowed_methods=["GET", "HEAD"],
                                           allowed_origins=list(storage.cors_allow_origins),
                                           allowed_headers=["*"], max_age_seconds=3600)])
    if storage.replicate_model_artifacts:
        _replicate(stack, settings, names, key.key_arn, buckets["model-artifacts"])

    tables = {}
    for spec in load_tables():
        provisioned = spec.name in PROVISIONED
        tables[spec.name] = DynamoTable(stack, f"table_{spec.name.replace('-', '_')}", DynamoTableProps(
            table_name=names.table(spec.name), spec=spec, kms_key_arn=key.key_arn,
            region=env.region, billing_mode="PROVISIONED" if provisioned else "PAY_PER_REQUEST",
            autoscaling=TableAutoscaling(min_capacity=settings.tables.jobs_min_capacity,
                                         max_capacity=settings.tables.jobs_max_capacity)
            if provisioned else None,
            point_in_time_recovery=True, deletion_protection=settings.tables.deletion_protection))
    return Data(key.key_arn, access_logs, buckets, tables)


def _replicate(stack: SystemStack, settings: AllocationSettings, names: AllocationNames,
               key_arn: str, source: SecureBucket) -> None:
    """Model artifacts replicated (new versions and deletes) to a bucket of the backup region,
    under a key of that region."""
    env, region = stack.env, settings.storage.backup_region
    provider = stack.provider_in(region)
    replica_key = EncryptionKey(stack, "replica_kms", EncryptionKeyProps(
        alias=names.replica_kms_alias(), account_id=env.account_id, region=region,
        description=f"Model artifacts replica ({env.environment})", provider=provider,
        prevent_destroy=settings.storage.deletion_protection))
    replica = SecureBucket(stack, "bucket_model_artifacts_replica", SecureBucketProps(
        bucket_name=names.replica_bucket(), kms_key_arn=replica_key.key_arn, provider=provider,
        prevent_destroy=settings.storage.deletion_protection))
    for check, reason in (
            ("CKV_AWS_144", "This is the replica: copying it again would only add a third region."),
            ("CKV_AWS_18", "The replica is written only by S3 replication; access to the source "
                           "is logged, and server access logs must stay in the log bucket's region."),
            ("CKV2_AWS_62", "Nothing reacts to replicated objects; they are read only to recover.")):
        suppress(replica.bucket, check, reason)
    source_arn, replica_arn = f"arn:aws:s3:::{names.bucket('model-artifacts')}", \
        f"arn:aws:s3:::{names.replica_bucket()}"
    trust = policy_document(stack, "replication_trust", [service_trust(
        "s3.amazonaws.com", account_id=env.account_id, source_arn_pattern=source_arn)])
    role = provider_module("iam_role").IamRole(
        stack, "replication_role", name=names.replication_role(), assume_role_policy=trust.json,
        description="S3 replicates model artifacts to the backup region with this role")
    policy = policy_document(stack, "replication_policy", [
        Statement(sid="ReadSourceConfiguration",
                  actions=("s3:GetReplicationConfiguration", "s3:ListBucket"),
                  resources=(source_arn,)),
        Statement(sid="ReadSourceVersions",
                  actions=("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                           "s3:GetObjectVersionTagging"), resources=(f"{source_arn}/*",)),
        Statement(sid="WriteReplica",
                  actions=("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"),
                  resources=(f"{replica_arn}/*",)),
        kms_via_service("DecryptSource", key_arn, "s3", env.region),
        kms_via_service("EncryptReplica", replica_key.key_arn, "s3", region,
                        actions=("kms:Encrypt", "kms:GenerateDataKey")),
    ])
    provider_module("iam_role_policy").IamRolePolicy(
        stack, "replication_role_policy", name=f"{names.replication_role()}-policy",
        role=role.id, policy=policy.json)
    replication = provider_module("s3_bucket_replication_configuration")
    replication.S3BucketReplicationConfigurationA(
        stack, "model_artifacts_replication", bucket=source.bucket.id, role=role.arn,
        rule=[replication.S3BucketReplicationConfigurationRule(
            id="backup-region", status="Enabled",
            filter=replication.S3BucketReplicationConfigurationRuleFilter(prefix=""),
            delete_marker_replication=replication.S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                status="Enabled"),
            source_selection_criteria=replication.S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                sse_kms_encrypted_objects=replication.S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                    status="Enabled")),
            destination=replication.S3BucketReplicationConfigurationRuleDestination(
                bucket=replica.arn, storage_class="STANDARD_IA",
                encryption_configuration=replication.S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                    replica_kms_key_id=replica_key.key_arn)))],
        # S3 accepts replication only once both buckets are versioned.
        depends_on=[source.versioning, replica.versioning])
