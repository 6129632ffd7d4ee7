"""systems/scheduling/settings.py: the README's defaults are the model's defaults, env files
state only differences, phases are ordered and cumulative."""

from __future__ import annotations

import re
import tomllib

import pytest
from pydantic import BaseModel

from modules.config import REPO_ROOT
from systems.scheduling.settings import SchedulingSettings

SECTION = "`[systems.scheduling]`"


def readme_defaults() -> dict[str, object]:
    text = (REPO_ROOT / "README.md").read_text()
    table = text[text.index(SECTION):].split("\n\n")[1]
    rows = re.findall(r"^\| `([a-z0-9_.]+)` \| `(.+?)` \|", table, flags=re.M)
    assert rows, "README has no configuration table for [systems.scheduling]"
    return {field: tomllib.loads(f"v = {value}")["v"] for field, value in rows}


def model_defaults(model=SchedulingSettings(), prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in model:
        if isinstance(value, BaseModel):
            out.update(model_defaults(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = list(value) if isinstance(value, tuple) else value
    return out


def test_readme_lists_every_field_with_the_models_default():
    assert readme_defaults() == model_defaults()


def flatten(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_env_files_state_only_what_differs_from_the_defaults(env):
    raw = tomllib.loads((REPO_ROOT / "envs" / f"{env}.toml").read_text())
    stated = flatten(raw.get("systems", {}).get("scheduling", {}))
    defaults = model_defaults()
    restated = {k: v for k, v in stated.items() if k != "phase" and defaults.get(k) == v}
    assert restated == {}, f"envs/{env}.toml restates defaults: {restated}"


def test_phases_are_cumulative():
    assert SchedulingSettings().reaches("1") and not SchedulingSettings().reaches("1.5")
    staged = SchedulingSettings(phase="1.5")
    assert staged.reaches("1") and staged.reaches("1.5") and not staged.reaches("2")
    assert SchedulingSettings().uses_mock_data and not staged.uses_mock_data
