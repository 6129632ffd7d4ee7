"""A public Route 53 hosted zone with query logging and DNSSEC signing.

Both need resources in us-east-1 whatever the stack's region: Route 53 writes query logs only
to log groups there, and a key-signing key must be an asymmetric KMS key there; pass a us-east-1
`provider` when the stack runs elsewhere. After the first apply, publish the zone's name servers
and the DS record (`aws route53 get-dnssec --hosted-zone-id ...`) in the parent zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document
from modules.suppressions import suppress

ROUTE53_LOG_REGION = "us-east-1"


@dataclass(frozen=True)
class HostedZoneProps:
    zone_name: str
    account_id: str
    query_log_group_name: str
    #: Key of the query-log group; it must be a us-east-1 key (None: CloudWatch Logs' own).
    log_kms_key_arn: str | None
    dnssec_key_alias: str
    log_retention_days: int = 365
    #: Why the query-log group has no customer key (required when `log_kms_key_arn` is None).
    no_key_reason: str = ("Route 53 query logs must live in us-east-1 and this stack's customer "
                          "key is in another region; CloudWatch Logs encrypts with its own key.")
    #: us-east-1 provider when the stack's region differs; None: the stack's default.
    provider: Any = None


class HostedZone(Construct):
    """Exposes `zone` (L1), `zone_id`, `name_servers` and `query_log_group` (L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: HostedZoneProps) -> None:
        super().__init__(scope, construct_id)
        self.zone = provider_module("route53_zone").Route53Zone(
            self, "zone", name=props.zone_name, comment=f"Public zone {props.zone_name}")
        self._query_logging(props)
        self._dnssec(props)
        self.zone_id: str = self.zone.zone_id
        self.name_servers = self.zone.name_servers

    def _query_logging(self, props: HostedZoneProps) -> None:
        group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "query_log_group", name=props.query_log_group_name,
            retention_in_days=props.log_retention_days, kms_key_id=props.log_kms_key_arn,
            provider=props.provider)
        if props.log_kms_key_arn is None:
            suppress(group, "CKV_AWS_158", props.no_key_reason)
        writer = policy_document(self, "query_log_policy_document", [Statement(
            sid="Route53WritesQueryLogs",
            actions=("logs:CreateLogStream", "logs:PutLogEvents"),
            resources=(f"arn:aws:logs:{ROUTE53_LOG_REGION}:{props.account_id}:log-group:"
                       f"{props.query_log_group_name}:*",),
            principals=(("Service", ("route53.amazonaws.com",)),),
            conditions=(("StringEquals", "aws:SourceAccount", (props.account_id,)),
                        ("ArnLike", "aws:SourceArn", ("arn:aws:route53:::hostedzone/*",))))])
        policy = provider_module("cloudwatch_log_resource_policy").CloudwatchLogResourcePolicy(
            self, "query_log_resource_policy",
            policy_name=re.sub(r"[^\w.-]", "-", f"route53-{props.zone_name}"),
            policy_document=writer.json, provider=props.provider)
        provider_module("route53_query_log").Route53QueryLog(
            self, "query_log", zone_id=self.zone.zone_id,
            cloudwatch_log_group_arn=group.arn, depends_on=[policy], provider=props.provider)
        self.query_log_group = group

    def _dnssec(self, props: HostedZoneProps) -> None:
        account_root = f"arn:aws:iam::{props.account_id}:root"
        service = ("Service", ("dnssec-route53.amazonaws.com",))
        source = (("StringEquals", "aws:SourceAccount", (props.account_id,)),
                  ("ArnLike", "aws:SourceArn", ("arn:aws:route53:::hostedzone/*",)))
        key_policy = policy_document(self, "dnssec_key_policy", [
            Statement(sid="AccountAdministersKeyThroughIam", actions=("kms:*",),
                      resources=("*",), principals=(("AWS", (account_root,)),)),
            Statement(sid="Route53DnssecSigns",
                      actions=("kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"),
                      resources=("*",), principals=(service,), conditions=source),
            Statement(sid="Route53DnssecGrants", actions=("kms:CreateGrant",),
                      resources=("*",), principals=(service,),
                      conditions=(*source, ("Bool", "kms:GrantIsForAWSResource", ("true",))))])
        for check in ("CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"):
            suppress(key_policy, check, "A KMS key policy's Resource '*' is this key only; the "
                     "account-root statement lets IAM policies manage the key.")
        key = provider_module("kms_key").KmsKey(
            self, "dnssec_key", description=f"DNSSEC key-signing key of {props.zone_name}",
            customer_master_key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY",
            deletion_window_in_days=30, policy=key_policy.json, provider=props.provider)
        # Asymmetric keys cannot rotate: a DNSSEC rollover is a new key-signing key + DS record.
        provider_module("kms_alias").KmsAlias(
            self, "dnssec_key_alias", name=props.dnssec_key_alias, target_key_id=key.key_id,
            provider=props.provider)
        ksk = provider_module("route53_key_signing_key").Route53KeySigningKey(
            self, "key_signing_key", hosted_zone_id=self.zone.zone_id,
            key_management_service_arn=key.arn,
            name=re.sub(r"[^A-Za-z0-9_]", "_", props.zone_name)[:128])
        provider_module("route53_hosted_zone_dnssec").Route53HostedZoneDnssec(
            self, "dnssec", hosted_zone_id=ksk.hosted_zone_id, depends_on=[ksk])


def alias_records(scope: Construct, id_prefix: str, *, zone_id: str, name: str,
                  target_name: str, target_zone_id: str) -> list:
    """A and AAAA alias records `name` -> a CloudFront distribution (or any alias target that
    answers both), constructs `<id_prefix>_a` and `<id_prefix>_aaaa`; returns both."""
    record = provider_module("route53_record")
    return [record.Route53Record(
        scope, f"{id_prefix}_{kind.lower()}", zone_id=zone_id, name=name, type=kind,
        alias=record.Route53RecordAlias(name=target_name, zone_id=target_zone_id,
                                        evaluate_target_health=False))
        for kind in ("A", "AAAA")]
