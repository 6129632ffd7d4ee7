"""Typed configuration: the one file reader, one validation path and the environment base.

Every configuration file of the project (env files, `backend.tf.json`, data tables such as an
agent table) is read by `load_file` and validated by `validate_as`, so errors look the same
everywhere: one line naming the file (repository-relative), the first bad field and what is
allowed. TOML for hand-written files because it has comments, no implicit typing surprises
(YAML's `no`/`yes`/octal numbers) and a parser in the standard library.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from modules.aws_rules import KNOWN_REGIONS, LOG_RETENTION_DAYS
from modules.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVS_DIR = REPO_ROOT / "envs"

M = TypeVar("M", bound=BaseModel)

# What a user should type for a field whose rule is a regular expression, keyed by that
# expression; filled by `pattern()` next to each field.
_PATTERN_HINTS: dict[str, str] = {}


def pattern(regex: str, hint: str, **field: Any) -> Any:
    """A string field matching `regex`; a mismatch is reported with `hint`, not the regex."""
    _PATTERN_HINTS[regex] = hint
    return Annotated[str, Field(pattern=regex, **field)]


def envs_dir() -> Path:
    """`PF_ENVS_DIR` points at another folder of env files (tests, a fork of the config)."""
    return Path(os.environ.get("PF_ENVS_DIR") or ENVS_DIR)


Region = Literal[KNOWN_REGIONS]  # type: ignore[valid-type]
TagKey = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\w .:/=+@-]+$")]
TagValue = Annotated[str, Field(max_length=256, pattern=r"^[\w .:/=+@-]*$")]
Prefix = pattern(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
                 "lowercase letters and digits, starting with a letter, parts joined by single '-'")
EnvironmentName = pattern(r"^[a-z][a-z0-9]{1,15}$",
                          "2-16 lowercase letters and digits, starting with a letter")
AccountId = pattern(r"^\d{12}$", "an AWS account id is exactly 12 digits, written as a quoted string")


class StrictModel(BaseModel):
    """Unknown keys are errors; values are not coerced between types (e.g. "30" is not 30);
    lists in files become tuples, so every model is immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _lists_to_tuples(cls, value: object, info: Any) -> object:
        annotation = cls.model_fields[info.field_name].annotation
        origin = getattr(annotation, "__origin__", None)
        return tuple(value) if isinstance(value, list) and origin is tuple else value


def log_retention(value: int) -> int:
    """Validator for CloudWatch log retention fields (only these values are accepted)."""
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return value


Email = pattern(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
                "an email address such as ops@example.com")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class FunctionSizing(StrictModel):
    """Sizing and logs of a system's Lambdas. A system subclasses it, redeclaring a field to
    change its default or bounds."""

    memory_mb: int = Field(default=256, ge=128, le=10240)
    timeout_seconds: int = Field(default=30, ge=1, le=900)
    #: Caps each function's concurrency so a runaway caller cannot exhaust the account.
    reserved_concurrency: int = Field(default=10, ge=1, le=1000)
    #: CloudWatch retention of every log group; >= 365 passes checkov CKV_AWS_338.
    log_retention_days: int = 365
    log_level: LogLevel = "INFO"

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


class EnvironmentBase(StrictModel):
    """What every environment file states, whatever systems it deploys."""

    #: First part of every resource name (`pf`). Its length is bounded by the AWS name rules of
    #: every name it produces (checked with the names before synthesis).
    prefix: Prefix
    #: Must equal the file name (`dev` for `envs/dev.toml`).
    environment: EnvironmentName
    #: The provider refuses to plan or apply against any other account.
    account_id: AccountId
    region: Region
    #: Added to every resource of every stack of the environment.
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, max_length=40)

    @field_validator("tags")
    @classmethod
    def _no_reserved_tag_prefix(cls, tags: dict[str, str]) -> dict[str, str]:
        for key in tags:
            if key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r} uses the prefix 'aws:', which AWS reserves")
        return tags


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _shown_input(value: object) -> str:
    """Inputs are quoted in errors, but never a whole table or list (they can be huge)."""
    if isinstance(value, (dict, list, tuple)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model found at `loc` (the parent of an unknown key)."""
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        current = fields[part].annotation
        for arg in getattr(current, "__args__", ()):  # Optional[Model]
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def _describe(error: dict, model: type[BaseModel] | None = None) -> str:
    kind = error["type"]
    if kind == "string_pattern_mismatch":
        regex = error["ctx"]["pattern"]
        hint = _PATTERN_HINTS.get(regex, f"must match {regex}")
        return f"got {_shown_input(error['input'])}; {hint}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, tuple(error["loc"][:-1])) if model else []
        hint = f"allowed here: {', '.join(allowed)}" if allowed else \
            "see README, configuration reference"
        return f"unknown key; remove it or check its spelling ({hint})"
    if kind in {"too_long", "too_short"}:
        ctx = error.get("ctx", {})
        limit = ctx.get("max_length") if kind == "too_long" else ctx.get("min_length")
        bound = "at most" if kind == "too_long" else "at least"
        return f"has {ctx.get('actual_length', '?')} item(s); {bound} {limit} allowed"
    if kind == "literal_error":
        return f"got {_shown_input(error['input'])}; {error['msg'].lower()}"
    message = error["msg"].removeprefix("Value error, ")
    if "input" in error and kind != "missing":
        return f"{message} (got {_shown_input(error['input'])})"
    return message


def validate_as(model: type[M], data: object, source: str) -> M:
    """Validate decoded file content; raise one ConfigError naming `source`, the first bad
    field and what is allowed."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = len(exc.errors()) - 1
        suffix = f" ({more} more error{'s' if more > 1 else ''} after fixing this)" if more else ""
        raise ConfigError(source, _field_path(first["loc"]), _describe(first, model) + suffix) from None


def display_path(path: Path) -> str:
    """Repository-relative where possible (`systems/scheduling/agents.toml`)."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def read_document(path: Path) -> dict:
    """Read and decode one TOML or JSON file; a missing file or a syntax error is a ConfigError."""
    shown = display_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(shown, "(file)", "does not exist") from None
    if Path(path).suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(shown, "(syntax)", f"not valid JSON: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(shown, "(syntax)", f"not valid TOML: {exc}") from None


def load_file(path: Path, model: type[M]) -> M:
    """The one reader of configuration files: read, decode (TOML or JSON) and validate."""
    return validate_as(model, read_document(path), display_path(path))


def environment_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or envs_dir()).glob("*.toml"))
