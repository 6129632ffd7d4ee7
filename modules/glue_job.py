"""A Glue Python shell job: its script uploaded from the repository (re-uploaded when the file
changes), its role, a security configuration, and a scheduled trigger.

Python shell jobs run on 1/16 DPU, billed per second (1 minute minimum): small hourly and daily
batches cost cents, where a Spark job would start two workers for each run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust


@dataclass(frozen=True)
class GlueJobProps:
    name: str
    role_name: str
    policy_name: str
    trigger_name: str
    account_id: str
    region: str
    script: Path
    #: Where the script is uploaded (bucket name and its ARN, object key), encrypted with
    #: `scripts_kms_key_arn`.
    scripts_bucket: str
    scripts_bucket_arn: str
    script_key: str
    scripts_kms_key_arn: str
    security_configuration: str
    #: EventBridge-style cron of the trigger, e.g. "cron(0 2 * * ? *)".
    schedule: str
    #: Job arguments (`--NAME` -> value), read by the script with getResolvedOptions.
    arguments: dict[str, str] = field(default_factory=dict)
    #: What the script reads and writes, beyond its own script object and logs.
    statements: tuple[Statement, ...] = ()
    description: str = ""
    timeout_minutes: int = 30
    #: 0.0625 (1/16 DPU) or 1.
    max_capacity: float = 0.0625

    def __post_init__(self) -> None:
        if not self.script.is_file():
            raise ValueError(f"glue job {self.name}: script {self.script} is missing")
        if self.max_capacity not in (0.0625, 1.0):
            raise ValueError(f"glue job {self.name}: max_capacity is {self.max_capacity}; "
                             f"0.0625 or 1 for a Python shell job")
        if not 1 <= self.timeout_minutes <= 2880:
            raise ValueError(f"glue job {self.name}: timeout_minutes is {self.timeout_minutes}; "
                             f"1-2880")


class GlueJob(Construct):
    """Exposes `job`, `trigger`, `script_object` (L1 resources) and `job_arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: GlueJobProps) -> None:
        super().__init__(scope, construct_id)
        asset = TerraformAsset(self, "script", path=str(props.script), type=AssetType.FILE)
        self.script_object = provider_module("s3_object").S3Object(
            self, "script_object", bucket=props.scripts_bucket, key=props.script_key,
            source=asset.path, kms_key_id=props.scripts_kms_key_arn,
            # SSE-KMS objects have no MD5 etag: the content hash re-uploads a changed script.
            source_hash=hashlib.sha256(props.script.read_bytes()).hexdigest(),
            content_type="text/x-python")
        trust = policy_document(self, "trust", [service_trust(
            "glue.amazonaws.com", account_id=props.account_id)])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Role of the Glue job {props.name}")
        policy = policy_document(self, "policy_document", [
            Statement(sid="ReadOwnScript", actions=("s3:GetObject",),
                      resources=(f"{props.scripts_bucket_arn}/{props.script_key}",)),
            Statement(sid="DecryptOwnScript", actions=("kms:Decrypt",),
                      resources=(props.scripts_kms_key_arn,),
                      conditions=(("StringEquals", "kms:ViaService",
                                   (f"s3.{props.region}.amazonaws.com",)),)),
            *props.statements,
        ])
        provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id, policy=policy.json)
        self.job = provider_module("glue_job").GlueJob(
            self, "job", name=props.name, role_arn=role.arn, description=props.description or None,
            glue_version="3.0", max_capacity=props.max_capacity, timeout=props.timeout_minutes,
            security_configuration=props.security_configuration,
            command={"name": "pythonshell", "python_version": "3.9",
                     "script_location": f"s3://{props.scripts_bucket}/{props.script_key}"},
            default_arguments={"--job-language": "python", "library-set": "analytics",
                               "--enable-continuous-cloudwatch-log": "true",
                               **{f"--{k}": v for k, v in sorted(props.arguments.items())}},
            execution_property={"max_concurrent_runs": 1},
            depends_on=[self.script_object])
        self.job_arn: str = self.job.arn
        trigger = provider_module("glue_trigger")
        self.trigger = trigger.GlueTrigger(
            self, "trigger", name=props.trigger_name, type="SCHEDULED", schedule=props.schedule,
            start_on_creation=True,
            # A struct, not a dict: jsii drops multi-word keys of dicts inside lists.
            actions=[trigger.GlueTriggerActions(job_name=self.job.name)])
