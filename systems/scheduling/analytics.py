"""Analytics layer (phase 3): the S3 data lake fed by Firehose, the Glue catalog, crawler and
ETL jobs, and the Athena workgroup with the three sample analyses.

How the specification's open points are settled here:
- Buckets carry the account id (S3 names are global): `<prefix>-analytics-data-<env>-<acct>`
  (archive and Parquet tables), `<prefix>-glue-scripts-<env>-<acct>` (job scripts, uploaded
  from glue/scheduling/ by Terraform) and `<prefix>-query-results-<env>-<acct>` (Athena). All
  three are encrypted with the phase-3 `s3` key.
- Firehose archives both Kinesis streams to `raw/events/` and `raw/metrics/` (hive-style date
  partitions); records it cannot deliver go to `errors/<stream>/`.
- `pf-metrics-aggregation` reads the archived metrics stream: Glue cannot read CloudWatch Logs.
- Both jobs are Glue Python shell jobs (1/16 DPU): a daily and an hourly run stay within the
  specification's 10 DPU-hours a month, where Spark jobs would not.
- The crawler runs daily after the daily export, so new hourly partitions are queryable the
  next morning (or after `MSCK REPAIR TABLE` in Athena).
- Glue job logs and bookmarks use the environment's phase-1 key (CloudWatch Logs may use it;
  the `s3` key only serves S3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktf import TerraformOutput

from modules.athena_workgroup import AthenaWorkgroup, AthenaWorkgroupProps
from modules.errors import ConfigError
from modules.firehose_archive import FirehoseArchive, FirehoseArchiveProps
from modules.glue_catalog import GlueCatalog, GlueCatalogProps
from modules.glue_job import GlueJob, GlueJobProps
from modules.glue_security import GlueSecurity, GlueSecurityProps
from modules.policy import Statement, kms_via_service
from modules.secure_bucket import SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.scheduling.data import Data
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.workloads import AsyncWork

REPO_ROOT = Path(__file__).resolve().parents[2]
GLUE_SCRIPTS = REPO_ROOT / "glue" / "scheduling"
QUERIES = REPO_ROOT / "athena" / "scheduling"
RAW, ERRORS, CURATED = "raw/", "errors/", "curated/"
# Prefixes the crawler catalogs: one table each (events, metrics, conversations, metrics_hourly).
TABLE_PREFIXES = (f"{RAW}events/", f"{RAW}metrics/", f"{CURATED}conversations/",
                  f"{CURATED}metrics_hourly/")
BUCKET_REASONS = {
    "CKV_AWS_18": "Only this stack's roles (Firehose, Glue, Athena users) read or write it, and "
                  "their API calls are in CloudTrail; server access logs would need a log "
                  "bucket that cannot log itself.",
    "CKV_AWS_144": "Analytics data is derived: the archive and tables can be rebuilt from the "
                   "streams' sources and DynamoDB; a second-region replica doubles storage for "
                   "no recovery need.",
    "CKV2_AWS_62": "Nothing reacts to object events: Glue jobs and the crawler run on schedules.",
}


@dataclass(frozen=True)
class Analytics:
    buckets: dict[str, SecureBucket]
    archives: dict[str, FirehoseArchive]
    catalog: GlueCatalog
    jobs: dict[str, GlueJob]
    workgroup: AthenaWorkgroup


def build_analytics(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                    data: Data, s3_key_arn: str, work: AsyncWork) -> Analytics:
    env, config = stack.env, settings.analytics
    if data.key_arn is None:
        raise ConfigError("", "systems.scheduling.agents.customer_managed_key",
                          "phase \"3\" needs the customer key (true): Glue encrypts its logs "
                          "and bookmarks with it")
    buckets = {}
    for part in ("analytics-data", "glue-scripts", "query-results"):
        bucket = SecureBucket(stack, f"bucket_{part.replace('-', '_')}", SecureBucketProps(
            bucket_name=names.analytics_bucket(part), kms_key_arn=s3_key_arn,
            # Scripts and query results are reproducible; the data is what the lake holds.
            force_destroy=part != "analytics-data"))
        for check, reason in BUCKET_REASONS.items():
            suppress(bucket.bucket, check, reason)
        buckets[part] = bucket
    data_bucket = buckets["analytics-data"]

    archives = {}
    for part, stream in work.streams.items():
        archives[part] = FirehoseArchive(stack, f"archive_{part}", FirehoseArchiveProps(
            name=names.delivery_stream(part), role_name=names.service_role(f"{part}-archive"),
            policy_name=names.service_policy(f"{part}-archive"),
            log_group_name=f"/aws/kinesisfirehose/{names.delivery_stream(part)}",
            account_id=env.account_id, region=env.region, stream_arn=stream.stream_arn,
            stream_read_statements=stream.read_statements(), bucket_arn=data_bucket.arn,
            prefix=f"{RAW}{part}/", error_prefix=f"{ERRORS}{part}/",
            bucket_kms_key_arn=s3_key_arn, log_kms_key_arn=data.key_arn,
            log_retention_days=settings.functions.log_retention_days,
            buffering_interval_seconds=settings.streams.archive_buffer_seconds))

    security = GlueSecurity(stack, "glue_security", GlueSecurityProps(
        name=names.glue_name("analytics"), s3_kms_key_arn=s3_key_arn,
        logs_kms_key_arn=data.key_arn, bookmarks_kms_key_arn=data.key_arn,
        account_id=env.account_id, region=env.region))
    catalog = GlueCatalog(stack, "glue_catalog", GlueCatalogProps(
        database_name=names.glue_database(), crawler_name=names.glue_name("analytics-crawler"),
        role_name=names.service_role("analytics-crawler"),
        policy_name=names.service_policy("analytics-crawler"),
        account_id=env.account_id, region=env.region, bucket_arn=data_bucket.arn,
        bucket_name=data_bucket.bucket_name, prefixes=TABLE_PREFIXES, kms_key_arn=s3_key_arn,
        schedule=config.crawler_schedule, security_configuration=security.name,
        description=f"Scheduling analytics tables ({env.environment})"))

    tables = data.tables
    write_s3 = kms_via_service("EncryptLakeObjects", s3_key_arn, "s3", env.region,
                               actions=("kms:GenerateDataKey", "kms:Decrypt"))
    jobs_spec = {
        "conversations-to-s3": (
            "conversations_to_s3.py", config.conversations_schedule,
            "Yesterday's conversation turns from DynamoDB to Parquet (daily)",
            {"CONVERSATION_TABLE": tables["conversation-history"].table_name,
             "SESSION_TABLE": tables["session-state"].table_name,
             "TARGET_BUCKET": data_bucket.bucket_name,
             "TARGET_PREFIX": f"{CURATED}conversations/"},
            (*tables["conversation-history"].scan_statements(),
             *tables["session-state"].scan_statements(),
             Statement(sid="WriteConversationTables", actions=("s3:PutObject",),
                       resources=(f"{data_bucket.arn}/{CURATED}conversations/*",)), write_s3)),
        "metrics-aggregation": (
            "metrics_aggregation.py", config.metrics_schedule,
            "The last hour of the archived metrics stream to Parquet (hourly)",
            {"BUCKET": data_bucket.bucket_name, "SOURCE_PREFIX": f"{RAW}metrics/",
             "TARGET_PREFIX": f"{CURATED}metrics_hourly/"},
            (Statement(sid="ListArchivedMetrics", actions=("s3:ListBucket",),
                       resources=(data_bucket.arn,),
                       conditions=(("StringLike", "s3:prefix", (f"{RAW}metrics/*",)),)),
             Statement(sid="ReadArchivedMetrics", actions=("s3:GetObject",),
                       resources=(f"{data_bucket.arn}/{RAW}metrics/*",)),
             Statement(sid="WriteHourlyMetrics", actions=("s3:PutObject",),
                       resources=(f"{data_bucket.arn}/{CURATED}metrics_hourly/*",)), write_s3)),
    }
    scripts = buckets["glue-scripts"]
    jobs = {}
    for part, (script, schedule, description, arguments, statements) in jobs_spec.items():
        jobs[part] = GlueJob(stack, f"glue_job_{part.replace('-', '_')}", GlueJobProps(
            name=names.glue_name(part), role_name=names.service_role(part),
            policy_name=names.service_policy(part), trigger_name=names.glue_name(f"{part}-schedule"),
            account_id=env.account_id, region=env.region, script=GLUE_SCRIPTS / script,
            scripts_bucket=scripts.bucket_name, scripts_bucket_arn=scripts.arn,
            script_key=f"glue/{script}", scripts_kms_key_arn=s3_key_arn,
            security_configuration=security.name, schedule=schedule, arguments=arguments,
            statements=(*statements, *security.job_statements()), description=description))

    results = buckets["query-results"]
    workgroup = AthenaWorkgroup(stack, "athena", AthenaWorkgroupProps(
        name=names.workgroup(), output_location=f"s3://{results.bucket_name}/results/",
        results_bucket_arn=results.arn, kms_key_arn=s3_key_arn, account_id=env.account_id,
        region=env.region, database=names.glue_database(),
        query_files=tuple(sorted(QUERIES.glob("*.sql"))),
        bytes_scanned_cutoff_per_query=config.query_scan_limit_gb * 1024**3,
        description=f"Ad-hoc SQL on the scheduling conversation data ({env.environment})"))
    return Analytics(buckets=buckets, archives=archives, catalog=catalog, jobs=jobs,
                     workgroup=workgroup)


def analytics_outputs(stack: SystemStack, work: AsyncWork, lake: Analytics) -> None:
    """Where operators and producers find the phase-3 async and analytics resources."""
    values = {
        "async_tasks_queue_url": work.queues["async-tasks"].queue_url,
        "appointment_notifications_queue_url": work.queues["appointment-notifications"].queue_url,
        "dead_letter_queue_url": work.queues["dlq"].queue_url,
        "appointment_workflow_arn": work.workflows["appointment-workflow"].state_machine_arn,
        "customer_onboarding_arn": work.workflows["customer-onboarding"].state_machine_arn,
        "events_stream_arn": work.streams["events"].stream_arn,
        "customer_notifications_topic_arn": work.notifications_topic.topic_arn,
        "analytics_bucket": lake.buckets["analytics-data"].bucket_name,
        "athena_workgroup": lake.workgroup.workgroup.name,
        "glue_database": lake.catalog.database_name,
    }
    for name, value in values.items():
        TerraformOutput(stack, name, value=value)
