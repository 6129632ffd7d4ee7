"""The service control policies: no account leaves the organization, nobody but the exempt
administration role disables the audit and detection services, and work stays in the allowed
regions (global services excepted)."""

from __future__ import annotations

from modules.organization import ServiceControlPolicy
from modules.policy import Statement
from systems.organization.settings import OrganizationSettings

#: What switches off the audit trail, configuration history or threat detection.
PROTECTED_ACTIONS = (
    "cloudtrail:DeleteTrail", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
    "config:DeleteConfigurationRecorder", "config:StopConfigurationRecorder",
    "config:DeleteDeliveryChannel", "config:DeleteConfigRule",
    "guardduty:DeleteDetector", "guardduty:UpdateDetector", "guardduty:DisassociateFromMasterAccount",
    "guardduty:DisassociateFromAdministratorAccount",
    "securityhub:DisableSecurityHub", "securityhub:BatchDisableStandards",
    "access-analyzer:DeleteAnalyzer", "macie2:DisableMacie",
)
#: Global services (and the calls that reach them) the region restriction must not block.
GLOBAL_ACTIONS = (
    "iam:*", "organizations:*", "sts:*", "account:*", "support:*", "health:*", "budgets:*",
    "ce:*", "cur:*", "aws-portal:*", "cloudfront:*", "route53:*", "route53domains:*", "waf:*",
    "wafv2:*", "shield:*", "globalaccelerator:*", "trustedadvisor:*", "sso:*", "kms:*",
    "s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock", "s3:ListAllMyBuckets",
    "acm:*", "tag:*", "pricing:*", "access-analyzer:*",
)


def service_control_policies(prefix: str, settings: OrganizationSettings) -> tuple[ServiceControlPolicy, ...]:
    exempt = (("ArnNotLike", "aws:PrincipalArn", (f"arn:aws:iam::*:role/{settings.exempt_role}",)),)
    policies = [
        ServiceControlPolicy(f"{prefix}-deny-leave-organization",
                             "Member accounts cannot leave the organization", (Statement(
                                 sid="DenyLeavingTheOrganization", effect="Deny",
                                 actions=("organizations:LeaveOrganization",), resources=("*",)),)),
        ServiceControlPolicy(f"{prefix}-protect-security-services",
                             "Only the administration role may disable CloudTrail, Config, "
                             "GuardDuty, Security Hub, Access Analyzer or Macie", (Statement(
                                 sid="DenyDisablingSecurityServices", effect="Deny",
                                 actions=PROTECTED_ACTIONS, resources=("*",), conditions=exempt),)),
    ]
    if settings.allowed_regions:
        policies.append(ServiceControlPolicy(
            f"{prefix}-allowed-regions",
            f"Regional services only in {', '.join(settings.allowed_regions)}", (Statement(
                sid="DenyOtherRegions", effect="Deny", actions=(), not_actions=GLOBAL_ACTIONS,
                resources=("*",),
                conditions=(("StringNotEquals", "aws:RequestedRegion", settings.allowed_regions),
                            *exempt)),)))
    return tuple(policies)
