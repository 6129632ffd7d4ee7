"""What the local apply generates, checked without an emulator or Terraform: the `-target`
selection, the backend-config file per locking mode, the provider override, and that all of it
lands in work copies only. (Fast; runs in the default, non-integration suite.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.local_aws.__main__ import main as cli
from modules.local_aws.local_apply import (
    BACKEND_CONFIG_FILE,
    BEDROCK_REASON,
    OVERRIDE_FILE,
    LocalAws,
    apply_environment,
    backend_config,
    prepare_in_place,
    provider_override,
    select_targets,
    stacks_of,
)
from tests.integration._support import lock_id, tree_digest

ENDPOINT = "http://127.0.0.1:45999"
STACK = "dev-scheduling"


def _dependency_closure(config: dict, address: str) -> set[str]:
    """Every address `address` reaches, recomputed independently through the raw JSON text."""
    nodes = {f"{t}.{n}": b for t, items in config.get("resource", {}).items()
             for n, b in items.items()}
    nodes |= {f"data.{t}.{n}": b for t, items in config.get("data", {}).items()
              for n, b in items.items()}
    seen: set[str] = set()
    todo = [address]
    while todo:
        body = nodes[todo.pop()]
        text = json.dumps({k: v for k, v in body.items() if k != "//"})
        for other in nodes:
            if other not in seen and (f"{other}." in text or f'"{other}"' in text):
                seen.add(other)
                todo.append(other)
    return seen


def test_dev_targets_leave_out_bedrock_and_everything_that_depends_on_it(stacks):
    config = stacks[STACK]
    selection = select_targets(config)
    resources = {f"{t}.{n}" for t, items in config["resource"].items() for n in items}
    skipped = {s.address: s.reason for s in selection.skipped}

    assert set(selection.targets) | set(skipped) == resources
    assert not set(selection.targets) & set(skipped)
    for address in resources:
        if address.startswith(("aws_bedrock_", "aws_bedrockagent_")):
            assert skipped[address] == BEDROCK_REASON
    for target in selection.targets:
        reached = _dependency_closure(config, target)
        assert not any(r.split(".")[-2].startswith("aws_bedrock") for r in reached), target
    for address, reason in skipped.items():
        if not address.startswith("aws_bedrock"):
            assert reason.startswith("depends on aws_bedrock"), (address, reason)
    # The Lambda permissions name the agents; the agent role policies name the guardrail.
    assert all(a in skipped for a in resources if a.startswith("aws_lambda_permission."))
    wanted = {"aws_lambda_function", "aws_cloudwatch_log_group", "aws_s3_object", "aws_kms_key",
              "aws_s3_bucket", "aws_iam_role"}
    assert wanted <= set(selection.types())
    assert selection.services == ["iam", "kms", "lambda", "logs", "s3", "sts"]


def test_bootstrap_targets_everything(stacks):
    selection = select_targets(stacks["state-backend"])
    assert selection.skipped == []
    assert len(selection.targets) == sum(len(v) for v in stacks["state-backend"]["resource"].values())
    assert {"dynamodb", "kms", "s3", "sts"} <= set(selection.services)


def test_transitive_depends_on_replace_triggers_and_unknown_services():
    config = {
        "resource": {
            "aws_bedrockagent_agent": {"agent": {"agent_name": "a"}},
            "aws_s3_bucket": {"ok": {"bucket": "b"}},
            "aws_iam_role": {"via_data": {"assume_role_policy": "${data.aws_iam_policy_document.d.json}"}},
            "aws_kms_key": {"explicit": {"depends_on": ["aws_iam_role.via_data"]}},
            "aws_s3_object": {"triggered": {"bucket": "${aws_s3_bucket.ok.id}",
                                            "lifecycle": {"replace_triggered_by": ["aws_kms_key.explicit"]}}},
            "aws_iot_thing": {"unknown": {"name": "example"}},
            "aws_sfn_state_machine": {"gap": {"name": "s"}},
        },
        "data": {"aws_iam_policy_document": {"d": {"statement": [
            {"resources": ["${aws_bedrockagent_agent.agent.agent_arn}"]}]}}},
    }
    selection = select_targets(config)
    skipped = {s.address: s.reason for s in selection.skipped}
    assert selection.targets == ["aws_s3_bucket.ok"]
    assert "via reference (through data.aws_iam_policy_document.d)" in skipped["aws_iam_role.via_data"]
    assert "via depends_on (through aws_iam_role.via_data)" in skipped["aws_kms_key.explicit"]
    assert "via replace_triggered_by" in skipped["aws_s3_object.triggered"]
    assert "no emulator endpoint" in skipped["aws_iot_thing.unknown"]
    assert "moto gap" in skipped["aws_sfn_state_machine.gap"]


@pytest.mark.parametrize(("mode", "present", "absent"), [
    ("both", [], ["use_lockfile", "dynamodb_table"]),
    ("dynamodb", ["use_lockfile                = false"], ["dynamodb_table"]),
    ("lockfile", ['dynamodb_table              = ""'], ["use_lockfile"]),
])
def test_backend_config_per_lock_mode(mode, present, absent):
    text = backend_config(ENDPOINT, mode)
    for service in ("s3", "dynamodb", "sts", "iam"):
        assert f'{service:<8} = "{ENDPOINT}"' in text
    for flag in ("use_path_style              = true", "skip_credentials_validation = true",
                 "skip_metadata_api_check     = true"):
        assert flag in text
    for line in present:
        assert line in text
    for name in absent:
        assert name not in text
    assert "access_key" not in text and "secret" not in text


def test_backend_config_rejects_unknown_lock_mode():
    with pytest.raises(ValueError, match="lock must be one of"):
        backend_config(ENDPOINT, "none")  # type: ignore[arg-type]


def test_provider_override_points_at_the_emulator_without_credentials():
    override = provider_override(ENDPOINT, ["s3", "kms", "sts"])
    (provider,) = override["provider"]["aws"]
    assert provider["endpoints"] == [{"kms": ENDPOINT, "s3": ENDPOINT, "sts": ENDPOINT}]
    assert provider["s3_use_path_style"] is True
    assert provider["max_retries"] == 3
    assert provider["skip_credentials_validation"] and provider["skip_metadata_api_check"]
    # Keys travel as environment variables; the account guard of the stack stays in force.
    for absent in ("access_key", "secret_key", "token", "allowed_account_ids",
                   "skip_requesting_account_id"):
        assert absent not in provider


def test_work_copy_gets_the_emulator_files_and_the_synth_output_does_not(synth_dir: Path,
                                                                         tmp_path: Path):
    before = tree_digest(synth_dir)
    local = LocalAws(ENDPOINT, synth_dir, tmp_path)
    local.prepare(STACK)
    local.write_backend_config(STACK, "lockfile")
    workdir = tmp_path / STACK
    override = json.loads((workdir / OVERRIDE_FILE).read_text())
    assert override["provider"]["aws"][0]["endpoints"][0]["lambda"] == ENDPOINT
    assert 'dynamodb_table              = ""' in (workdir / BACKEND_CONFIG_FILE).read_text()
    assert (workdir / "cdk.tf.json").read_bytes() == \
        (synth_dir / "stacks" / STACK / "cdk.tf.json").read_bytes()
    assert tree_digest(synth_dir) == before


def test_bootstrap_work_copy_keeps_its_state_in_the_copy(synth_dir: Path, tmp_path: Path):
    """Whatever backend `state-backend` was synthesized with (local at the project root, or S3),
    the emulator run keeps its state in the work copy."""
    local = LocalAws(ENDPOINT, synth_dir, tmp_path)
    override = local.override("state-backend")
    assert override["terraform"] == {"backend": {"local": {"path": "terraform.tfstate"}}}
    assert local.state_location("state-backend") == \
        f"local file {tmp_path / 'state-backend' / 'terraform.tfstate'}"
    assert "terraform" not in local.override(STACK)  # env stacks keep their S3 backend


def test_stacks_of_selects_an_environment_or_one_stack(synth_dir: Path):
    dev = stacks_of(synth_dir, "dev")
    assert STACK in dev and all(s.startswith("dev-") for s in dev)
    assert stacks_of(synth_dir, STACK) == [STACK]
    assert stacks_of(synth_dir, "de") == []  # a prefix is not an environment
    assert stacks_of(synth_dir, "state-backend") == []  # applied first anyway, never selected
    assert "dev-scheduling" not in stacks_of(synth_dir, "staging")


def test_apply_environment_refuses_an_unknown_name(synth_dir: Path, tmp_path: Path):
    with pytest.raises(RuntimeError, match="no stack 'qa'"):
        apply_environment(LocalAws(ENDPOINT, synth_dir, tmp_path), "qa")


def test_cli_refuses_an_unknown_environment(synth_dir: Path, capsys):
    assert cli(["apply", "--env", "qa", "--skip-synth", "--outdir", str(synth_dir),
                "--endpoint", ENDPOINT]) == 2
    assert "no stack 'qa'" in capsys.readouterr().err


def test_prepare_in_place_points_a_stack_folder_at_the_emulator(synth_dir: Path, tmp_path: Path):
    """In place: the provider override, plus the backend-config file for an S3 backend only."""
    import shutil

    for stack in ("state-backend", STACK):
        shutil.copytree(synth_dir / "stacks" / stack, tmp_path / stack)
    bootstrap_args = prepare_in_place(tmp_path / "state-backend", ENDPOINT)
    env_args = prepare_in_place(tmp_path / STACK, ENDPOINT, lock="dynamodb")
    for stack in ("state-backend", STACK):
        override = json.loads((tmp_path / stack / OVERRIDE_FILE).read_text())
        assert "terraform" not in override  # the backend stays as synthesized
        assert override["provider"]["aws"][0]["endpoints"][0]["sts"] == ENDPOINT
    synthesized = json.loads((synth_dir / "stacks/state-backend/cdk.tf.json").read_text())
    if "s3" in synthesized["terraform"]["backend"]:
        assert bootstrap_args == [f"-backend-config={BACKEND_CONFIG_FILE}"]
    else:
        assert bootstrap_args == [] and not (tmp_path / "state-backend" / BACKEND_CONFIG_FILE).exists()
    assert env_args == [f"-backend-config={BACKEND_CONFIG_FILE}"]
    assert "use_lockfile                = false" in (tmp_path / STACK / BACKEND_CONFIG_FILE).read_text()


def test_prepare_in_place_refuses_the_projects_cdktf_out():
    from modules.config import REPO_ROOT

    with pytest.raises(ValueError, match="inside the project's cdktf.out"):
        prepare_in_place(REPO_ROOT / "cdktf.out" / "stacks" / "state-backend", ENDPOINT)


def test_lock_id_is_parsed_from_terraforms_error():
    output = ("Error: Error acquiring the state lock\n\nLock Info:\n"
              "  ID:        0ed79b9e-caff-b6b7-cbb2-a181282d895b\n"
              "  Path:      pf-terraform-state-618048437522/pf/dev/scheduling/terraform.tfstate\n")
    assert lock_id(output) == "0ed79b9e-caff-b6b7-cbb2-a181282d895b"
    assert lock_id("no lock here") is None


def test_cli_refuses_a_non_local_endpoint(synth_dir: Path, capsys):
    code = cli(["apply", "--env", "dev", "--skip-synth", "--outdir", str(synth_dir),
                "--endpoint", "https://s3.amazonaws.com"])
    assert code == 2
    assert "must be a local emulator" in capsys.readouterr().err


def test_cli_refuses_the_bootstrap_as_env(synth_dir: Path, capsys):
    assert cli(["apply", "--env", "state-backend", "--skip-synth",
                "--outdir", str(synth_dir)]) == 2
    assert "names an environment" in capsys.readouterr().err


def test_staging_phase_2_targets_every_service_the_emulator_serves(stacks):
    """Phase 2 (`staging-scheduling`): the new services get emulator endpoints; what is skipped
    is Bedrock, what depends on it (the chat Lambda names the supervisor alias, and the API's
    integrations, deployment and stage follow it), and the X-Ray sampling rule (a moto gap)."""
    config = stacks["staging-scheduling"]
    selection = select_targets(config)
    skipped = {s.address: s.reason for s in selection.skipped}
    types = selection.types()
    for resource_type in ("aws_dynamodb_table", "aws_appautoscaling_target",
                          "aws_appautoscaling_policy", "aws_ssm_parameter",
                          "aws_secretsmanager_secret", "aws_sns_topic", "aws_sqs_queue",
                          "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target",
                          "aws_api_gateway_rest_api", "aws_api_gateway_method"):
        assert types[resource_type] == len(config["resource"][resource_type]), resource_type
    # Of the alarms only the chat function's two (errors, throttles) wait for Bedrock.
    alarms = config["resource"]["aws_cloudwatch_metric_alarm"]
    assert len(alarms) - types["aws_cloudwatch_metric_alarm"] == 2
    assert all("chat_api" in s.address for s in selection.skipped
               if s.address.startswith("aws_cloudwatch_metric_alarm."))
    assert {"apigateway", "applicationautoscaling", "cloudwatch", "dynamodb", "events",
            "secretsmanager", "sns", "sqs", "ssm"} <= set(selection.services)
    assert "xray" not in selection.services  # its only resource is a moto gap
    for address, reason in skipped.items():
        if address.startswith("aws_xray_sampling_rule."):
            assert reason.startswith("moto gap"), reason
        elif not address.startswith(("aws_bedrock_", "aws_bedrockagent_")):
            assert reason.startswith("depends on aws_bedrock"), (address, reason)
    for resource_type in ("aws_api_gateway_integration", "aws_api_gateway_deployment",
                          "aws_api_gateway_stage", "aws_cloudwatch_dashboard"):
        assert types[resource_type] == 0, resource_type
    assert not any("no emulator endpoint" in reason for reason in skipped.values())


_SERIALIZED_CHECK = """
import threading, time
from concurrent.futures import ThreadPoolExecutor
from modules.local_aws.moto_server import patch_moto
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

patch_moto()
inside, most = [0], [0]
guard = threading.Lock()

def backend_app(environ, start_response):
    with guard:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
    time.sleep(0.02)
    with guard:
        inside[0] -= 1
    return [b"ok"]

dispatcher = DomainDispatcherApplication(lambda service: None)
dispatcher.get_application = lambda environ: backend_app
with ThreadPoolExecutor(8) as pool:
    assert list(pool.map(lambda _: dispatcher({}, None), range(16))) == [[b"ok"]] * 16
print(most[0])
"""


def test_emulator_handles_one_request_at_a_time():
    """moto_server gap 4: the threaded server's requests go through moto's backends one at a
    time (moto's dicts have no locks: concurrent CreateRole calls raced into HTTP 500). Checked
    in a process of its own: the fixes patch moto globally."""
    import subprocess
    import sys

    from modules.config import REPO_ROOT

    done = subprocess.run([sys.executable, "-c", _SERIALIZED_CHECK], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "1"


_REDRIVE_ALLOW_CHECK = """
import json, os
os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
import boto3
from moto import mock_aws
from modules.local_aws.moto_server import patch_moto

patch_moto()
with mock_aws():
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    policy = json.dumps({"redrivePermission": "byQueue",
                         "sourceQueueArns": ["arn:aws:sqs:us-east-1:123456789012:work"]})
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": policy})
    every = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
    alone = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])
    other = sqs.get_queue_attributes(QueueUrl=plain, AttributeNames=["All"])["Attributes"]
    print(json.dumps([every["RedriveAllowPolicy"] == policy,
                      alone["Attributes"] == {"RedriveAllowPolicy": policy},
                      "RedriveAllowPolicy" not in other]))
"""


def test_a_dead_letter_queue_returns_its_redrive_allow_policy():
    """moto_server gap 7: without it the provider waits 20 minutes for the policy and fails."""
    import json
    import subprocess
    import sys

    from modules.config import REPO_ROOT

    done = subprocess.run([sys.executable, "-c", _REDRIVE_ALLOW_CHECK], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True, True, True]
