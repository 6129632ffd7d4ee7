"""The agent table (`agents.toml`) as typed data, and its rendering for one environment."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from modules.config import EnvironmentConfig, StrictModel, validate_as
from modules.errors import ConfigError
from modules.instructions import COLLABORATION_INSTRUCTION_MAX, check_length, render_instruction
from modules.naming import Naming

HERE = Path(__file__).resolve().parent
DEFAULT_TABLE = HERE / "agents.toml"
DEFAULT_TEMPLATES = HERE / "instructions"

AgentKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,19}$")]
# Seed 000's schedule facts that the instructions quote.
BUSINESS_HOURS = "8 AM to 5 PM"
BOOKING_WINDOW_DAYS = 30


class SupervisorSpec(StrictModel):
    key: AgentKey
    description: Annotated[str, Field(min_length=1, max_length=200)]
    instruction_template: str


class CollaboratorSpec(SupervisorSpec):
    #: Folder under lambda/ whose handler backs this agent's action group; None for no actions.
    action_group: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")] | None = None
    collaboration_instruction: Annotated[str, Field(min_length=1, max_length=COLLABORATION_INSTRUCTION_MAX)]


class AgentTable(StrictModel):
    supervisor: SupervisorSpec
    collaborator: Annotated[tuple[CollaboratorSpec, ...], Field(min_length=1, max_length=10)]

    @model_validator(mode="before")
    @classmethod
    def _lists_to_tuples(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("collaborator"), list):
            data = {**data, "collaborator": tuple(data["collaborator"])}
        return data

    @model_validator(mode="after")
    def _unique(self) -> "AgentTable":
        keys = [self.supervisor.key] + [c.key for c in self.collaborator]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise ValueError(f"agent keys must be unique; repeated: {', '.join(sorted(duplicates))}")
        groups = [c.action_group for c in self.collaborator if c.action_group]
        if len(groups) != len(set(groups)):
            raise ValueError("an action group can back only one agent")
        return self

    @property
    def agent_keys(self) -> tuple[str, ...]:
        return (self.supervisor.key, *(c.key for c in self.collaborator))

    @property
    def action_groups(self) -> tuple[str, ...]:
        return tuple(c.action_group for c in self.collaborator if c.action_group)


def parse_agent_table(data: dict, source: str) -> AgentTable:
    return validate_as(AgentTable, data, source)


@lru_cache(maxsize=8)
def load_agent_table(path: Path = DEFAULT_TABLE) -> AgentTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path.name, "(syntax)", f"not valid TOML: {exc}") from None
    return parse_agent_table(data, path.name)


@dataclass(frozen=True)
class RenderedAgent:
    """One agent ready for the constructs: names resolved, instruction rendered."""

    key: str
    name: str
    description: str
    instruction: str
    is_supervisor: bool
    action_group: str | None = None
    collaboration_instruction: str | None = None


def naming_for(config: EnvironmentConfig) -> Naming:
    return Naming(config.prefix, config.environment, config.account_id,
                  config.naming.function_env_suffix)


def render_agents(
    config: EnvironmentConfig, table: AgentTable, templates: Path = DEFAULT_TEMPLATES
) -> list[RenderedAgent]:
    """Supervisor first, then collaborators in table order."""
    naming = naming_for(config)
    common = {
        "company": config.agents.company_name,
        "environment": config.environment,
        "business_hours": BUSINESS_HOURS,
        "booking_window_days": BOOKING_WINDOW_DAYS,
        "collaborators": table.collaborator,
    }
    supervisor = table.supervisor
    agents = [RenderedAgent(
        key=supervisor.key, name=naming.agent(supervisor.key), description=supervisor.description,
        instruction=render_instruction(templates, supervisor.instruction_template, common),
        is_supervisor=True,
    )]
    for spec in table.collaborator:
        check_length(f"agents.toml [{spec.key}]", "collaboration_instruction",
                     spec.collaboration_instruction, 1, COLLABORATION_INSTRUCTION_MAX)
        agents.append(RenderedAgent(
            key=spec.key, name=naming.agent(spec.key), description=spec.description,
            instruction=render_instruction(templates, spec.instruction_template,
                                           {**common, "agent": spec}),
            is_supervisor=False, action_group=spec.action_group,
            collaboration_instruction=spec.collaboration_instruction,
        ))
    return agents


def validate_environment_names(
    config: EnvironmentConfig, path: Path, table: AgentTable | None = None
) -> None:
    """Fail before synthesis if any name this environment produces breaks an AWS rule,
    or any instruction does not render."""
    table = table or load_agent_table()
    problem = naming_for(config).first_violation(table.agent_keys, table.action_groups)
    if problem:
        raise ConfigError(path.name, "prefix/environment",
                          f"prefix {config.prefix!r} with environment {config.environment!r} "
                          f"{problem}")
    render_agents(config, table)
