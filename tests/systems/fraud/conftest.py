"""Helpers for the fraud-detection system's tests: synthesize its stack from a shipped env file
with settings overridden; one synthesis per environment and test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import environment, load_stack, merged, synth_system  # noqa: F401


def synth_fraud(outdir: Path, env: str = "dev", overrides: dict | None = None) -> Path:
    """Synthesize only the fraud stack of `env` into `outdir`; return the stack folder."""
    from systems.fraud import SYSTEM

    return synth_system(SYSTEM, outdir, env, overrides)[0]


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
