"""Adopting the deployed Phase 1 system, proven on the emulator (a moto server of its own).

The module first creates, with boto3, what the original Phase 1 deployment left in the account:
the three `pf-<group>-actions` Lambdas (python3.11, 256 MB, 30 s, mock data) with their log
groups and an execution role of their own, the five agent roles with their inline policies, and
the schema bucket (versioned, SSE-S3) with its three objects. Then it synthesizes
`dev-scheduling` with `main.py --adopt` and the shipped `envs/dev.adopt.toml` (from a copy of
`envs/`, through PF_ENVS_DIR), bootstraps the state backend, and plans and applies the stack
the way the local apply does (Bedrock resources and what references them are skipped, with
their import blocks). The first plan must import every listed resource the emulator can hold
and destroy nothing; the state must then hold the very objects created before (same role ids,
same ARNs); a second plan must be empty.

moto 5.2.5 lacks two things only adoption needs (a stack that creates its resources passes
these settings at creation): CloudWatch Logs AssociateKmsKey/DisassociateKmsKey (HTTP 500), and
Lambda UpdateFunctionConfiguration drops `TracingConfig` and `KMSKeyArn` (the second plan would
want X-Ray tracing and the environment key again). This module's emulator adds both on top of
the project's fixes (`AdoptionEmulator`).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from modules.backend import BOOTSTRAP_STACK
from modules.config import REPO_ROOT
from modules.local_aws.emulator import HOST, MotoServer, answers, pid_alive
from tests.integration.conftest import _tools, aws_clients

pytestmark = pytest.mark.integration

STACK = "dev-scheduling"
ACCOUNT = "618048437522"
BUCKET = f"pf-schemas-dev-{ACCOUNT}"
GROUPS = ("scheduling", "information", "notes")
AGENTS = ("supervisor", "scheduling", "information", "notes", "chitchat")
# The Phase 1 inventory does not name the Lambdas' execution role; this stands in for it. The
# stack gives each function a role of its own (pf-<group>-actions-role-dev): the old one stays.
LEGACY_EXECUTION_ROLE = "pf-actions-lambda-role"
PLAN_SECONDS = 600


# The server: the project's wrapper (modules/local_aws/moto_server.py) plus the two fixes above.
_SERVER = """
import sys
from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.responses import LogsResponse

def _kms_key_action(associate):
    def action(self):
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is None:
            raise ResourceNotFoundException()
        group.kms_key_id = self._get_param("kmsKeyId") if associate else None
        return ""
    return action

LogsResponse.associate_kms_key = _kms_key_action(True)
LogsResponse.disassociate_kms_key = _kms_key_action(False)

from moto.awslambda.models import LambdaFunction

_update_configuration = LambdaFunction.update_configuration

def update_configuration(self, config_updates):
    if config_updates.get("TracingConfig"):
        self.tracing_config = config_updates["TracingConfig"]
    if "KMSKeyArn" in config_updates:
        self.kms_key_arn = config_updates["KMSKeyArn"] or None
    return _update_configuration(self, config_updates)

LambdaFunction.update_configuration = update_configuration
from modules.local_aws.moto_server import main
main(sys.argv[1:])
"""


class AdoptionEmulator(MotoServer):
    def command(self, port: int) -> list[str]:
        return [sys.executable, "-c", _SERVER, "-H", HOST, "-p", str(port)]


@pytest.fixture(scope="module")
def adopt_emulator(tmp_path_factory: pytest.TempPathFactory):
    """This module's own emulator (it starts empty); stopped and proven gone at the end."""
    _tools()
    server = AdoptionEmulator(log_path=tmp_path_factory.mktemp("moto-adopt") / "moto.log")
    server.start()
    pid, endpoint = server.pid, server.endpoint
    try:
        yield server
    finally:
        server.stop()
        assert pid is not None and not pid_alive(pid), f"moto server pid {pid} is still running"
        assert not answers(endpoint, timeout=0.5), f"something still answers at {endpoint}"


def _handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return {}\n")
        archive.writestr("mock_data.py", "PROJECTS = []\n")
    return buffer.getvalue()


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]})


def create_phase1(aws) -> dict:
    """What the original Terraform created, as it created it; returns the ids to compare."""
    iam, lam, logs, s3 = aws("iam"), aws("lambda"), aws("logs"), aws("s3")
    ids: dict = {"role_ids": {}, "function_arns": {}, "log_group_arns": {}}
    execution = iam.create_role(RoleName=LEGACY_EXECUTION_ROLE,
                                AssumeRolePolicyDocument=_trust("lambda.amazonaws.com"))["Role"]
    ids["legacy_role_id"] = execution["RoleId"]
    for agent in AGENTS:
        role = iam.create_role(RoleName=f"pf-{agent}-agent-role-dev",
                               AssumeRolePolicyDocument=_trust("bedrock.amazonaws.com"))["Role"]
        ids["role_ids"][role["RoleName"]] = role["RoleId"]
        iam.put_role_policy(RoleName=role["RoleName"], PolicyName=f"pf-{agent}-agent-policy",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                                "Effect": "Allow", "Action": "bedrock:InvokeModel",
                                "Resource": "*"}]}))
    package = _handler_zip()
    for group in GROUPS:
        name = f"pf-{group}-actions"
        created = lam.create_function(
            FunctionName=name, Runtime="python3.11", Handler="handler.lambda_handler",
            Role=execution["Arn"], Code={"ZipFile": package}, MemorySize=256, Timeout=30,
            Environment={"Variables": {"USE_MOCK_API": "true"}})
        ids["function_arns"][name] = created["FunctionArn"]
        logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
        described = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")
        ids["log_group_arns"][f"/aws/lambda/{name}"] = described["logGroups"][0]["arn"]
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    for group in GROUPS:
        key = f"{group}_actions.json"
        s3.put_object(Bucket=BUCKET, Key=key, ContentType="application/json",
                      Body=(REPO_ROOT / "lambda" / "scheduling" / "schemas" / key).read_bytes())
    return ids


@pytest.fixture(scope="module")
def adopted_synth(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """`main.py --adopt` over a copy of envs/ (the shipped dev.adopt.toml included)."""
    root = tmp_path_factory.mktemp("adopt")
    shutil.copytree(REPO_ROOT / "envs", root / "envs")
    assert (root / "envs" / "dev.adopt.toml").is_file()
    outdir = root / "cdktf.out"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py"), "--adopt", "--outdir", str(outdir),
         "--only", STACK, "--only", BOOTSTRAP_STACK],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PF_ENVS_DIR": str(root / "envs")})
    assert done.returncode == 0, done.stderr[-3000:]
    config = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return SimpleNamespace(outdir=outdir, stderr=done.stderr, config=config, root=root)


@pytest.fixture(scope="module")
def adoption(adopt_emulator, adopted_synth) -> SimpleNamespace:
    """Phase 1 created, the backend bootstrapped, then the adopting plan, its apply and a
    second plan of dev-scheduling."""
    from modules.local_aws.local_apply import LocalAws

    aws = aws_clients(adopt_emulator.endpoint)
    before = create_phase1(aws)
    local = LocalAws(adopt_emulator.endpoint, adopted_synth.outdir,
                     adopted_synth.root / "work")
    local.apply(BOOTSTRAP_STACK)
    selection = local.prepare(STACK)
    local.init(STACK)
    planned = local.terraform(STACK, ["plan", "-input=false", "-no-color", "-out=adopt.plan",
                                      *selection.target_args()], timeout=PLAN_SECONDS)
    plan = json.loads(local.terraform(STACK, ["show", "-json", "adopt.plan"]).stdout)
    applied = local.terraform(STACK, ["apply", "-input=false", "-no-color", "adopt.plan"],
                              timeout=PLAN_SECONDS)
    state = json.loads(local.terraform(STACK, ["show", "-json"]).stdout)
    second = local.plan_exitcode(STACK)
    workdir_config = json.loads((local.workdir(STACK) / "cdk.tf.json").read_text())
    summary = next(line for line in planned.stdout.splitlines() if line.startswith("Plan:"))
    print(f"\nfirst plan of adopted {STACK} on the emulator: {summary}")
    return SimpleNamespace(aws=aws, before=before, local=local, selection=selection, plan=plan,
                           plan_text=planned.stdout, summary=summary, apply_text=applied.stdout,
                           state=state, second=second, workdir_config=workdir_config)


def _state_resources(state: dict) -> dict[str, dict]:
    return {r["address"]: r["values"]
            for r in state.get("values", {}).get("root_module", {}).get("resources", [])
            if r["mode"] == "managed"}


def _kept_imports(adopted_synth, adoption) -> dict[str, str]:
    targets = set(adoption.selection.targets)
    return {block["to"]: block["id"] for block in adopted_synth.config["import"]
            if block["to"] in targets}


# -- the first plan ------------------------------------------------------------------------------

def test_first_plan_imports_every_listed_resource_and_destroys_nothing(adopted_synth, adoption):
    expected = _kept_imports(adopted_synth, adoption)
    importing = {change["address"]: change["change"]["importing"]["id"]
                 for change in adoption.plan["resource_changes"]
                 if change["change"].get("importing")}
    assert importing == expected
    # The Phase 1 kinds the emulator holds: 3 Lambdas, 3 log groups, 5 agent roles, the bucket
    # and its 3 objects.
    kinds = sorted({address.split(".")[0] for address in importing})
    assert kinds == ["aws_cloudwatch_log_group", "aws_iam_role", "aws_lambda_function",
                     "aws_s3_bucket", "aws_s3_object"]
    assert len(importing) == 15
    actions = {change["address"]: change["change"]["actions"]
               for change in adoption.plan["resource_changes"]}
    assert not [a for a, acts in actions.items() if "delete" in acts], actions
    assert all(actions[address] in (["no-op"], ["update"]) for address in importing), \
        {a: actions[a] for a in importing}
    assert f"Plan: {len(importing)} to import," in adoption.summary
    assert adoption.summary.endswith("0 to destroy.")


def test_import_blocks_of_skipped_resources_are_left_out_of_the_work_copy(adopted_synth,
                                                                           adoption):
    emitted = {block["to"] for block in adopted_synth.config["import"]}
    kept = {block["to"] for block in adoption.workdir_config.get("import", [])}
    assert kept == set(_kept_imports(adopted_synth, adoption))
    dropped = emitted - kept
    skipped = {s.address for s in adoption.selection.skipped}
    assert dropped and dropped <= skipped
    assert {a.split(".")[0] for a in dropped} == {"aws_bedrockagent_agent", "aws_iam_role_policy"}


# -- the state after the apply ---------------------------------------------------------------------

def test_apply_adopts_the_precreated_objects(adoption):
    aws = adoption.aws
    assert "0 destroyed" in adoption.apply_text, adoption.apply_text[-2000:]
    values = _state_resources(adoption.state)
    by_type = lambda kind: [v for a, v in values.items() if a.startswith(f"{kind}.")]  # noqa: E731
    roles = {v["name"]: v["unique_id"] for v in by_type("aws_iam_role")}
    for name, role_id in adoption.before["role_ids"].items():
        assert roles[name] == role_id, f"{name} was replaced, not adopted"
    functions = {v["function_name"]: v["arn"] for v in by_type("aws_lambda_function")}
    assert functions == adoption.before["function_arns"]
    log_groups = {v["name"]: v["arn"].removesuffix(":*") for v in by_type("aws_cloudwatch_log_group")}
    assert log_groups == {k: v.removesuffix(":*") for k, v in adoption.before["log_group_arns"].items()}
    (bucket,) = by_type("aws_s3_bucket")
    assert bucket["bucket"] == BUCKET
    assert sorted(v["key"] for v in by_type("aws_s3_object")) == sorted(
        f"{group}_actions.json" for group in GROUPS)
    # The functions now run with the stack's own roles; the old execution role stays, unmanaged,
    # until someone deletes it after the switch (README runbook).
    for group in GROUPS:
        role = aws("lambda").get_function(FunctionName=f"pf-{group}-actions")
        assert role["Configuration"]["Role"].endswith(f":role/pf-{group}-actions-role-dev")
    legacy = aws("iam").get_role(RoleName=LEGACY_EXECUTION_ROLE)["Role"]
    assert legacy["RoleId"] == adoption.before["legacy_role_id"]
    assert not [v for v in roles if v == LEGACY_EXECUTION_ROLE]


def test_second_plan_is_empty(adoption):
    code, output = adoption.second
    assert code == 0, output[-3000:]
    assert "No changes." in output


def test_synthesis_said_what_it_imports_and_what_it_creates(adopted_synth):
    lines = [line for line in adopted_synth.stderr.splitlines() if line.startswith(f"{STACK}:")]
    assert len(lines) == 1, adopted_synth.stderr
    assert f"{len(adopted_synth.config['import'])} import block(s) from " in lines[0]
    assert "not listed, so created new: agent_aliases: " in lines[0]
