"""Daily AWS Backup copies of listed resources: a vault under a customer key, a plan with one
daily rule and a retention period, and a selection run by a role only AWS Backup of this
account can assume."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import policy_document, service_trust

#: AWS-managed policy with exactly the create-backup permissions of the supported services.
BACKUP_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"


@dataclass(frozen=True)
class BackupPlanProps:
    vault_name: str
    plan_name: str
    role_name: str
    kms_key_arn: str
    account_id: str
    #: Resources backed up (DynamoDB table ARNs, ...).
    resource_arns: tuple[str, ...] = ()
    delete_after_days: int = 35
    #: UTC, after the night's traffic.
    schedule: str = "cron(0 5 * * ? *)"
    #: Also back up every resource of the account carrying one of these (tag key, value)
    #: pairs, e.g. (("Backup", "true"),): an account-wide plan that stacks opt into by tag.
    selection_tags: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.resource_arns and not self.selection_tags:
            raise ValueError(f"backup plan {self.plan_name} selects no resource")
        if not 1 <= self.delete_after_days <= 36500:
            raise ValueError("delete_after_days must be 1-36500")


class BackupPlan(Construct):
    """Exposes `vault`, `plan` (the L1 resources) and `role_arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: BackupPlanProps) -> None:
        super().__init__(scope, construct_id)
        self.vault = provider_module("backup_vault").BackupVault(
            self, "vault", name=props.vault_name, kms_key_arn=props.kms_key_arn)
        plans = provider_module("backup_plan")
        self.plan = plans.BackupPlan(self, "plan", name=props.plan_name, rule=[plans.BackupPlanRule(
            rule_name="daily", target_vault_name=self.vault.name, schedule=props.schedule,
            lifecycle=plans.BackupPlanRuleLifecycle(delete_after=props.delete_after_days))])
        trust = policy_document(self, "trust", [service_trust(
            "backup.amazonaws.com", account_id=props.account_id)])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"AWS Backup runs {props.plan_name} with this role")
        provider_module("iam_role_policy_attachment").IamRolePolicyAttachment(
            self, "policy", role=role.name, policy_arn=BACKUP_POLICY)
        selection = provider_module("backup_selection")
        selection.BackupSelection(
            self, "selection", name="tables" if props.resource_arns else "tagged",
            plan_id=self.plan.id, iam_role_arn=role.arn,
            resources=list(props.resource_arns) or None,
            selection_tag=[selection.BackupSelectionSelectionTag(type="STRINGEQUALS", key=key,
                                                                 value=value)
                           for key, value in props.selection_tags] or None)
        self.role_arn: str = role.arn
