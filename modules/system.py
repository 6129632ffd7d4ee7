"""What the application needs to know about a system: its settings model, how to build its
stack (or stacks) and which names it produces. Systems live in `systems/<key>/` and register a
`System`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase, StrictModel


@dataclass(frozen=True)
class System:
    #: `[systems.<key>]` in env files; stack `<environment>-<key>`; `lambda/<key>/`.
    key: str
    #: One line for `--help` and the README.
    title: str
    #: The model of the `[systems.<key>]` table; every field has a default.
    settings: type[StrictModel]
    #: Fills the stack from the settings: `build(stack, settings)`; for a system with `parts`,
    #: `build(stacks, settings)` once, `stacks` mapping each part to its stack in order.
    build: Callable[[Any, Any], None]
    #: Every account- or region-scoped name the stack will create, with its rule. Called before
    #: synthesis; may raise ConfigError for other problems found without synthesizing (for
    #: example an instruction template that does not render).
    names: Callable[[EnvironmentBase, Any], list[tuple[NameRule, str]]]
    #: `Project` tag of every resource; default the key.
    project_tag: str | None = None
    #: The stacks of one environment, in deployment order, from the settings: stack ids
    #: `<environment>-<key>-<part>`, each with its own state. None: one stack `<environment>-<key>`.
    #: Values flow between parts as CDKTF cross-stack references (an output in the producer, a
    #: `terraform_remote_state` in the consumer).
    parts: Callable[[Any], list[str]] | None = None
