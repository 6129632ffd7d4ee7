"""Helpers for the compliance baseline's tests: synthesize its stack from a shipped env file
with settings overridden; one synthesis per case and test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_stack, merged, synth_system


def synth_compliance(outdir: Path, env: str = "dev", overrides: dict | None = None) -> dict:
    """Synthesize only the compliance stack of `env` (selected there even when the env file
    does not, `overrides` merged into the env file) and return its JSON."""
    from systems.compliance import SYSTEM

    selected = merged({"systems": {"compliance": {}}}, overrides or {})
    return load_stack(synth_system(SYSTEM, outdir, env, selected)[0])


@pytest.fixture(scope="session")
def compliance_dev(tmp_path_factory) -> dict:
    return synth_compliance(tmp_path_factory.mktemp("compliance-dev"))


@pytest.fixture(scope="session")
def compliance_prod(tmp_path_factory) -> dict:
    """prod's env file with the baseline selected at its defaults (production posture), in a
    stack of its own (prod shares dev's account today, so the env files never select both)."""
    return synth_compliance(tmp_path_factory.mktemp("compliance-prod"), "prod",
                            {"systems": {"compliance": {"alerts": {
                                "email_subscriptions": ["security@example.com"]}}}})
