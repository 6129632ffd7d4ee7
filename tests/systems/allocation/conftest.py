"""Helpers for the asset-allocation tests: synthesize its stack from a shipped env file with
settings overridden; one synthesis per case and test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_stack, merged, synth_system


def synth_allocation(outdir: Path, env: str = "dev", overrides: dict | None = None) -> dict:
    """Synthesize only the allocation stack of `env` (selected there even when the env file
    does not, `overrides` merged into the env file) and return its JSON."""
    from systems.allocation import SYSTEM

    selected = merged({"systems": {"allocation": {}}}, overrides or {})
    return load_stack(synth_system(SYSTEM, outdir, env, selected)[0])


@pytest.fixture(scope="session")
def allocation_dev(tmp_path_factory) -> dict:
    return synth_allocation(tmp_path_factory.mktemp("allocation-dev"))


@pytest.fixture(scope="session")
def allocation_prod(tmp_path_factory) -> dict:
    """prod's env file with the system at its defaults (the production shape), plus CORS
    origins and an alarm address."""
    return synth_allocation(tmp_path_factory.mktemp("allocation-prod"), "prod", {"systems": {
        "allocation": {"storage": {"cors_allow_origins": ["https://app.example.com"]},
                       "alarms": {"email_subscriptions": ["ops@example.com"]}}}})
