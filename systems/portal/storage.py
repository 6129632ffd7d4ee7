"""Part `storage`: the four buckets `<stem>-frontend-assets`, `-user-content`, `-logs` and
`-backups` with the specification's lifecycle rules, versioning, blocked public access, a
policy denying insecure transport and uploads without the bucket's encryption, server access
logs to `<stem>-logs/s3-access-logs/`, a weekly inventory, CORS on the front-end assets, and
the content processor Lambda called on every object created in the user-content bucket.

The logs bucket is the one exception to SSE-KMS: S3 server access logging (and ALB access
logging) refuse a target bucket encrypted with SSE-KMS, so it uses SSE-S3, and its upload rule
denies any other encryption header instead of requiring `aws:kms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modules.action_function import ActionFunction, ActionFunctionProps
from modules.aws import provider_module
from modules.bucket_inventory import BucketInventory, BucketInventoryProps
from modules.config import REPO_ROOT
from modules.lambda_package import build_function_package
from modules.policy import Statement, kms_via_service
from modules.queue import Queue, QueueProps
from modules.secure_bucket import SecureBucket, SecureBucketProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.portal import catalog
from systems.portal.auth import urls
from systems.portal.names import PortalNames
from systems.portal.network import SEED_RETENTION, Network
from systems.portal.settings import PortalSettings

LAMBDA_ROOT = REPO_ROOT / "lambda" / "portal"
INVENTORY_PREFIX = "inventory"


@dataclass(frozen=True)
class Storage:
    buckets: dict[str, SecureBucket]
    processor: ActionFunction


def deny_other_encryption(bucket_arn: str, algorithm: str) -> Statement:
    """The specification's second deny: uploads must ask for the bucket's encryption
    (`aws:kms`). For an SSE-S3 bucket written by AWS log delivery, which sends no header,
    only a different header is refused."""
    test = "StringNotEquals" if algorithm == "aws:kms" else "StringNotEqualsIfExists"
    return Statement(sid="DenyUploadsWithoutBucketEncryption", effect="Deny",
                     actions=("s3:PutObject",), resources=(f"{bucket_arn}/*",),
                     principals=(("*", ("*",)),),
                     conditions=((test, "s3:x-amz-server-side-encryption", (algorithm,)),))


#: Elastic Load Balancing's log-writing account of the regions opened before August 2022;
#: newer regions deliver as the `logdelivery.elasticloadbalancing.amazonaws.com` service.
ELB_LOG_ACCOUNTS = {"us-east-1": "127311923021", "us-east-2": "033677994240",
                    "us-west-1": "027434742980", "us-west-2": "797873946194",
                    "eu-west-1": "156460612806", "eu-central-1": "054676820928"}
ALB_LOG_PREFIX = "alb-logs"


def _alb_log_delivery(logs_arn: str, account_id: str, region: str) -> Statement:
    """The ALB writes its access logs under `alb-logs/AWSLogs/<account>/` only."""
    account = ELB_LOG_ACCOUNTS.get(region)
    principal = ("AWS", (f"arn:aws:iam::{account}:root",)) if account else \
        ("Service", ("logdelivery.elasticloadbalancing.amazonaws.com",))
    return Statement(sid="AlbAccessLogsDelivery", actions=("s3:PutObject",),
                     resources=(f"{logs_arn}/{ALB_LOG_PREFIX}/AWSLogs/{account_id}/*",),
                     principals=(principal,))


def build_storage(stack: SystemStack, settings: PortalSettings, names: PortalNames,
                  network: Network, package_root: Path = LAMBDA_ROOT) -> Storage:
    env = stack.env
    arn = {b.key: f"arn:aws:s3:::{names.bucket(b.key)}" for b in catalog.BUCKETS}
    logs_arn = arn[catalog.LOGS_BUCKET]
    # The cicd part's artifact bucket logs its access here too.
    sources = (*(a for k, a in arn.items() if k != catalog.LOGS_BUCKET),
               f"arn:aws:s3:::{names.artifact_bucket()}")
    this_account = ("StringEquals", "aws:SourceAccount", (env.account_id,))
    delivery = (
        Statement(sid="S3ServerAccessLogsDelivery", actions=("s3:PutObject",),
                  resources=(f"{logs_arn}/{catalog.ACCESS_LOG_PREFIX}*",),
                  principals=(("Service", ("logging.s3.amazonaws.com",)),),
                  conditions=(this_account, ("ArnLike", "aws:SourceArn", sources))),
        Statement(sid="S3InventoryDelivery", actions=("s3:PutObject",),
                  resources=(f"{logs_arn}/{INVENTORY_PREFIX}/*",),
                  principals=(("Service", ("s3.amazonaws.com",)),),
                  conditions=(this_account, ("ArnLike", "aws:SourceArn", sources))),
        _alb_log_delivery(logs_arn, env.account_id, env.region),
        # CloudFront standard logging v2 (the edge part): the bucket has ACLs disabled, so
        # the logs arrive through CloudWatch Logs' delivery service, from this account's
        # delivery sources only (CloudFront's live in us-east-1).
        Statement(sid="CloudFrontAccessLogsDelivery", actions=("s3:PutObject",),
                  resources=(f"{logs_arn}/AWSLogs/{env.account_id}/*",
                             f"{logs_arn}/{catalog.CDN_LOG_PREFIX}/*"),
                  principals=(("Service", ("delivery.logs.amazonaws.com",)),),
                  conditions=(this_account, ("StringEquals", "s3:x-amz-acl",
                                             ("bucket-owner-full-control",)),
                              ("ArnLike", "aws:SourceArn",
                               (f"arn:aws:logs:us-east-1:{env.account_id}:delivery-source:*",)))),
    )
    # The grant for CloudFront lives here, in the bucket's one policy (a second
    # aws_s3_bucket_policy in the edge part would replace this one on every apply). The
    # distributions' ids exist only after the edge part, so the grant names this account's
    # distributions and each site's prefix only.
    site_reads = Statement(
        sid="CloudFrontReadsSites", actions=("s3:GetObject",),
        resources=tuple(f"{arn[catalog.FRONTEND_BUCKET]}/{site.prefix}/*"
                        for site in catalog.SITES),
        principals=(("Service", ("cloudfront.amazonaws.com",)),),
        conditions=(this_account, ("ArnLike", "aws:SourceArn",
                                   (f"arn:aws:cloudfront::{env.account_id}:distribution/*",))))
    buckets: dict[str, SecureBucket] = {}
    for spec in catalog.BUCKETS:
        is_logs = spec.key == catalog.LOGS_BUCKET
        bucket = SecureBucket(stack, f"bucket_{spec.key.replace('-', '_')}", SecureBucketProps(
            bucket_name=names.bucket(spec.key),
            kms_key_arn=None if is_logs else network.key_arn,
            noncurrent_version_expiration_days=spec.noncurrent_days,
            prevent_destroy=True, lifecycle_rules=spec.lifecycle,
            extra_policy_statements=(
                deny_other_encryption(arn[spec.key], "AES256" if is_logs else "aws:kms"),
                *(delivery if is_logs else ()),
                *((site_reads,) if spec.key == catalog.FRONTEND_BUCKET else ())),
            access_log_bucket=None if is_logs else names.bucket(catalog.LOGS_BUCKET),
            access_log_prefix=catalog.ACCESS_LOG_PREFIX))
        buckets[spec.key] = bucket
        suppress(bucket.bucket, "CKV_AWS_144",
                 "The specification sets replication off (\"Replication: Enabled: false\"): one "
                 "region, RPO of one day met by versioning and the backups bucket.")
        if spec.key != "user-content":
            suppress(bucket.bucket, "CKV2_AWS_62",
                     "Only the user-content bucket has a consumer of new objects (the content "
                     "processor); nothing reacts to the other buckets' objects.")
    logs = buckets[catalog.LOGS_BUCKET]
    for check, reason in (
        ("CKV_AWS_145", "S3 server access logging and ALB access logging refuse SSE-KMS target "
                        "buckets; the logs are encrypted with SSE-S3 (AES256)."),
        ("CKV_AWS_18", "This is the access-log bucket: logging its own access would log into "
                       "itself."),
    ):
        suppress(logs.bucket, check, reason)
    for spec in catalog.BUCKETS:
        if spec.key != catalog.LOGS_BUCKET:
            BucketInventory(stack, f"inventory_{spec.key.replace('-', '_')}", BucketInventoryProps(
                bucket=buckets[spec.key].bucket.id, destination_bucket_arn=logs.arn,
                destination_account_id=env.account_id, prefix=INVENTORY_PREFIX))
    metrics = provider_module("s3_bucket_metric")
    for key in catalog.REQUEST_METRIC_BUCKETS:
        metrics.S3BucketMetric(stack, f"requests_{key.replace('-', '_')}",
                               bucket=buckets[key].bucket.id, name=catalog.REQUEST_METRIC_FILTER)
    cors = provider_module("s3_bucket_cors_configuration")
    cors.S3BucketCorsConfiguration(
        stack, "frontend_cors", bucket=buckets["frontend-assets"].bucket.id,
        cors_rule=[cors.S3BucketCorsConfigurationCorsRule(
            allowed_methods=["GET"], allowed_origins=[u.rsplit("/", 1)[0]
                                                      for u in urls(settings, "x")],
            allowed_headers=["Authorization", "Content-Type"], max_age_seconds=3000)])
    processor = _content_processor(stack, settings, names, network, buckets["user-content"],
                                   package_root)
    return Storage(buckets=buckets, processor=processor)


def _content_processor(stack: SystemStack, settings: PortalSettings, names: PortalNames,
                       network: Network, content: SecureBucket, package_root: Path) -> ActionFunction:
    env = stack.env
    dead_letters = Queue(stack, "content_processor_dlq", QueueProps(
        name=f"{names.content_processor()}-dlq", kms_key_arn=network.key_arn, region=env.region,
        grant_id="DeadLetters"))
    retention = settings.monitoring.log_retention_days
    bucket_arn = f"arn:aws:s3:::{names.bucket('user-content')}"
    function = ActionFunction(stack, "content_processor", ActionFunctionProps(
        function_name=names.content_processor(), role_name=names.content_processor_role(),
        policy_name=names.content_processor_policy(),
        log_group_name=f"/aws/lambda/{names.content_processor()}",
        package=build_function_package("content_processor", package_root, action_group=False),
        account_id=env.account_id, region=env.region, kms_key_arn=network.key_arn,
        log_retention_days=retention, timeout_seconds=60, reserved_concurrency=5,
        description="Tags every new user-content object accepted or rejected",
        environment={"LOG_LEVEL": "INFO"},
        dead_letter_queue_arn=dead_letters.queue_arn,
        extra_statements=(
            Statement(sid="ReadAndTagContent",
                      actions=("s3:GetObject", "s3:PutObjectTagging"),
                      resources=(f"{bucket_arn}/*",)),
            kms_via_service("DecryptContent", network.key_arn, "s3", env.region),
            *dead_letters.send_statements())))
    if retention < 365:
        suppress(function.log_group, "CKV_AWS_338", SEED_RETENTION)
    suppress(function.function, "CKV_AWS_117",
             "The processor reads object metadata and writes tags through the S3 API only; it "
             "reaches nothing inside the VPC, so it runs on Lambda's own network.")
    permission = provider_module("lambda_permission").LambdaPermission(
        stack, "content_processor_s3_invoke", statement_id="AllowUserContentBucket",
        action="lambda:InvokeFunction", function_name=function.function.function_name,
        principal="s3.amazonaws.com", source_arn=content.arn, source_account=env.account_id)
    notification = provider_module("s3_bucket_notification")
    notification.S3BucketNotification(
        stack, "user_content_events", bucket=content.bucket.id,
        lambda_function=[notification.S3BucketNotificationLambdaFunction(
            lambda_function_arn=function.function_arn, events=["s3:ObjectCreated:*"])],
        depends_on=[permission])
    return function
