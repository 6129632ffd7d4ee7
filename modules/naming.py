"""Names of AWS resources: one base every system's names build on, and their rule checks.

A system subclasses `Naming` with one method per name it produces and lists every such name
with its `NameRule` in `all_names()`. The application checks each name against its rule before
synthesis, and refuses two stacks that would produce the same name where AWS needs it unique
(see `NameRule.scope`).
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aws_rules import NameRule


@dataclass(frozen=True)
class Naming:
    prefix: str
    environment: str
    account_id: str

    def env(self, name: str) -> str:
        """`name-<environment>`: several environments can share one account."""
        return f"{name}-{self.environment}"

    def all_names(self) -> list[tuple[NameRule, str]]:
        """Every name the stack produces, with its rule; systems override this."""
        return []


def first_violation(names: list[tuple[NameRule, str]]) -> str | None:
    """The first name that breaks its service's rule, as a sentence; None when all are valid."""
    for rule, name in names:
        problem = rule.violation(name)
        if problem:
            return f"gives {rule.service} name {name!r}, which {problem}"
    return None
