"""The AWS Organization, from its management account: organizational units, the dev, staging,
prod, security and audit accounts, trusted access for the security services, and the service
control policies (no leaving, no disabling CloudTrail/Config/GuardDuty/Security Hub/Macie,
allowed regions), and an administration role assumable with MFA only. Consolidated billing comes
with the organization.

Plan-only until the management env file names the real management account: account creation
cannot be undone by Terraform (closing an account is a separate, slow AWS process).
"""

from __future__ import annotations

from cdktf import TerraformOutput

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase
from modules.organization import MemberAccount, Organization, OrganizationProps
from modules.stacks.system_stack import SystemStack
from modules.system import System
from systems.organization.access import build_admin_access
from systems.organization.names import admin_role_name, organization_names
from systems.organization.policies import service_control_policies
from systems.organization.settings import OrganizationSettings

KEY = "organization"
#: Services with organization-wide trusted access (delegated administration, org trails).
SERVICE_ACCESS = (
    "cloudtrail.amazonaws.com", "config.amazonaws.com", "config-multiaccountsetup.amazonaws.com",
    "guardduty.amazonaws.com", "securityhub.amazonaws.com", "macie.amazonaws.com",
    "access-analyzer.amazonaws.com", "sso.amazonaws.com", "backup.amazonaws.com",
)


def build(stack: SystemStack, settings: OrganizationSettings) -> None:
    organization = Organization(stack, "organization", OrganizationProps(
        units=dict(settings.units),
        accounts=tuple(MemberAccount(name, settings.email_of(name), account.unit)
                       for name, account in settings.accounts.items()),
        policies=service_control_policies(stack.env.prefix, settings),
        service_access_principals=SERVICE_ACCESS, close_on_deletion=settings.close_on_deletion))
    admin = build_admin_access(stack, organization, admin_role_name(stack.env.prefix))
    TerraformOutput(stack, "organization_id", value=organization.organization.id)
    TerraformOutput(stack, "admin_role_arn", value=admin.arn)
    for name, account in organization.accounts.items():
        TerraformOutput(stack, f"{name}_account_id", value=account.id)


def all_names(env: EnvironmentBase, settings: OrganizationSettings) -> list[tuple[NameRule, str]]:
    return organization_names(env.prefix, settings)


SYSTEM = System(key=KEY, title="AWS Organization: OUs, member accounts and service control "
                "policies (management account)", settings=OrganizationSettings, build=build,
                names=all_names, project_tag="organization")
