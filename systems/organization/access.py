"""Cross-account administration with MFA: a role in the management account that its own IAM
users may assume only with MFA (signed in within the hour), and that may assume nothing but the
member accounts' `OrganizationAccountAccessRole`."""

from __future__ import annotations

from modules.aws import provider_module
from modules.organization import ACCESS_ROLE, Organization
from modules.policy import Statement, policy_document
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress

MFA_MAX_AGE_SECONDS = "3600"


def build_admin_access(stack: SystemStack, organization: Organization, role_name: str):
    account = stack.env.account_id
    trust = policy_document(stack, "admin_trust", [Statement(
        sid="ManagementAccountUsersWithMfa", actions=("sts:AssumeRole",),
        principals=(("AWS", (f"arn:aws:iam::{account}:root",)),),
        conditions=(("Bool", "aws:MultiFactorAuthPresent", ("true",)),
                    ("NumericLessThan", "aws:MultiFactorAuthAge", (MFA_MAX_AGE_SECONDS,))))])
    role = provider_module("iam_role").IamRole(
        stack, "admin_role", name=role_name, assume_role_policy=trust.json,
        max_session_duration=3600,
        description="Administration of member accounts, assumed with MFA only")
    suppress(role, "CKV_AWS_61", "The principal is this management account only (its IAM "
             "users, as the account decides); every assumption also needs MFA from the last "
             "hour, and the role can do nothing but enter the member accounts.")
    hop = policy_document(stack, "admin_policy_document", [Statement(
        sid="AssumeMemberAdministration", actions=("sts:AssumeRole",),
        resources=tuple(f"arn:aws:iam::{member.id}:role/{ACCESS_ROLE}"
                        for member in organization.accounts.values()))])
    provider_module("iam_role_policy").IamRolePolicy(
        stack, "admin_policy", name=f"{role_name}-policy", role=role.id, policy=hop.json)
    return role
