"""Helpers for the chatbot system's tests: synthesize its stack from a shipped env file with
settings overridden (`overrides` is a partial `[systems.chatbot]` table)."""

from __future__ import annotations

from pathlib import Path

from tests import conftest
from tests.conftest import load_stack, merged  # noqa: F401


def environment(env: str = "dev", overrides: dict | None = None):
    """`envs/<env>.toml` with `overrides` merged into its `[systems.chatbot]` table, validated."""
    return conftest.environment(env, {"systems": {"chatbot": overrides or {}}})


def synth_chatbot(outdir: Path, env: str = "dev", overrides: dict | None = None) -> Path:
    """Synthesize only the chatbot stack of `env` into `outdir`; return the stack folder."""
    from systems.chatbot import SYSTEM

    return conftest.synth_system(SYSTEM, outdir, env, {"systems": {"chatbot": overrides or {}}})[0]
