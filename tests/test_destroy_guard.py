"""The destroy guard: deletes and replacements of stateful resources fail the pipeline unless
allowed with `--allow-destroy`.

How the real plan is made: the offline pipeline plans from an empty state, so it only ever
creates. The end-to-end test gives `python -m modules.pipeline.run --state` a state file for
dev-scheduling, written from the session's real dev plan (`pipeline_runs`): the schema bucket and
one log group are recorded under old names (the configuration now names them differently, so
Terraform must replace them), the KMS alias too (replaced, but not stateful), and a dead-letter
queue that the configuration no longer has (a plain delete). Terraform and the real provider
then compute the replacements themselves (`terraform plan -refresh=false` reads the state as
is; nothing contacts AWS). The unit tests run the guard on a fragment recorded from that plan's
`terraform show -json` (Terraform 1.11, hashicorp/aws 5.100.0). state-backend is not used: its
bucket, table and key carry `prevent_destroy`, so Terraform itself refuses such a plan.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from modules.config import REPO_ROOT
from modules.pipeline.destroy_guard import (STATEFUL_TYPES, GuardResult, guard_plan,
                                            parse_allowance, unused_allowances)
from modules.pipeline.run import StackRun, format_report

# Recorded from `terraform show -json` of the end-to-end plan below (the non-create changes,
# trimmed to the fields the guard reads), plus one create, one data source read.
RECORDED_PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.11.4",
    "resource_changes": [
        {"address": "aws_cloudwatch_log_group.function_information_log_group_E141EA1A",
         "mode": "managed", "type": "aws_cloudwatch_log_group",
         "name": "function_information_log_group_E141EA1A",
         "provider_name": "registry.terraform.io/hashicorp/aws",
         "action_reason": "replace_because_cannot_update",
         "change": {"actions": ["delete", "create"], "replace_paths": [["name"]]}},
        {"address": "aws_kms_alias.kms_alias_11A4552E", "mode": "managed",
         "type": "aws_kms_alias", "name": "kms_alias_11A4552E",
         "provider_name": "registry.terraform.io/hashicorp/aws",
         "action_reason": "replace_because_cannot_update",
         "change": {"actions": ["delete", "create"], "replace_paths": [["name"]]}},
        {"address": "aws_s3_bucket.schemas_bucket_117B2451", "mode": "managed",
         "type": "aws_s3_bucket", "name": "schemas_bucket_117B2451",
         "provider_name": "registry.terraform.io/hashicorp/aws",
         "action_reason": "replace_because_cannot_update",
         "change": {"actions": ["delete", "create"], "replace_paths": [["bucket"]]}},
        {"address": "aws_sqs_queue.retired_dlq", "mode": "managed", "type": "aws_sqs_queue",
         "name": "retired_dlq", "provider_name": "registry.terraform.io/hashicorp/aws",
         "action_reason": "delete_because_no_resource_config",
         "change": {"actions": ["delete"], "replace_paths": None}},
        {"address": "aws_kms_key.kms_key_28C05A0F", "mode": "managed", "type": "aws_kms_key",
         "name": "kms_key_28C05A0F", "change": {"actions": ["create"]}},
        {"address": "data.aws_iam_policy_document.kms_key_policy_2CD3DD9D", "mode": "data",
         "type": "aws_iam_policy_document", "name": "kms_key_policy_2CD3DD9D",
         "change": {"actions": ["read"]}},
    ],
}
BUCKET = "aws_s3_bucket.schemas_bucket_117B2451"
LOG_GROUP = "aws_cloudwatch_log_group.function_information_log_group_E141EA1A"
QUEUE = "aws_sqs_queue.retired_dlq"


def test_the_guard_lists_deletes_and_replacements_of_stateful_types_only():
    result = guard_plan("dev-scheduling", RECORDED_PLAN)
    assert [(c.address, c.kind) for c in result.changes] == [
        (LOG_GROUP, "replace"), (BUCKET, "replace"), (QUEUE, "delete")]
    assert not result.ok and result.refused == result.changes
    bucket = result.changes[1]
    assert bucket.replace_paths == ("bucket",)
    assert bucket.describe() == f"replace {BUCKET} (forced by bucket; replace_because_cannot_update)"
    assert result.changes[2].describe() == f"delete {QUEUE} (delete_because_no_resource_config)"


def test_allowances_are_exact_addresses_optionally_per_stack():
    allowed = guard_plan("dev-scheduling", RECORDED_PLAN,
                         [QUEUE, f"dev-scheduling:{BUCKET}", f"staging-scheduling:{LOG_GROUP}",
                          "aws_s3_bucket.schemas_bucket"])
    assert [c.address for c in allowed.allowed] == [BUCKET, QUEUE]
    assert [c.flag_value for c in allowed.refused] == [f"dev-scheduling:{LOG_GROUP}"]
    assert unused_allowances([QUEUE, f"staging-scheduling:{LOG_GROUP}", "aws_x.nothing"],
                             [allowed]) == [f"staging-scheduling:{LOG_GROUP}", "aws_x.nothing"]
    everything = guard_plan("dev-scheduling", RECORDED_PLAN, [BUCKET, LOG_GROUP, QUEUE])
    assert everything.ok and len(everything.allowed) == 3


def test_allowance_parsing_keeps_colons_inside_an_address():
    assert parse_allowance("aws_s3_bucket.b") == (None, "aws_s3_bucket.b")
    assert parse_allowance("dev-scheduling:aws_s3_bucket.b") == ("dev-scheduling", "aws_s3_bucket.b")
    assert parse_allowance('aws_s3_bucket.b["a:b"]') == (None, 'aws_s3_bucket.b["a:b"]')
    assert parse_allowance('module.m.aws_s3_bucket.b["x:y"]') == (None, 'module.m.aws_s3_bucket.b["x:y"]')


def test_stateful_types_are_one_documented_set():
    for expected in ("aws_dynamodb_table", "aws_s3_bucket", "aws_rds_cluster", "aws_db_instance",
                     "aws_elasticache_replication_group", "aws_kms_key",
                     "aws_secretsmanager_secret", "aws_kinesis_stream", "aws_sqs_queue",
                     "aws_cognito_user_pool", "aws_cloudwatch_log_group", "aws_efs_file_system",
                     "aws_opensearchserverless_collection"):
        assert expected in STATEFUL_TYPES
    assert "aws_ssm_parameter" not in STATEFUL_TYPES
    assert all(t.startswith("aws_") for t in STATEFUL_TYPES)


def test_the_offline_plans_of_every_stack_destroy_nothing(pipeline_runs):
    for name, run in pipeline_runs.items():
        assert run.guard is not None and run.guard.ok and not run.guard.changes, name
    assert "DESTROY GUARD" not in format_report(list(pipeline_runs.values()))


def test_report_lists_guarded_changes_before_the_table_and_names_refusals(pipeline_runs):
    real = pipeline_runs["dev-scheduling"]
    run = StackRun(real.name, real.workdir, real.seconds, real.plan, real.gate,
                   guard=guard_plan(real.name, RECORDED_PLAN, [QUEUE]), stack_dir=real.stack_dir)
    lines = format_report([run], [QUEUE, "aws_x.unused"]).splitlines()
    guard_lines = [i for i, line in enumerate(lines) if "DESTROY GUARD" in line]
    header = next(i for i, line in enumerate(lines) if line.startswith("stack "))
    assert len(guard_lines) == 3 and max(guard_lines) < header
    assert f"[dev-scheduling] DESTROY GUARD delete {QUEUE} (delete_because_no_resource_config): " \
           "allowed by --allow-destroy" in lines
    assert any(f"replace {BUCKET}" in line and
               f"REFUSED: pass --allow-destroy dev-scheduling:{BUCKET}" in line for line in lines)
    assert "note: --allow-destroy aws_x.unused matched no delete or replacement of a stateful " \
           "resource" in lines[:header]
    assert lines[-1] == (f"verdict: FAILED (dev-scheduling; destroy not allowed: "
                         f"dev-scheduling:{LOG_GROUP}, dev-scheduling:{BUCKET})")
    assert lines[-2].split()[-1] == "FAILED"


def _known_after(change: dict) -> dict:
    unknown = change["change"].get("after_unknown") or {}
    return {k: v for k, v in (change["change"]["after"] or {}).items() if not unknown.get(k)}


def prior_state(plan: dict) -> dict:
    """A state as an earlier configuration would have left it (see the module docstring)."""
    provider = 'provider["registry.terraform.io/hashicorp/aws"]'

    def resource(change_or_type, name: str, attributes: dict) -> dict:
        return {"mode": "managed", "type": change_or_type, "name": name, "provider": provider,
                "instances": [{"schema_version": 0, "attributes": attributes,
                               "sensitive_attributes": []}]}

    changes = {c["address"]: c for c in plan["resource_changes"]}
    bucket, log_group = changes[BUCKET], changes[LOG_GROUP]
    alias = changes["aws_kms_alias.kms_alias_11A4552E"]
    old_log_name = log_group["change"]["after"]["name"] + "-old"
    queue_url = "https://sqs.us-east-1.amazonaws.com/618048437522/pf-retired-dlq"
    return {"version": 4, "terraform_version": "1.11.0", "serial": 1,
            "lineage": str(uuid.uuid4()), "outputs": {}, "check_results": None, "resources": [
        resource("aws_s3_bucket", bucket["name"], _known_after(bucket) | {
            "bucket": "pf-schemas-dev-old", "id": "pf-schemas-dev-old",
            "arn": "arn:aws:s3:::pf-schemas-dev-old"}),
        resource("aws_cloudwatch_log_group", log_group["name"], _known_after(log_group) | {
            "name": old_log_name, "id": old_log_name}),
        resource("aws_kms_alias", alias["name"], _known_after(alias) | {
            "name": "alias/pf-agents-old", "id": "alias/pf-agents-old",
            "target_key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
        resource("aws_sqs_queue", "retired_dlq", {
            "id": queue_url, "url": queue_url, "name": "pf-retired-dlq",
            "arn": "arn:aws:sqs:us-east-1:618048437522:pf-retired-dlq"}),
    ]}


@pytest.mark.terraform
def test_pipeline_fails_on_a_real_replacement_plan_until_allowed(pipeline_runs, synth_dir,
                                                                  tmp_path):
    """One real plan: dev-scheduling against a prior state; the queue's delete is allowed, the
    bucket and log group replacements are not, so the command exits 1 and says which; the
    SARIF and JUnit reports carry the same verdicts."""
    outdir = tmp_path / "out"
    shutil.copytree(synth_dir / "stacks" / "dev-scheduling", outdir / "stacks" / "dev-scheduling")
    state = tmp_path / "dev.tfstate"
    state.write_text(json.dumps(prior_state(pipeline_runs["dev-scheduling"].plan)))
    sarif, junit = tmp_path / "reports" / "gate.sarif", tmp_path / "reports" / "gate.xml"
    result = subprocess.run(
        [sys.executable, "-m", "modules.pipeline.run", "--skip-synth", "--outdir", str(outdir),
         "--state", f"dev-scheduling={state}", "--allow-destroy", QUEUE,
         "--sarif", str(sarif), "--junit", str(junit)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PF_BUILD_DIR": str(tmp_path / "build")})
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert lines[-1] == (f"verdict: FAILED (dev-scheduling; destroy not allowed: "
                         f"dev-scheduling:{LOG_GROUP}, dev-scheduling:{BUCKET})")
    header = next(i for i, line in enumerate(lines) if line.startswith("stack "))
    guarded = [line for line in lines[:header] if "DESTROY GUARD" in line]
    assert guarded == [
        f"[dev-scheduling] DESTROY GUARD replace {LOG_GROUP} (forced by name; "
        f"replace_because_cannot_update): REFUSED: pass --allow-destroy "
        f"dev-scheduling:{LOG_GROUP} to allow it",
        f"[dev-scheduling] DESTROY GUARD replace {BUCKET} (forced by bucket; "
        f"replace_because_cannot_update): REFUSED: pass --allow-destroy "
        f"dev-scheduling:{BUCKET} to allow it",
        f"[dev-scheduling] DESTROY GUARD delete {QUEUE} (delete_because_no_resource_config): "
        "allowed by --allow-destroy",
    ]
    # The table counts the replacements (and the non-stateful alias) as destroys.
    row = lines[header + 1].split()
    assert row[0] == "dev-scheduling" and row[3] == "4" and row[-1] == "FAILED"
    # The checkov gate still judged the stack: only the guard failed it.
    assert " FAILED CKV" not in result.stdout and "UNUSED SUPPRESSION" not in result.stdout

    log = json.loads(sarif.read_text())
    guard_results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "gate/destroy-guard"]
    assert sorted((r["locations"][0]["logicalLocations"][0]["name"], "suppressions" in r)
                  for r in guard_results) == sorted([(LOG_GROUP, False), (BUCKET, False),
                                                     (QUEUE, True)])
    suite = ET.parse(junit).getroot().find("testsuite")
    failed = {case.get("name") for case in suite.iter("testcase")
              if case.find("failure") is not None}
    assert failed == {f"replace {LOG_GROUP}", f"replace {BUCKET}"}


def test_state_for_an_unselected_stack_is_a_usage_error(synth_dir, tmp_path):
    from modules.pipeline.run import main

    state = tmp_path / "s.tfstate"
    state.write_text("{}")
    (tmp_path / "out" / "stacks").mkdir(parents=True)
    shutil.copytree(synth_dir / "stacks" / "state-backend", tmp_path / "out" / "stacks" / "state-backend")
    assert main(["--skip-synth", "--outdir", str(tmp_path / "out"),
                 "--state", f"dev-scheduling={state}"]) == 2
    with pytest.raises(SystemExit):
        main(["--skip-synth", "--state", "no-equals-sign"])


def test_guard_result_of_no_plan_is_empty():
    assert guard_plan("x", {}).changes == [] and GuardResult("x").ok


def test_command_line_checks_one_real_plan(tmp_path):
    """The deploy workflow runs the guard on `terraform show -json` of the real plan."""
    import json as _json
    import subprocess
    import sys

    from modules.config import REPO_ROOT

    plan = {"resource_changes": [
        {"address": "aws_dynamodb_table.t", "mode": "managed", "type": "aws_dynamodb_table",
         "change": {"actions": ["delete", "create"]}, "action_reason": "replace_because_cannot_update"},
        {"address": "aws_ssm_parameter.p", "mode": "managed", "type": "aws_ssm_parameter",
         "change": {"actions": ["delete"]}}]}
    path = tmp_path / "dev-scheduling.plan.json"
    path.write_text(_json.dumps(plan))

    def guard(*extra):
        return subprocess.run([sys.executable, "-m", "modules.pipeline.destroy_guard", str(path),
                               *extra], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)

    refused = guard()
    assert refused.returncode == 1 and "REFUSED" in refused.stdout
    assert "dev-scheduling:aws_dynamodb_table.t" in refused.stderr
    assert guard("--allow-destroy", "dev-scheduling:aws_dynamodb_table.t").returncode == 0
    assert guard("--allow-destroy", "aws_dynamodb_table.t").returncode == 0
    assert guard("--allow-destroy", "prod-scheduling:aws_dynamodb_table.t").returncode == 1
