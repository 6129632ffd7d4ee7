"""The SOC2 control table (`controls.toml`): each control's Config rules, resources and checkov
checks. The rules become `ManagedRule`s with their parameters filled from the settings."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from modules.config_recorder import ManagedRule
from modules.errors import ConfigError
from systems.compliance.settings import ComplianceSettings

TABLE = Path(__file__).with_name("controls.toml")


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    resources: tuple[str, ...]
    checkov: tuple[str, ...]
    rules: tuple[dict, ...]


def load_controls(path: Path = TABLE) -> list[Control]:
    raw = tomllib.loads(path.read_text())
    return [Control(c["id"], c["title"], tuple(c["resources"]), tuple(c["checkov"]),
                    tuple(c["rules"])) for c in raw["control"]]


def rule_names(controls: list[Control]) -> list[str]:
    return [rule["name"] for control in controls for rule in control.rules]


def managed_rules(settings: ComplianceSettings, controls: list[Control] | None = None,
                  prefix: str = "soc2") -> tuple[ManagedRule, ...]:
    """Every rule of the table not disabled, named `<prefix>-<rule>`, parameters rendered."""
    controls = controls if controls is not None else load_controls()
    known = rule_names(controls)
    unknown = sorted(set(settings.recorder.disabled_rules) - set(known))
    if unknown:
        raise ConfigError("", "systems.compliance.recorder.disabled_rules",
                          f"names {', '.join(unknown)}, not rules of the control table; allowed: "
                          f"{', '.join(known)}")
    context = {"password": settings.password, "trail": settings.trail}
    return tuple(
        ManagedRule(f"{prefix}-{rule['name']}", rule["identifier"],
                    tuple((key, str(value).format(**context))
                          for key, value in sorted(rule.get("parameters", {}).items())),
                    description=f"SOC2 {control.id}: {control.title}")
        for control in controls for rule in control.rules
        if rule["name"] not in settings.recorder.disabled_rules)
