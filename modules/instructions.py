"""Agent instructions as jinja2 templates, rendered per environment with strict variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from modules.config import display_path
from modules.errors import ConfigError

# Bedrock API limits (CreateAgent / AssociateAgentCollaborator).
INSTRUCTION_MIN = 40
INSTRUCTION_MAX = 4000
COLLABORATION_INSTRUCTION_MAX = 4000


def render_instruction(template_dir: Path, template_name: str, variables: dict[str, Any]) -> str:
    """Render one template; a missing variable or a length outside Bedrock's limits is an error
    naming the template."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for a model, not HTML
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    shown = display_path(template_dir / template_name)
    try:
        text = environment.get_template(template_name).render(**variables).strip()
    except jinja2.TemplateNotFound:
        raise ConfigError(shown, "(template)", "does not exist") from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(shown, "(variable)", f"{exc.message}; variables available: "
                          f"{', '.join(sorted(variables))}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(shown, f"line {exc.lineno}", f"template syntax error: {exc.message}") from None
    check_length(shown, "instruction", text, INSTRUCTION_MIN, INSTRUCTION_MAX)
    return text


def check_length(source: str, field: str, text: str, minimum: int, maximum: int) -> None:
    if not minimum <= len(text) <= maximum:
        raise ConfigError(source, field, f"is {len(text)} characters; Bedrock allows "
                          f"{minimum}-{maximum}")
