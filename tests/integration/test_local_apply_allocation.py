"""The asset-allocation system on the emulator: `dev-allocation`, applied by the session's CLI
apply (`apply --env dev`), then planned once more; only EMULATOR_GAPS types are skipped."""

from __future__ import annotations

import pytest

from modules.local_aws.local_apply import EMULATOR_GAPS

pytestmark = pytest.mark.integration

STACK = "dev-allocation"


@pytest.fixture(scope="module")
def selection(cli_apply, local):
    return local.selection(STACK)


def test_everything_but_the_gaps_is_applied(cli_apply, local, selection):
    _, summary = cli_apply
    assert (f"[{STACK}] Apply complete! Resources: {len(selection.targets)} added, 0 changed, "
            "0 destroyed.") in summary
    assert sorted(local.state_addresses(STACK)) == sorted(selection.targets)
    for skipped in selection.skipped:
        kind = skipped.address.split(".")[0]
        assert kind in EMULATOR_GAPS or skipped.reason, skipped


def test_second_plan_shows_no_changes(cli_apply, local):
    code, output = local.plan_exitcode(STACK)
    assert code == 0, output[-4000:]
    assert "No changes." in output


def test_tables_and_functions_exist(cli_apply, local, aws):
    config = local.config(STACK)
    names = {b["name"] for b in config["resource"]["aws_dynamodb_table"].values()}
    assert names <= set(aws("dynamodb").list_tables()["TableNames"])
    functions = {f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]}
    zipped = {b["function_name"] for b in config["resource"]["aws_lambda_function"].values()
              if "package_type" not in b}
    assert zipped <= functions
