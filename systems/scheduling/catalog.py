"""The agent table (`agents.toml`) as typed data, and its rendering for one environment.

`Sources` says where the table, the instruction templates and the Lambda sources are; tests
point it at temporary copies to prove that a new row alone adds an agent (and its action group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from modules.config import EnvironmentBase, StrictModel, display_path, load_file, pattern
from modules.instructions import COLLABORATION_INSTRUCTION_MAX, check_length, render_instruction
from modules.lambda_package import source_root
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings

HERE = Path(__file__).resolve().parent
# Facts about the business that the instructions quote.
BUSINESS_HOURS = "8 AM to 5 PM"
BOOKING_WINDOW_DAYS = 30
MAX_COLLABORATORS = 10

AgentKey = pattern(r"^[a-z][a-z0-9]{1,19}$", "2-20 lowercase letters and digits, starting with a letter")
ActionGroupName = pattern(r"^[a-z][a-z0-9_]{1,30}$",
                          "2-31 lowercase letters, digits and '_', starting with a letter "
                          "(the folder name under lambda/scheduling/)")


@dataclass(frozen=True)
class Sources:
    """Where the system's data lives (defaults: this package and `lambda/scheduling/`)."""

    table: Path = HERE / "agents.toml"
    templates: Path = HERE / "instructions"
    lambda_root: Path = field(default_factory=lambda: source_root("scheduling"))


class SupervisorSpec(StrictModel):
    key: AgentKey
    description: Annotated[str, Field(min_length=1, max_length=200)]
    instruction_template: str


class CollaboratorSpec(SupervisorSpec):
    #: Folder under lambda/scheduling/ whose handler backs this agent's action group.
    action_group: ActionGroupName | None = None
    collaboration_instruction: Annotated[str, Field(min_length=1, max_length=COLLABORATION_INSTRUCTION_MAX)]


class AgentTable(StrictModel):
    supervisor: SupervisorSpec
    collaborator: Annotated[tuple[CollaboratorSpec, ...], Field(min_length=1, max_length=MAX_COLLABORATORS)]

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


@lru_cache(maxsize=8)
def load_agent_table(path: Path = Sources.table) -> AgentTable:
    return load_file(path, AgentTable)


@dataclass(frozen=True)
class RenderedAgent:
    """One agent ready for the constructs: names resolved, instruction rendered."""

    key: str
    name: str
    description: str
    instruction: str
    action_group: str | None = None
    collaboration_instruction: str = ""


def names_of(env: EnvironmentBase, settings: SchedulingSettings) -> SchedulingNames:
    return SchedulingNames(env.prefix, env.environment, env.account_id,
                           function_env_suffix=settings.function_env_suffix)


def render_agents(env: EnvironmentBase, settings: SchedulingSettings, table: AgentTable,
                  templates: Path) -> list[RenderedAgent]:
    """Supervisor first, then collaborators in table order."""
    names = names_of(env, settings)
    common = {
        "company": settings.agents.company_name,
        "environment": env.environment,
        "business_hours": BUSINESS_HOURS,
        "booking_window_days": BOOKING_WINDOW_DAYS,
        "collaborators": table.collaborator,
    }
    supervisor = table.supervisor
    agents = [RenderedAgent(
        key=supervisor.key, name=names.agent(supervisor.key), description=supervisor.description,
        instruction=render_instruction(templates, supervisor.instruction_template, common),
    )]
    for spec in table.collaborator:
        check_length(f"{display_path(Sources.table)} [{spec.key}]", "collaboration_instruction",
                     spec.collaboration_instruction, 1, COLLABORATION_INSTRUCTION_MAX)
        agents.append(RenderedAgent(
            key=spec.key, name=names.agent(spec.key), description=spec.description,
            instruction=render_instruction(templates, spec.instruction_template,
                                           {**common, "agent": spec}),
            action_group=spec.action_group,
            collaboration_instruction=spec.collaboration_instruction,
        ))
    return agents
