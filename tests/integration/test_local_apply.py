"""Shared state and the apply path, proven on a local AWS (moto server).

One emulator and one synthesis per session; the session fixture `cli_apply` runs
`python -m modules.local_aws apply --env dev` once (the bootstrap, then every `dev-<system>`
stack; today `dev-scheduling`). The tests below then build on that state in file order:
bootstrap re-plan, the `dev-scheduling` state object and its lock, two concurrent applies per
locking mechanism, a stale lock, plan-clean + destroy, the refused bootstrap destroy, and finally
that the synthesized output was never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from modules.backend import BOOTSTRAP_STACK, load_backend_settings, local_state_file
from modules.local_aws.local_apply import BACKEND_CONFIG_FILE, OVERRIDE_FILE, LocalAws
from tests.integration._support import (
    LOCK_ERROR,
    TerraformProcess,
    lock_id,
    sync_state_digest,
    tree_digest,
)

pytestmark = pytest.mark.integration

SETTINGS = load_backend_settings()
BUCKET, TABLE = SETTINGS.bucket, SETTINGS.dynamodb_table
STACK = "dev-scheduling"
KEY = SETTINGS.state_key("dev", "scheduling")  # pf/dev/scheduling/terraform.tfstate
LOCK_ROW = f"{BUCKET}/{KEY}"
PROMPT_SECONDS = 90
APPLY_SECONDS = 180


# -- helpers ----------------------------------------------------------------------------------

def state(aws) -> dict:
    return json.loads(aws("s3").get_object(Bucket=BUCKET, Key=KEY)["Body"].read())


def state_addresses(document: dict) -> list[str]:
    return sorted(f"{r['type']}.{r['name']}" for r in document["resources"]
                  if r["mode"] == "managed")


def state_versions(aws) -> list[dict]:
    listed = aws("s3").list_object_versions(Bucket=BUCKET, Prefix=KEY)
    return [v for v in listed.get("Versions", []) if v["Key"] == KEY]


def dynamodb_lock(aws) -> dict | None:
    """The lock row of the dev-scheduling state (not the `-md5` digest row), Info decoded."""
    item = aws("dynamodb").get_item(TableName=TABLE, Key={"LockID": {"S": LOCK_ROW}},
                                    ConsistentRead=True).get("Item")
    return json.loads(item["Info"]["S"]) if item else None


def lockfile(aws) -> dict | None:
    try:
        body = aws("s3").get_object(Bucket=BUCKET, Key=f"{KEY}.tflock")["Body"].read()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"NoSuchKey", "404"}:
            return None
        raise
    return json.loads(body)


def object_target(local: LocalAws) -> str:
    """One schema object: replacing it is a real, quick change of the dev-scheduling state."""
    return next(a for a in local.selection(STACK).targets if a.startswith("aws_s3_object."))


def replace_args(local: LocalAws, *extra: str) -> list[str]:
    target = object_target(local)
    return ["apply", "-no-color", "-lock-timeout=0s", f"-target={target}",
            f"-replace={target}", *extra]


def start(local: LocalAws, args: list[str], prompt: bool = False) -> TerraformProcess:
    return TerraformProcess(args, local.workdir(STACK), local.env(STACK), prompt=prompt)


def names(local: LocalAws, resource_type: str, field: str) -> list[str]:
    return sorted(body[field] for body in
                  local.config(STACK)["resource"].get(resource_type, {}).values())


# -- 1. bootstrap ---------------------------------------------------------------------------------

def test_bootstrap_applies_and_a_second_plan_shows_no_changes(cli_apply, local, aws):
    _, summary = cli_apply
    assert "[state-backend] Apply complete! Resources: 10 added, 0 changed, 0 destroyed." in summary
    versioning = aws("s3").get_bucket_versioning(Bucket=BUCKET)
    assert versioning["Status"] == "Enabled"
    table = aws("dynamodb").describe_table(TableName=TABLE)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]

    code, output = local.plan_exitcode("state-backend")
    assert code == 0, output[-3000:]
    assert "No changes." in output


def test_summary_names_applied_and_skipped_resources(cli_apply, local, synth_dir: Path):
    _, summary = cli_apply
    # `--env dev` applied the bootstrap, then every dev stack, in that order.
    dev_stacks = sorted(p.name for p in (synth_dir / "stacks").iterdir()
                        if p.name.startswith("dev-"))
    assert STACK in dev_stacks
    headers = [line.split("]")[0].lstrip("[") for line in summary.splitlines()
               if line.startswith("[")]
    assert headers == ["state-backend", *dev_stacks], summary[:2000]
    assert f"state: local file {local.workdir('state-backend') / 'terraform.tfstate'}" in summary
    selection = local.selection(STACK)
    assert f"applied (now in state): {len(selection.targets)} resource(s)" in summary
    assert f"state: s3://{BUCKET}/{KEY}" in summary
    for skipped in selection.skipped:
        assert f"{skipped.address}: {skipped.reason}" in summary
    skipped_types = {s.address.split(".")[0] for s in selection.skipped}
    assert {"aws_bedrockagent_agent", "aws_bedrockagent_agent_alias", "aws_bedrock_guardrail",
            "aws_lambda_permission"} <= skipped_types
    assert not any(t.startswith("aws_bedrock") for t in selection.types())


# -- 2. the dev-scheduling state object: key, encryption, versions, lock row --------------------

def test_dev_state_is_encrypted_versioned_and_locked_during_apply(cli_apply, local, aws):
    head = aws("s3").head_object(Bucket=BUCKET, Key=KEY)
    # Written with the state key the bootstrap created, as the backend names it.
    assert head.get("ServerSideEncryption") == "aws:kms", head
    assert local.state_key_arn() and head.get("SSEKMSKeyId") == local.state_key_arn(), head
    assert state_addresses(state(aws)) == sorted(local.selection(STACK).targets)
    versions_before = len(state_versions(aws))
    assert versions_before >= 1
    assert dynamodb_lock(aws) is None

    holder = start(local, replace_args(local), prompt=True)
    try:
        assert holder.wait_for(holder.at_prompt, PROMPT_SECONDS), holder.output[-3000:]
        info = dynamodb_lock(aws)  # read while the apply waits at its approval prompt
        assert info is not None, "no lock row in the DynamoDB table while an apply holds the lock"
        assert info["Operation"] == "OperationTypeApply"
        assert info["Path"] == LOCK_ROW
        assert lockfile(aws) is not None, "use_lockfile = true: the S3 lock object must exist too"

        holder.answer("yes")
        assert holder.wait(APPLY_SECONDS) == 0, holder.output[-3000:]
    finally:
        holder.close()
    assert dynamodb_lock(aws) is None and lockfile(aws) is None
    assert len(state_versions(aws)) > versions_before, "a second apply must add a state version"


# -- 3. two concurrent applies, per locking mechanism --------------------------------------------

@pytest.mark.parametrize("mode", ["dynamodb", "lockfile"])
def test_concurrent_applies_exactly_one_proceeds(mode, cli_apply, local, aws):
    local.init(STACK, lock=mode)
    before = state(aws)
    applies = [start(local, replace_args(local), prompt=True) for _ in range(2)]
    try:
        settled = lambda: sum(p.finished() or p.at_prompt() for p in applies) == 2  # noqa: E731
        assert applies[0].wait_for(settled, PROMPT_SECONDS), [p.output[-1500:] for p in applies]
        refused = [p for p in applies if p.finished()]
        waiting = [p for p in applies if p.at_prompt()]
        assert len(refused) == 1 and len(waiting) == 1, [p.output[-1500:] for p in applies]
        loser, winner = refused[0], waiting[0]
        assert loser.wait(10) != 0
        assert LOCK_ERROR in loser.output, loser.output[-3000:]

        # Only the selected mechanism holds the lock, and the refusal names that lock.
        held_ddb, held_file = dynamodb_lock(aws), lockfile(aws)
        if mode == "dynamodb":
            assert held_ddb is not None and held_file is None
            holder_id = held_ddb["ID"]
        else:
            assert held_file is not None and held_ddb is None
            holder_id = held_file["ID"]
        assert lock_id(loser.output) == holder_id

        winner.answer("yes")
        assert winner.wait(APPLY_SECONDS) == 0, winner.output[-3000:]
        assert "Resources: 1 added, 0 changed, 1 destroyed." in winner.output
    finally:
        for process in applies:
            process.close()
        if mode == "lockfile":
            # With DynamoDB off the table's state digest went stale (see sync_state_digest).
            sync_state_digest(aws("s3"), aws("dynamodb"), BUCKET, KEY, TABLE)

    after = state(aws)
    assert after["lineage"] == before["lineage"]
    assert after["serial"] == before["serial"] + 1, (before["serial"], after["serial"])
    assert state_addresses(after) == state_addresses(before)
    assert dynamodb_lock(aws) is None and lockfile(aws) is None


# -- 4. a stale lock and force-unlock -------------------------------------------------------------

def test_stale_lock_blocks_until_force_unlock(cli_apply, local, aws):
    local.init(STACK, lock="both")
    holder = start(local, replace_args(local), prompt=True)
    try:
        assert holder.wait_for(holder.at_prompt, PROMPT_SECONDS), holder.output[-3000:]
        holder.kill_holder()  # SIGKILL while holding the lock: nobody releases it
    finally:
        holder.close()
    stale = dynamodb_lock(aws)
    assert stale is not None and lockfile(aws) is not None

    blocked = start(local, replace_args(local, "-auto-approve"))
    try:
        assert blocked.wait(APPLY_SECONDS) != 0
    finally:
        blocked.close()
    assert LOCK_ERROR in blocked.output, blocked.output[-3000:]
    parsed = lock_id(blocked.output)
    assert parsed == stale["ID"]

    unlocked = local.terraform(STACK, ["force-unlock", "-force", "-no-color", parsed], check=False)
    assert unlocked.returncode == 0, unlocked.stdout + unlocked.stderr
    assert dynamodb_lock(aws) is None and lockfile(aws) is None

    retry = start(local, replace_args(local, "-auto-approve"))
    try:
        assert retry.wait(APPLY_SECONDS) == 0, retry.output[-3000:]
    finally:
        retry.close()


# -- 4b. a bad write to the state object, restored from the bucket's previous version -------------

def test_overwritten_state_is_restored_from_its_previous_version(cli_apply, local, aws):
    """The README's state-recovery runbook: a push of a wrong state (here: same lineage, no
    resources, next serial, with its digest, as `terraform state push -force` leaves it) makes
    the next plan want to create everything; `state_recovery list` shows the versions and
    `restore` brings the good one back; the next plan is empty again."""
    from modules.state_recovery import list_versions, restore

    good = state(aws)
    good_version = next(v for v in state_versions(aws) if v["IsLatest"])["VersionId"]
    bad = {**good, "serial": good["serial"] + 1, "resources": []}
    body = json.dumps(bad).encode()
    aws("s3").put_object(Bucket=BUCKET, Key=KEY, Body=body, ServerSideEncryption="aws:kms",
                         SSEKMSKeyId=local.state_key_arn())
    sync_state_digest(aws("s3"), aws("dynamodb"), BUCKET, KEY, TABLE)
    local.init(STACK, lock="both")
    code, output = local.plan_exitcode(STACK)
    assert code == 2, output[-3000:]  # the bad write is visible: everything "to add"

    env = {**os.environ, **local.env(STACK), "AWS_ENDPOINT_URL": local.endpoint}
    env.pop("AWS_PROFILE")  # the plan's "" would name a profile boto3 cannot find
    listed = subprocess.run([sys.executable, "-m", "modules.state_recovery", "list", STACK],
                            env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    current, *older = listed.stdout.splitlines()[1:]
    assert current.endswith("(current)") and f" {bad['serial']} " in current
    assert any(line.startswith(good_version) for line in older), listed.stdout

    settings = SETTINGS.model_copy(update={"kms_key_id": local.state_key_arn()})
    versions_before = len(list_versions(settings, STACK, aws("s3")))
    restore(settings, STACK, good_version, (aws("s3"), aws("dynamodb")))
    assert state_addresses(state(aws)) == state_addresses(good)
    assert len(state_versions(aws)) == versions_before + 1  # the bad version stays in history
    head = aws("s3").head_object(Bucket=BUCKET, Key=KEY)
    assert head.get("SSEKMSKeyId") == local.state_key_arn(), head
    code, output = local.plan_exitcode(STACK)
    assert code == 0, output[-3000:]
    assert "No changes." in output


def test_restore_refuses_while_a_lock_is_held(cli_apply, local, aws):
    from modules.state_recovery import RecoveryError, restore

    aws("dynamodb").put_item(TableName=TABLE, Item={"LockID": {"S": LOCK_ROW},
                                                    "Info": {"S": '{"Who": "someone"}'}})
    try:
        version = state_versions(aws)[0]["VersionId"]
        with pytest.raises(RecoveryError, match="a Terraform lock is held"):
            restore(SETTINGS, STACK, version, (aws("s3"), aws("dynamodb")))
    finally:
        aws("dynamodb").delete_item(TableName=TABLE, Key={"LockID": {"S": LOCK_ROW}})


# -- 5. supported resources: applied, plan clean, destroyed ---------------------------------------

def test_supported_resources_plan_clean_then_destroy(cli_apply, local, aws):
    functions = names(local, "aws_lambda_function", "function_name")
    buckets = names(local, "aws_s3_bucket", "bucket")
    roles = names(local, "aws_iam_role", "name")
    assert len(functions) == 3 and buckets
    for function in functions:
        assert aws("lambda").get_function(FunctionName=function)["Configuration"]["State"]
    for bucket in buckets:
        aws("s3").head_bucket(Bucket=bucket)

    local.init(STACK, lock="both")
    code, output = local.plan_exitcode(STACK)
    assert code == 0, output[-4000:]
    assert "No changes." in output

    destroyed = local.destroy(STACK)
    assert "Destroy complete!" in destroyed.stdout
    assert state_addresses(state(aws)) == []
    for function in functions:
        with pytest.raises(ClientError, match="ResourceNotFoundException|Function not found"):
            aws("lambda").get_function(FunctionName=function)
    for bucket in buckets:
        with pytest.raises(ClientError, match="404|Not Found|NoSuchBucket"):
            aws("s3").head_bucket(Bucket=bucket)
    for role in roles:
        with pytest.raises(ClientError, match="NoSuchEntity"):
            aws("iam").get_role(RoleName=role)


# -- 6. the bootstrap refuses to be destroyed -----------------------------------------------------

def test_destroying_the_bootstrap_stack_is_refused(cli_apply, local, aws):
    refused = local.destroy("state-backend", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "Instance cannot be destroyed" in output and "prevent_destroy" in output
    aws("s3").head_bucket(Bucket=BUCKET)
    assert aws("dynamodb").describe_table(TableName=TABLE)["Table"]["TableName"] == TABLE


# -- the synthesized output was never touched -----------------------------------------------------

def test_synthesized_output_is_byte_identical_after_local_apply(cli_apply, synth_dir: Path,
                                                               synth_before, root_state_before,
                                                               workroot: Path):
    assert tree_digest(synth_dir) == synth_before
    # The project's own bootstrap state (real AWS) is neither created nor changed by the emulator.
    path = local_state_file(BOOTSTRAP_STACK)
    assert (path.read_bytes() if path.exists() else None) == root_state_before
    for stack in (synth_dir / "stacks").iterdir():
        assert not (stack / OVERRIDE_FILE).exists() and not (stack / BACKEND_CONFIG_FILE).exists()
        text = (stack / "cdk.tf.json").read_text()
        assert "127.0.0.1" not in text
        config = json.loads(text)  # no emulator settings in any provider or backend block
        assert not [p for p in config.get("provider", {}).get("aws", []) if "endpoints" in p]
        assert "endpoints" not in config.get("terraform", {}).get("backend", {}).get("s3", {})
    # ...while the work copies did carry the emulator settings.
    assert (workroot / STACK / OVERRIDE_FILE).exists()
    assert (workroot / STACK / BACKEND_CONFIG_FILE).exists()
    # The emulator's bootstrap state stayed in the work copy, not at the project root.
    assert (workroot / "state-backend" / "terraform.tfstate").is_file()
