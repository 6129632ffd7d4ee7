"""The README's bootstrap steps 1-2, walked through on the emulator in a temporary project laid
out like a checkout: `<root>/backend.tf.json`, `<root>/cdktf.out/stacks/state-backend/` and the
bootstrap's local state at `<root>/terraform.state-backend.tfstate`.

Step 1: synthesize, `terraform init` + `apply` of `state-backend` in its synthesized folder
(provider pointed at the emulator by `prepare_in_place`; the local backend as synthesized).
Step 2: `"bootstrap_state": "s3"` in the backend file, synthesize again (which replaces
`cdktf.out` whole, `.terraform/` included), `terraform init -migrate-state -force-copy` with the
S3 backend pointed at the emulator; the state object `<key_prefix>/state-backend/terraform.tfstate`
must then hold the bucket and the table.

Synthesis runs in-process with `modules.backend.REPO_ROOT` (where `local_state_file` puts the
bootstrap state) set to `<root>` and `PF_BACKEND_FILE` set to `<root>/backend.tf.json`, and only
for `state-backend`: what matters here, the whole `cdktf.out` being replaced, is the same for any
selection.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import modules.backend as backend_module
from modules.backend import (
    BACKEND_FILE,
    BOOTSTRAP_STACK,
    BackendSettings,
    load_backend_settings,
    local_state_file,
)
from modules.config import REPO_ROOT
from modules.local_aws.local_apply import OVERRIDE_FILE, local_aws_env, prepare_in_place
from modules.pipeline.run import stack_region
from modules.pipeline.terraform import run_terraform

STATE_FILE = f"terraform.{BOOTSTRAP_STACK}.tfstate"
WANTED = {"aws_s3_bucket", "aws_dynamodb_table"}


@dataclass(frozen=True)
class Project:
    """A temporary project root holding a copy of `backend.tf.json` and its synthesized output."""

    root: Path

    @classmethod
    def create(cls, root: Path, bootstrap_state: str = "local") -> "Project":
        root.mkdir(parents=True, exist_ok=True)
        project = cls(root.resolve())
        project.backend_file.write_text(BACKEND_FILE.read_text())
        project.set_bootstrap_state(bootstrap_state)
        return project

    @property
    def backend_file(self) -> Path:
        return self.root / "backend.tf.json"

    @property
    def outdir(self) -> Path:
        return self.root / "cdktf.out"

    @property
    def stack_dir(self) -> Path:
        return self.outdir / "stacks" / BOOTSTRAP_STACK

    @property
    def state_file(self) -> Path:
        return self.root / STATE_FILE

    def settings(self) -> BackendSettings:
        return load_backend_settings(self.backend_file)

    def set_bootstrap_state(self, value: str, kms_key_id: str | None = None) -> None:
        """README step 2 edits: `bootstrap_state` and, with "s3", the state key's ARN."""
        document = json.loads(self.backend_file.read_text())
        document["//"]["bootstrap_state"] = value
        if kms_key_id:
            document["terraform"]["backend"]["s3"]["kms_key_id"] = kms_key_id
        self.backend_file.write_text(json.dumps(document, indent=2) + "\n")

    def state_key_arn(self) -> str:
        """Output `state_kms_key_arn` of the bootstrap's local state."""
        return json.loads(self.state_file.read_text())["outputs"]["state_kms_key_arn"]["value"]

    def synth(self) -> None:
        """`make synth` for this project: `cdktf.out` replaced whole."""
        from systems.app import build_and_synthesize

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(backend_module, "REPO_ROOT", self.root)
            patch.setenv("PF_BACKEND_FILE", str(self.backend_file))
            assert build_and_synthesize(self.outdir, [BOOTSTRAP_STACK]) == [BOOTSTRAP_STACK]

    def backend(self) -> dict:
        return json.loads((self.stack_dir / "cdk.tf.json").read_text())["terraform"]["backend"]

    def copy_to(self, root: Path) -> "Project":
        """The whole project (state file, `cdktf.out` with `.terraform/`) at another root; every
        path inside is relative, so the copy works on its own."""
        shutil.copytree(self.root, root, symlinks=True)
        return Project(root.resolve())


def managed_types(state: dict) -> set[str]:
    return {r["type"] for r in state["resources"] if r["mode"] == "managed"}


def resource_ids(state: dict) -> dict[str, str]:
    """Managed address -> the id of the object it tracks."""
    return {f"{r['type']}.{r['name']}": r["instances"][0]["attributes"]["id"]
            for r in state["resources"] if r["mode"] == "managed"}


def bucket_state(aws, settings: BackendSettings) -> dict | None:
    """The bootstrap's state object in the bucket, or None when there is none."""
    try:
        body = aws("s3").get_object(Bucket=settings.bucket,
                                    Key=settings.state_key(BOOTSTRAP_STACK))["Body"].read()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"NoSuchKey", "404"}:
            return None
        raise
    return json.loads(body)


def forget_bucket_state(aws, settings: BackendSettings) -> None:
    """Every version of the bootstrap's state object and its DynamoDB digest row, deleted: each
    step-2 test starts from a bucket that holds no state of the bootstrap yet."""
    key = settings.state_key(BOOTSTRAP_STACK)
    listed = aws("s3").list_object_versions(Bucket=settings.bucket, Prefix=key)
    for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        if version["Key"] == key:
            aws("s3").delete_object(Bucket=settings.bucket, Key=key,
                                    VersionId=version["VersionId"])
    aws("dynamodb").delete_item(TableName=settings.dynamodb_table,
                                Key={"LockID": {"S": f"{settings.bucket}/{key}-md5"}})


# -- fast: where the synthesized local backend puts the bootstrap state -------------------------

def test_bootstrap_local_state_is_at_the_project_root_outside_cdktf_out(tmp_path: Path):
    assert local_state_file(BOOTSTRAP_STACK) == REPO_ROOT / STATE_FILE

    project = Project.create(tmp_path / "project", bootstrap_state="local")
    project.synth()
    backend = project.backend()
    assert backend == {"local": {"path": f"../../../{STATE_FILE}"}}, backend
    resolved = (project.stack_dir / backend["local"]["path"]).resolve()
    assert resolved == project.state_file
    assert not resolved.is_relative_to(project.outdir)

    # `make synth` replaces cdktf.out whole; the state file at the root is not part of it.
    project.state_file.write_text('{"version": 4}\n')
    (project.stack_dir / "leftover.json").write_text("{}\n")
    project.set_bootstrap_state(
        "s3", "arn:aws:kms:us-east-1:618048437522:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    project.synth()
    assert not (project.stack_dir / "leftover.json").exists()
    assert project.state_file.read_text() == '{"version": 4}\n'
    settings = project.settings()
    assert project.backend()["s3"]["key"] == settings.state_key(BOOTSTRAP_STACK) == \
        f"{settings.key_prefix}/{BOOTSTRAP_STACK}/terraform.tfstate"


# -- on the emulator: step 1 once, then step 2 in a copy of the project per test ----------------

@dataclass(frozen=True)
class Bootstrapped:
    project: Project
    env: dict[str, str]
    applied: str
    state: bytes


@pytest.fixture(scope="module")
def step_1(module_emulator, tmp_path_factory: pytest.TempPathFactory) -> Bootstrapped:
    """README step 1: synthesize, then `terraform init` and `apply` in the stack's folder."""
    project = Project.create(tmp_path_factory.mktemp("step1") / "project", bootstrap_state="local")
    project.synth()
    extra = prepare_in_place(project.stack_dir, module_emulator.endpoint)
    assert extra == [], "a local backend needs no -backend-config"
    env = local_aws_env(stack_region(project.stack_dir))
    run_terraform(["init", "-input=false", "-no-color"], project.stack_dir, env)
    applied = run_terraform(["apply", "-auto-approve", "-input=false", "-no-color"],
                            project.stack_dir, env)
    assert project.state_file.is_file(), f"no {STATE_FILE} at the project root"
    return Bootstrapped(project, env, applied.stdout, project.state_file.read_bytes())


def step_2(step_1: Bootstrapped, root: Path, endpoint: str, aws,
           before_init=lambda project: None) -> tuple[Project, str]:
    """README step 2 in a copy of the step-1 project: `"bootstrap_state": "s3"`, synthesize,
    `terraform init -migrate-state -force-copy` against the emulator's S3 backend."""
    project = step_1.project.copy_to(root)
    forget_bucket_state(aws, project.settings())
    project.set_bootstrap_state("s3", project.state_key_arn())
    project.synth()
    extra = prepare_in_place(project.stack_dir, endpoint)
    before_init(project)
    init = run_terraform(["init", "-migrate-state", "-force-copy", "-input=false", "-no-color",
                          *extra], project.stack_dir, step_1.env)
    return project, init.stdout


@pytest.mark.integration
def test_step_1_keeps_the_bootstrap_state_at_the_project_root(step_1, module_aws):
    assert "Apply complete! Resources: 10 added, 0 changed, 0 destroyed." in step_1.applied
    project = step_1.project
    assert managed_types(json.loads(step_1.state)) >= WANTED
    # Inside cdktf.out only Terraform's working data (.terraform/) and the emulator override.
    assert not (project.stack_dir / "terraform.tfstate").exists()
    inside = [p for p in project.outdir.rglob("*.tfstate") if ".terraform" not in p.parts]
    assert inside == [], inside
    assert (project.stack_dir / OVERRIDE_FILE).is_file()
    settings = project.settings()
    module_aws("s3").head_bucket(Bucket=settings.bucket)
    table = module_aws("dynamodb").describe_table(TableName=settings.dynamodb_table)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]


@pytest.mark.integration
def test_readme_step_2_as_written_moves_the_state_into_the_bucket(step_1, module_emulator,
                                                                  module_aws, tmp_path: Path):
    """`make synth` replaces cdktf.out but carries each stack's `.terraform/` (Terraform's record
    that the previous backend was the local file) into the new output, so
    `terraform init -migrate-state` finds the root state file and copies it into the bucket."""
    project, _ = step_2(step_1, tmp_path / "project", module_emulator.endpoint, module_aws)
    migrated = bucket_state(module_aws, project.settings())
    assert migrated is not None, (
        f"no s3://{project.settings().bucket}/{project.settings().state_key(BOOTSTRAP_STACK)} "
        "after `terraform init -migrate-state`")
    assert managed_types(migrated) >= WANTED


@pytest.mark.integration
def test_step_2_moves_the_root_state_into_the_bucket_when_terraform_is_given_it(
        step_1, module_emulator, module_aws, tmp_path: Path):
    """Step 2 on a synthesized output without Terraform's backend record (`.terraform/`), with
    the root state copied in as the stack folder's `terraform.tfstate`, which is the file
    `terraform init -migrate-state` migrates when no previous backend is recorded."""

    def give_terraform_the_state(project: Project) -> None:
        shutil.rmtree(project.stack_dir / ".terraform", ignore_errors=True)
        shutil.copy2(project.state_file, project.stack_dir / "terraform.tfstate")

    project, init = step_2(step_1, tmp_path / "project", module_emulator.endpoint, module_aws,
                           before_init=give_terraform_the_state)
    settings = project.settings()
    assert project.backend()["s3"]["key"] == settings.state_key(BOOTSTRAP_STACK)
    migrated = bucket_state(module_aws, settings)
    assert migrated is not None, init[-3000:]
    assert managed_types(migrated) >= WANTED
    assert resource_ids(migrated) == resource_ids(json.loads(step_1.state))
    head = module_aws("s3").head_object(Bucket=settings.bucket,
                                        Key=settings.state_key(BOOTSTRAP_STACK))
    # Written with the state key named in the backend, as the bucket policy demands.
    assert head.get("ServerSideEncryption") == "aws:kms", head
    assert head.get("SSEKMSKeyId") == project.state_key_arn() == settings.kms_key_id, head
    # The migrated state matches what exists: the plan against the S3 backend is empty.
    plan = run_terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color"],
                         project.stack_dir, step_1.env, check=False)
    assert plan.returncode == 0, (plan.stdout + plan.stderr)[-3000:]
    # Terraform copies; the root file is left as it was.
    assert project.state_file.read_bytes() == step_1.state
