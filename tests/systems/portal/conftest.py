"""Helpers for the portal system's tests: synthesize every part of its prod stacks once per
session, with settings overridden when a test needs other values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import load_stack

PARTS = ("network", "auth", "database", "storage", "backend", "edge", "monitoring", "cicd")


def environment(env: str = "prod", overrides: dict | None = None):
    """`envs/<env>.toml` with `overrides` merged into its `[systems.portal]` table, validated."""
    return conftest.environment(env, {"systems": {"portal": overrides or {}}})


def synth_portal(outdir: Path, env: str = "prod", overrides: dict | None = None) -> dict[str, Path]:
    """Synthesize every portal part of `env` into `outdir`; return part -> stack folder."""
    from systems.portal import SYSTEM

    folders = conftest.synth_system(SYSTEM, outdir, env, {"systems": {"portal": overrides or {}}})
    return {folder.name.removeprefix(f"{env}-portal-"): folder for folder in folders}


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> dict[str, dict]:
    """part -> synthesized JSON of the prod portal stacks (one synthesis per session)."""
    folders = synth_portal(tmp_path_factory.mktemp("portal"))
    return {part: load_stack(folder) for part, folder in folders.items()}
