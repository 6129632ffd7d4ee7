"""Helpers for the chatbot system's tests: synthesize its stack from a shipped env file with
settings overridden."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

from modules.config import REPO_ROOT, validate_as


def merged(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def environment(env: str = "dev", overrides: dict | None = None):
    """`envs/<env>.toml` with `overrides` merged into its `[systems.chatbot]` table, validated."""
    from systems.app import EnvironmentFile

    raw = tomllib.loads((REPO_ROOT / "envs" / f"{env}.toml").read_text())
    raw = merged(raw, {"systems": {"chatbot": overrides or {}}})
    return validate_as(EnvironmentFile, raw, f"envs/{env}.toml (test)")


def synth_chatbot(outdir: Path, env: str = "dev", overrides: dict | None = None) -> Path:
    """Synthesize only the chatbot stack of `env` into `outdir`; return the stack folder."""
    from cdktf import App

    from modules.backend import load_backend_settings
    from modules.stacks.system_stack import build_system_stack
    from modules.suppressions import suppressions_of
    from systems.chatbot import SYSTEM

    config = environment(env, overrides)
    outdir.mkdir(parents=True, exist_ok=True)
    app = App(outdir=str(outdir))
    stack = build_system_stack(app, config, SYSTEM, config.systems.chatbot,
                               load_backend_settings())
    app.synth()
    stack_dir = outdir / "stacks" / stack.node.id
    (stack_dir / "suppressions.json").write_text(
        json.dumps([s.to_json() for s in suppressions_of(stack)], indent=2))
    return stack_dir


def load_stack(stack_dir: Path) -> dict:
    return json.loads((stack_dir / "cdk.tf.json").read_text())
