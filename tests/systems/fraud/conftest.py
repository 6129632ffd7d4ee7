"""Helpers for the fraud-detection system's tests: synthesize its stack from a shipped env file
with settings overridden; one synthesis per environment and test session."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import pytest

from modules.config import REPO_ROOT, validate_as


def merged(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def environment(env: str = "dev", overrides: dict | None = None):
    from systems.app import EnvironmentFile

    raw = tomllib.loads((REPO_ROOT / "envs" / f"{env}.toml").read_text())
    return validate_as(EnvironmentFile, merged(raw, overrides or {}), f"envs/{env}.toml (test)")


def synth_fraud(outdir: Path, env: str = "dev", overrides: dict | None = None) -> Path:
    """Synthesize only the fraud stack of `env` into `outdir`; return the stack folder."""
    from cdktf import App

    from modules.backend import load_backend_settings
    from modules.stacks.system_stack import build_system_stack
    from modules.suppressions import suppressions_of
    from systems.fraud import SYSTEM

    config = environment(env, overrides)
    app = App(outdir=str(outdir))
    stack = build_system_stack(app, config, SYSTEM, config.systems.fraud, load_backend_settings())
    app.synth()
    stack_dir = outdir / "stacks" / stack.node.id
    (stack_dir / "suppressions.json").write_text(
        json.dumps([s.to_json() for s in suppressions_of(stack)], indent=2))
    return stack_dir


def load_stack(stack_dir: Path) -> dict:
    return json.loads((stack_dir / "cdk.tf.json").read_text())


@pytest.fixture(scope="session")
def fraud_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fraud")
    return {env: synth_fraud(root / env, env) for env in ("dev", "prod")}


@pytest.fixture(scope="session")
def fraud_dev(fraud_dirs) -> dict:
    return load_stack(fraud_dirs["dev"])


@pytest.fixture(scope="session")
def fraud_prod(fraud_dirs) -> dict:
    return load_stack(fraud_dirs["prod"])
