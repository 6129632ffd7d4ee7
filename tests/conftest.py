"""Shared fixtures: each stack is synthesized once per session and the offline pipeline
(validate, plan, checkov) runs once per session; tests assert on their results."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_tool(available: bool, what: str, hint: str) -> None:
    """Under CI=true a missing tool fails the test; elsewhere the skip says what is missing."""
    if available:
        return
    message = f"{what} is not available ({hint})"
    if IN_CI:
        pytest.fail(f"{message}; CI must have it")
    pytest.skip(message)


def terraform_available() -> None:
    from modules.pipeline.terraform import TERRAFORM_ENV

    require_tool(bool(os.environ.get(TERRAFORM_ENV) or shutil.which("terraform")), "terraform",
                 f"install Terraform >= 1.10 or set {TERRAFORM_ENV}")


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from systems.app import build_and_synthesize

    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    build_and_synthesize(outdir)
    return outdir


@pytest.fixture(scope="session")
def stacks(synth_dir: Path) -> dict[str, dict]:
    return {p.name: json.loads((p / "cdk.tf.json").read_text())
            for p in sorted((synth_dir / "stacks").iterdir())}


@pytest.fixture(scope="session")
def dev(stacks: dict[str, dict]) -> dict:
    """The dev stack of the scheduling system (`dev-scheduling`)."""
    return stacks["dev-scheduling"]


@pytest.fixture(scope="session")
def pipeline_runs(synth_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    from modules.pipeline.run import run_pipeline

    terraform_available()
    runs = run_pipeline(synth_dir, workroot=tmp_path_factory.mktemp("pipeline"),
                        progress=lambda message: None)
    return {run.name: run for run in runs}


def resources(stack: dict, resource_type: str) -> dict[str, dict]:
    return stack.get("resource", {}).get(resource_type, {})


def data_sources(stack: dict, data_type: str) -> dict[str, dict]:
    return stack.get("data", {}).get(data_type, {})


def one(stack: dict, resource_type: str) -> dict:
    found = resources(stack, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return next(iter(found.values()))


def ref_id(reference: str) -> str:
    """`${aws_x.logical_id.attr}` -> `logical_id`."""
    return reference.strip("${}").split(".")[1]


def policy_statements(stack: dict, policy_reference: str) -> list[dict]:
    """Statements of the policy document a `${data.aws_iam_policy_document.X.json}` names."""
    name = policy_reference.strip("${}").split(".")[2]
    return data_sources(stack, "aws_iam_policy_document")[name]["statement"]


def synth_construct(build, stack_id: str = "test") -> dict:
    """Build constructs alone in a bare stack (provider only) and return its synthesized JSON.

    `build(stack)` adds the constructs under test; the stack is never written to disk."""
    import cdktf
    from cdktf import App, TerraformStack

    from modules.aws import provider_module

    stack = TerraformStack(App(), stack_id)
    provider_module("provider").AwsProvider(stack, "aws", region="us-east-1")
    build(stack)
    return json.loads(cdktf.Testing.synth(stack))


def fake_package(folder: Path, name: str = "orders", with_schema: bool = True):
    """A tiny function package (a real zip and schema file) for construct tests."""
    import base64
    import hashlib
    import zipfile

    from modules.lambda_package import FunctionPackage, schema_key

    folder.mkdir(parents=True, exist_ok=True)
    zip_path = folder / f"{name}.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return {}\n")
    schema = folder / schema_key(name)
    if with_schema:
        schema.write_text('{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}')
    digest = base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
    return FunctionPackage(name=name, zip_path=zip_path, sha256_b64=digest,
                           schema_path=schema if with_schema else None)


def statements_of(stack: dict, role_name: str) -> dict[str, dict]:
    """Statements (by sid) of the inline policy on the role named `role_name`."""
    roles = {r["name"]: key for key, r in resources(stack, "aws_iam_role").items()}
    key = roles[role_name]
    policy = next(p for p in resources(stack, "aws_iam_role_policy").values()
                  if p["role"] == f"${{aws_iam_role.{key}.id}}")
    return {s["sid"]: s for s in policy_statements(stack, policy["policy"])}


def trust_of(stack: dict, role_name: str) -> dict:
    role = next(r for r in resources(stack, "aws_iam_role").values() if r["name"] == role_name)
    (statement,) = policy_statements(stack, role["assume_role_policy"])
    return statement
