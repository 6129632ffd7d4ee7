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
    from modules.app import build_and_synthesize

    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    build_and_synthesize(outdir)
    return outdir


@pytest.fixture(scope="session")
def stacks(synth_dir: Path) -> dict[str, dict]:
    return {p.name: json.loads((p / "cdk.tf.json").read_text())
            for p in sorted((synth_dir / "stacks").iterdir())}


@pytest.fixture(scope="session")
def dev(stacks: dict[str, dict]) -> dict:
    return stacks["dev"]


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
