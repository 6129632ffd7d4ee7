"""Shared fixtures: each stack is synthesized once per session and the offline pipeline
(validate, plan, checkov) runs once per session; tests assert on their results."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# `main.main(...)` in tests synthesizes in this process (capsys sees its errors, monkeypatches
# apply, the jsii kernel is shared); tests/test_parallel_synth.py and the `cdktf synth` test
# run the parallel default.
os.environ.setdefault("PF_SYNTH_JOBS", "1")


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


def build_parts_demo(outdir: Path) -> Path:
    """A two-part system (`dev-demo-network` -> `dev-demo-data`, the second reading the first's
    parameter ARN and name across stacks), synthesized into `outdir`; returns `outdir`."""
    from cdktf import App

    from modules.aws import provider_module
    from modules.backend import load_backend_settings
    from modules.config import REPO_ROOT, StrictModel
    from modules.stacks.system_stack import build_system_stacks
    from modules.system import System
    from systems.app import load_environment

    class Settings(StrictModel):
        pass

    def build(stacks, settings) -> None:
        ssm = provider_module("ssm_parameter")
        source = ssm.SsmParameter(stacks["network"], "source", name="/pf-demo/dev/source",
                                  type="String", value="from-network")
        ssm.SsmParameter(stacks["data"], "reader", name="/pf-demo/dev/reader", type="String",
                         value=source.arn, description=source.name)

    system = System(key="demo", title="two parts", settings=Settings, build=build,
                    names=lambda env, settings: [], parts=lambda settings: ["network", "data"])
    env = load_environment(REPO_ROOT / "envs" / "dev.toml")
    app = App(outdir=str(outdir))
    build_system_stacks(app, env, system, Settings(), load_backend_settings())
    app.synth()
    return outdir


@pytest.fixture(scope="session")
def parts_demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_parts_demo(tmp_path_factory.mktemp("parts") / "cdktf.out")


# -- one system's stacks from a shipped env file with settings overridden ----------------------

def merged(base: dict, extra: dict) -> dict:
    """`extra` merged into a copy of `base`, tables recursively."""
    import copy

    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def environment(env: str = "dev", overrides: dict | None = None):
    """`envs/<env>.toml` with `overrides` (a partial env file) merged in, validated."""
    import tomllib

    from modules.config import REPO_ROOT, validate_as
    from systems.app import EnvironmentFile

    raw = tomllib.loads((REPO_ROOT / "envs" / f"{env}.toml").read_text())
    return validate_as(EnvironmentFile, merged(raw, overrides or {}), f"envs/{env}.toml (test)")


def synth_system(system, outdir: Path, env: str = "dev", overrides: dict | None = None,
                 settings=None) -> list[Path]:
    """Synthesize only `system`'s stacks of `env` (all parts) into `outdir`, each with its
    suppressions.json; return the stack folders in part order. `settings` replaces the env
    file's table for the system."""
    from cdktf import App

    from modules.backend import load_backend_settings
    from modules.stacks.system_stack import build_system_stacks
    from modules.suppressions import suppressions_of

    config = environment(env, overrides)
    outdir.mkdir(parents=True, exist_ok=True)
    app = App(outdir=str(outdir))
    chosen = settings if settings is not None else getattr(config.systems, system.key)
    stacks = build_system_stacks(app, config, system, chosen, load_backend_settings())
    app.synth()
    folders = []
    for stack in stacks:
        folder = outdir / "stacks" / stack.node.id
        (folder / "suppressions.json").write_text(
            json.dumps([s.to_json() for s in suppressions_of(stack)], indent=2))
        folders.append(folder)
    return folders


def load_stack(stack_dir: Path) -> dict:
    return json.loads((stack_dir / "cdk.tf.json").read_text())
