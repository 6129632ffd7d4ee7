"""An AWS Organization from its management account: all features on, trusted access for the
security services, organizational units, member accounts placed in them, and service control
policies attached where they apply.

Accounts are created once and never replaced: a changed email or name would close the account,
so both are kept with `prevent_destroy`, and `role_name` (write-only in the API) is ignored
after creation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document

ROOT = "root"
#: Role every new account gets, assumable from the management account.
ACCESS_ROLE = "OrganizationAccountAccessRole"


@dataclass(frozen=True)
class MemberAccount:
    #: Key and account name, e.g. "prod".
    name: str
    email: str
    #: Key of the unit it belongs to (or ROOT).
    unit: str


@dataclass(frozen=True)
class ServiceControlPolicy:
    name: str
    description: str
    statements: tuple[Statement, ...]
    #: Unit keys (or ROOT) it is attached to.
    targets: tuple[str, ...] = (ROOT,)


@dataclass(frozen=True)
class OrganizationProps:
    #: Unit key -> OU name (OUs sit directly under the root).
    units: dict[str, str]
    accounts: tuple[MemberAccount, ...]
    policies: tuple[ServiceControlPolicy, ...] = ()
    service_access_principals: tuple[str, ...] = ()
    #: Close an account when it leaves the configuration (else it is only removed from state).
    close_on_deletion: bool = False

    def __post_init__(self) -> None:
        known = {ROOT, *self.units}
        for account in self.accounts:
            if account.unit not in known:
                raise ValueError(f"account {account.name}: unit {account.unit!r} is not one of "
                                 f"{', '.join(sorted(known))}")
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", account.email):
                raise ValueError(f"account {account.name}: {account.email!r} is not an email")
        for policy in self.policies:
            if not set(policy.targets) <= known or not policy.targets:
                raise ValueError(f"policy {policy.name}: targets among {', '.join(sorted(known))}")
        names = [a.name for a in self.accounts]
        if len(set(names)) != len(names):
            raise ValueError("account names must be unique")


class Organization(Construct):
    """Exposes `organization`, `units` (key -> L1), `accounts` (name -> L1) and `policies`
    (name -> L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: OrganizationProps) -> None:
        super().__init__(scope, construct_id)
        self.organization = provider_module("organizations_organization").OrganizationsOrganization(
            self, "organization", feature_set="ALL",
            aws_service_access_principals=sorted(props.service_access_principals) or None,
            enabled_policy_types=["SERVICE_CONTROL_POLICY"],
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True))
        root_id = self.organization.roots.get(0).id
        unit = provider_module("organizations_organizational_unit").OrganizationsOrganizationalUnit
        self.units = {key: unit(self, f"unit_{key}", name=name, parent_id=root_id)
                      for key, name in props.units.items()}

        def target(key: str) -> str:
            return root_id if key == ROOT else self.units[key].id

        account = provider_module("organizations_account").OrganizationsAccount
        self.accounts = {
            member.name: account(
                self, f"account_{member.name}", name=member.name, email=member.email,
                parent_id=target(member.unit), role_name=ACCESS_ROLE,
                iam_user_access_to_billing="DENY", close_on_deletion=props.close_on_deletion,
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True,
                                                     ignore_changes=["role_name"]))
            for member in props.accounts}
        policy = provider_module("organizations_policy").OrganizationsPolicy
        attachment = provider_module("organizations_policy_attachment").OrganizationsPolicyAttachment
        self.policies = {}
        for spec in props.policies:
            slug = re.sub(r"[^A-Za-z0-9]", "_", spec.name)
            document = policy_document(self, f"{slug}_document", list(spec.statements))
            self.policies[spec.name] = policy(
                self, f"policy_{slug}", name=spec.name, description=spec.description,
                type="SERVICE_CONTROL_POLICY", content=document.minified_json,
                depends_on=[self.organization])
            for key in spec.targets:
                attachment(self, f"attach_{slug}_{key}", policy_id=self.policies[spec.name].id,
                           target_id=target(key))
