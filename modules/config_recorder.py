"""AWS Config for one account and region: the recorder (every supported resource type, global
IAM types included), its delivery channel to an S3 prefix under a customer key, the recorder
switched on, and AWS-managed rules (a table of data, each rule one `ManagedRule`).

The recorder runs with a role only AWS Config of this account can assume: the AWS-managed
`AWS_ConfigRole` (read configuration) plus delivery to exactly the given bucket prefix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document, service_trust

CONFIG = "config.amazonaws.com"
#: AWS-managed policy with the read permissions AWS Config needs to record resources.
CONFIG_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")


@dataclass(frozen=True)
class ManagedRule:
    """An AWS-managed Config rule, e.g. ManagedRule("iam-password-policy", "IAM_PASSWORD_POLICY",
    (("MinimumPasswordLength", "14"),))."""

    name: str
    #: The managed rule's source identifier (upper case, e.g. CLOUD_TRAIL_ENABLED).
    identifier: str
    #: (name, value) pairs of the rule's input parameters (values are strings for AWS).
    parameters: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", self.name):
            raise ValueError(f"config rule name {self.name!r}: 1-128 letters, digits, '-', '_'")
        if not re.fullmatch(r"[A-Z0-9_]+", self.identifier):
            raise ValueError(f"config rule {self.name}: identifier {self.identifier!r} is not an "
                             f"AWS-managed rule identifier (upper case, digits, '_')")


@dataclass(frozen=True)
class ConfigRecorderProps:
    role_name: str
    bucket_name: str
    kms_key_arn: str
    account_id: str
    region: str
    rules: tuple[ManagedRule, ...] = ()
    #: The console's default names; AWS allows one recorder and one channel per region.
    recorder_name: str = "default"
    key_prefix: str = "config"
    snapshot_frequency: str = "TwentyFour_Hours"

    def __post_init__(self) -> None:
        if self.snapshot_frequency not in FREQUENCIES:
            raise ValueError(f"snapshot_frequency {self.snapshot_frequency!r}: one of "
                             f"{', '.join(FREQUENCIES)}")
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("config rule names must be unique")


class ConfigRecorder(Construct):
    """Exposes `recorder`, `channel`, `status` (L1) and `rules` (rule name -> L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: ConfigRecorderProps) -> None:
        super().__init__(scope, construct_id)
        bucket_arn = f"arn:aws:s3:::{props.bucket_name}"
        trust = policy_document(self, "trust", [service_trust(CONFIG, account_id=props.account_id)])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description="AWS Config records this account's resources with this role")
        provider_module("iam_role_policy_attachment").IamRolePolicyAttachment(
            self, "read_policy", role=role.name, policy_arn=CONFIG_ROLE_POLICY)
        delivery = policy_document(self, "delivery", [
            Statement(sid="CheckBucket", actions=("s3:GetBucketAcl", "s3:ListBucket"),
                      resources=(bucket_arn,)),
            Statement(sid="DeliverSnapshots", actions=("s3:PutObject", "s3:PutObjectAcl"),
                      resources=(f"{bucket_arn}/{props.key_prefix}/AWSLogs/{props.account_id}/*",),
                      conditions=(("StringEquals", "s3:x-amz-acl", ("bucket-owner-full-control",)),)),
            kms_via_service("EncryptSnapshots", props.kms_key_arn, "s3", props.region,
                            actions=("kms:GenerateDataKey", "kms:Decrypt")),
        ])
        delivery_policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "delivery_policy", name=f"{props.role_name}-delivery", role=role.id,
            policy=delivery.json)

        recorder = provider_module("config_configuration_recorder")
        self.recorder = recorder.ConfigConfigurationRecorder(
            self, "recorder", name=props.recorder_name, role_arn=role.arn,
            recording_group=recorder.ConfigConfigurationRecorderRecordingGroup(
                all_supported=True, include_global_resource_types=True))
        channel = provider_module("config_delivery_channel")
        self.channel = channel.ConfigDeliveryChannel(
            self, "channel", name=props.recorder_name, s3_bucket_name=props.bucket_name,
            s3_key_prefix=props.key_prefix, s3_kms_key_arn=props.kms_key_arn,
            snapshot_delivery_properties=channel.ConfigDeliveryChannelSnapshotDeliveryProperties(
                delivery_frequency=props.snapshot_frequency),
            depends_on=[self.recorder, delivery_policy])
        self.status = provider_module("config_configuration_recorder_status") \
            .ConfigConfigurationRecorderStatus(self, "status", name=self.recorder.name,
                                               is_enabled=True, depends_on=[self.channel])
        rule = provider_module("config_config_rule")
        self.rules = {
            item.name: rule.ConfigConfigRule(
                self, f"rule_{item.name}", name=item.name, description=item.description or None,
                source=rule.ConfigConfigRuleSource(owner="AWS", source_identifier=item.identifier),
                input_parameters=json.dumps(dict(item.parameters), sort_keys=True)
                if item.parameters else None,
                depends_on=[self.status])
            for item in props.rules}
