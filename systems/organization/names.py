"""The organization's names: OUs and policies are unique in the management account, and an
account belongs to one organization only."""

from __future__ import annotations

from modules import aws_rules
from modules.aws_rules import NameRule
from systems.organization.policies import service_control_policies
from systems.organization.settings import OrganizationSettings


def admin_role_name(prefix: str) -> str:
    return f"{prefix}-organization-admin"


def organization_names(prefix: str, settings: OrganizationSettings) -> list[tuple[NameRule, str]]:
    return [
        (aws_rules.ORGANIZATION, "organization"),
        (aws_rules.IAM_ROLE, admin_role_name(prefix)),
        *((aws_rules.ORGANIZATION_UNIT, name) for name in settings.units.values()),
        *((aws_rules.ORGANIZATION_POLICY, policy.name)
          for policy in service_control_policies(prefix, settings)),
    ]
