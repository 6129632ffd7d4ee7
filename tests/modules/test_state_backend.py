"""modules/state_backend.py + modules/backend.py: the bootstrap creates what backend.tf.json names."""

from __future__ import annotations

import json

import pytest

from modules.backend import load_backend_settings
from modules.errors import ConfigError
from modules.config import REPO_ROOT
from tests.conftest import one, policy_statements, ref_id, resources


def test_bootstrap_creates_the_named_bucket_and_table_undeletable(stacks):
    settings = load_backend_settings()
    bootstrap = stacks["state-backend"]
    bucket = one(bootstrap, "aws_s3_bucket")
    table = one(bootstrap, "aws_dynamodb_table")
    assert bucket["bucket"] == settings.bucket
    assert table["name"] == settings.dynamodb_table
    assert bucket["lifecycle"]["prevent_destroy"] is True
    assert table["lifecycle"]["prevent_destroy"] is True
    assert one(bootstrap, "aws_kms_key")["lifecycle"]["prevent_destroy"] is True


def test_lock_table_shape(stacks):
    table = one(stacks["state-backend"], "aws_dynamodb_table")
    assert table["hash_key"] == "LockID"
    assert table["attribute"] == [{"name": "LockID", "type": "S"}]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"]["enabled"] is True
    assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")


def test_bootstrap_keeps_local_state_outside_the_synthesis_output(stacks, synth_dir):
    """Every synth replaces the output folder whole; the state must survive it."""
    from modules.backend import local_state_file

    path = stacks["state-backend"]["terraform"]["backend"]["local"]["path"]
    assert path == "../../../terraform.state-backend.tfstate"  # nothing machine-specific
    resolved = (synth_dir / "stacks" / "state-backend" / path).resolve()
    assert resolved == local_state_file("state-backend", synth_dir) == synth_dir.parent / "terraform.state-backend.tfstate"
    assert local_state_file("state-backend") == REPO_ROOT / "terraform.state-backend.tfstate"


def test_synthesis_keeps_terraform_working_data_of_surviving_stacks(tmp_path):
    """`.terraform/` holds the record of the previous backend that `init -migrate-state` needs."""
    from modules.pipeline.synth_output import replace_dir

    old, new = tmp_path / "cdktf.out", tmp_path / "new"
    for stack in ("state-backend", "gone"):
        (old / "stacks" / stack / ".terraform").mkdir(parents=True)
        (old / "stacks" / stack / ".terraform" / "terraform.tfstate").write_text(stack)
        (old / "stacks" / stack / ".terraform.lock.hcl").write_text("lock")
        (old / "stacks" / stack / "cdk.tf.json").write_text("old")
    (new / "stacks" / "state-backend").mkdir(parents=True)
    (new / "stacks" / "state-backend" / "cdk.tf.json").write_text("new")
    replace_dir(new, old)
    kept = old / "stacks" / "state-backend"
    assert (kept / ".terraform" / "terraform.tfstate").read_text() == "state-backend"
    assert (kept / ".terraform.lock.hcl").read_text() == "lock"
    assert (kept / "cdk.tf.json").read_text() == "new"
    assert not (old / "stacks" / "gone").exists() and not new.exists()


def test_bucket_protections(stacks):
    bootstrap = stacks["state-backend"]
    bucket_id = ref_id("${aws_s3_bucket." + next(iter(resources(bootstrap, "aws_s3_bucket"))) + ".id}")
    assert one(bootstrap, "aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    block = one(bootstrap, "aws_s3_bucket_public_access_block")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy",
                                          "ignore_public_acls", "restrict_public_buckets"))
    assert one(bootstrap, "aws_s3_bucket_ownership_controls")["rule"] == {
        "object_ownership": "BucketOwnerEnforced"}
    sse = one(bootstrap, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    lifecycle = one(bootstrap, "aws_s3_bucket_lifecycle_configuration")["rule"][0]
    assert lifecycle["noncurrent_version_expiration"][0]["noncurrent_days"] == 365
    statements = policy_statements(bootstrap, one(bootstrap, "aws_s3_bucket_policy")["policy"])
    deny = [s for s in statements if s["effect"] == "Deny"]
    assert deny and deny[0]["condition"] == [
        {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    assert bucket_id in deny[0]["resources"][0]


def test_backend_file_is_plain_terraform_json():
    raw = json.loads((REPO_ROOT / "backend.tf.json").read_text())
    s3 = raw["terraform"]["backend"]["s3"]
    assert s3["encrypt"] is True and s3["use_lockfile"] is True and s3["dynamodb_table"]
    assert load_backend_settings().state_key("dev", "scheduling") == "pf/dev/scheduling/terraform.tfstate"


def test_bootstrap_moves_to_the_bucket_after_migration(tmp_path):
    """With "bootstrap_state": "s3" the bootstrap stack uses the team backend it created."""
    import cdktf

    from modules.stacks.state_backend_stack import StateBackendStack

    path = backend_file(tmp_path, bootstrap_state="s3", kms_key_id=STATE_KEY)
    stack = StateBackendStack(cdktf.App(outdir=str(tmp_path / "out")), load_backend_settings(path))
    backend = json.loads(cdktf.Testing.synth(stack))["terraform"]["backend"]
    assert backend["s3"]["key"] == "pf/state-backend/terraform.tfstate"
    assert backend["s3"]["use_lockfile"] is True and backend["s3"]["encrypt"] is True
    assert backend["s3"]["kms_key_id"] == STATE_KEY


STATE_KEY = "arn:aws:kms:us-east-1:618048437522:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def backend_file(tmp_path, **changes):
    raw = json.loads((REPO_ROOT / "backend.tf.json").read_text())
    if "bootstrap_state" in changes:
        raw["//"]["bootstrap_state"] = changes.pop("bootstrap_state")
    raw["terraform"]["backend"]["s3"].update(changes)
    path = tmp_path / "backend.tf.json"
    path.write_text(json.dumps(raw))
    return path


def test_stacks_write_state_with_the_named_state_key(tmp_path):
    from cdktf import App, TerraformStack

    from modules.backend import use_team_backend

    named, unnamed = (TerraformStack(App(outdir=str(tmp_path / n)), n) for n in ("a", "b"))
    use_team_backend(named, load_backend_settings(backend_file(tmp_path, kms_key_id=STATE_KEY)),
                     "dev", "scheduling")
    use_team_backend(unnamed, load_backend_settings(), "dev", "scheduling")
    from cdktf import Testing

    with_key = json.loads(Testing.synth(named))["terraform"]["backend"]["s3"]
    assert with_key["encrypt"] is True and with_key["kms_key_id"] == STATE_KEY
    # Before the key is recorded no encryption header is sent: `encrypt` alone would ask for
    # S3-managed keys, which the state bucket refuses; its default (the state key) applies.
    without = json.loads(Testing.synth(unnamed))["terraform"]["backend"]["s3"]
    assert without["encrypt"] is False and "kms_key_id" not in without


@pytest.mark.parametrize("changes, message", [
    ({"bootstrap_state": "s3"}, "kms_key_id: required once bootstrap_state is \"s3\""),
    ({"kms_key_id": STATE_KEY.replace("618048437522", "111111111111")},
     "kms_key_id: a key in the backend's region and account (us-east-1, 618048437522), "
     "not (us-east-1, 111111111111)"),
    ({"kms_key_id": "alias/pf-terraform-state"}, "kms_key_id"),
])
def test_state_key_errors_name_the_file_and_field(tmp_path, changes, message):
    path = backend_file(tmp_path, **changes)
    with pytest.raises(ConfigError) as caught:
        load_backend_settings(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_state_bucket_refuses_any_encryption_but_the_state_key(stacks):
    bootstrap = stacks["state-backend"]
    key = "${aws_kms_key." + next(iter(resources(bootstrap, "aws_kms_key"))) + ".arn}"
    statements = {s["sid"]: s for s in policy_statements(
        bootstrap, one(bootstrap, "aws_s3_bucket_policy")["policy"]) if s.get("sid")}
    for sid in ("DenyOtherEncryption", "DenyOtherKeys", "DenyKmsWithoutTheKey"):
        assert statements[sid]["effect"] == "Deny" and statements[sid]["actions"] == ["s3:PutObject"]
        assert statements[sid]["principals"] == [{"type": "*", "identifiers": ["*"]}]
    assert statements["DenyOtherEncryption"]["condition"] == [{
        "test": "StringNotEqualsIfExists", "variable": "s3:x-amz-server-side-encryption",
        "values": ["aws:kms"]}]
    assert statements["DenyOtherKeys"]["condition"] == [{
        "test": "StringNotEqualsIfExists",
        "variable": "s3:x-amz-server-side-encryption-aws-kms-key-id", "values": [key]}]
    assert {c["test"] for c in statements["DenyKmsWithoutTheKey"]["condition"]} == {
        "StringEquals", "Null"}
