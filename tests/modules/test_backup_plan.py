"""modules/backup_plan.py alone: vault under the key, one daily rule with its retention, the
selected resources, and a role only AWS Backup of this account can assume."""

from __future__ import annotations

import pytest

from modules.backup_plan import BACKUP_POLICY, BackupPlan, BackupPlanProps
from tests.conftest import one, synth_construct, trust_of

KEY = "arn:aws:kms:us-east-1:111122223333:key/abc"
TABLES = ("arn:aws:dynamodb:us-east-1:111122223333:table/a",
          "arn:aws:dynamodb:us-east-1:111122223333:table/b")


def props(**changes) -> BackupPlanProps:
    values = dict(vault_name="t-vault", plan_name="t-plan", role_name="t-backup",
                  kms_key_arn=KEY, account_id="111122223333", resource_arns=TABLES)
    return BackupPlanProps(**{**values, **changes})


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: BackupPlan(s, "backup", props(delete_after_days=90)))


def test_vault_plan_and_selection(stack):
    vault = one(stack, "aws_backup_vault")
    assert (vault["name"], vault["kms_key_arn"]) == ("t-vault", KEY)
    (rule,) = one(stack, "aws_backup_plan")["rule"]
    assert rule["schedule"] == "cron(0 5 * * ? *)" and rule["lifecycle"] == {"delete_after": 90}
    assert rule["target_vault_name"].startswith("${aws_backup_vault.")
    selection = one(stack, "aws_backup_selection")
    assert selection["resources"] == list(TABLES)
    assert selection["iam_role_arn"].startswith("${aws_iam_role.")
    assert one(stack, "aws_iam_role_policy_attachment")["policy_arn"] == BACKUP_POLICY


def test_only_backup_of_this_account_assumes_the_role(stack):
    statement = trust_of(stack, "t-backup")
    assert statement["principals"] == [{"type": "Service", "identifiers": ["backup.amazonaws.com"]}]
    assert {"test": "StringEquals", "variable": "aws:SourceAccount",
            "values": ["111122223333"]} in statement["condition"]


@pytest.mark.parametrize("changes, message", [
    (dict(resource_arns=()), "selects no resource"), (dict(delete_after_days=0), "1-36500")])
def test_bad_props_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        props(**changes)
