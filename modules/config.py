"""Environment configuration: `envs/<env>.toml` loaded into typed, validated models.

TOML because it has comments, no implicit typing surprises (YAML's `no`/`yes`/octal numbers),
a parser in the standard library (`tomllib`), and account ids stay strings when quoted.
Every field has a documented default; unknown keys are errors, never ignored.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from modules.aws_rules import KNOWN_REGIONS, LOG_RETENTION_DAYS
from modules.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVS_DIR = REPO_ROOT / "envs"


def envs_dir() -> Path:
    """`PF_ENVS_DIR` points at another folder of env files (tests, a fork of the config)."""
    return Path(os.environ.get("PF_ENVS_DIR") or ENVS_DIR)

Region = Literal[KNOWN_REGIONS]  # type: ignore[valid-type]
TagKey = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\w .:/=+@-]+$")]
TagValue = Annotated[str, Field(max_length=256, pattern=r"^[\w .:/=+@-]*$")]


class StrictModel(BaseModel):
    """Unknown keys are errors; values are not coerced between types (e.g. "30" is not 30)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


M = TypeVar("M", bound=BaseModel)


class Phases(StrictModel):
    """Which phases of seed 000 are switched on. Phase 1 is the base system and always on."""

    phase1: Literal[True] = True
    #: Phase 1.5: the action Lambdas call the real PF360 API (needs `[pf360]`).
    phase1_5: bool = False
    #: Not built yet: true is rejected rather than silently ignored.
    phase2: Literal[False] = False
    phase3: Literal[False] = False


class FunctionSettings(StrictModel):
    """Sizing of the action-group Lambdas (seed 000: 256 MB, 30 s, Python 3.11)."""

    memory_mb: int = Field(default=256, ge=128, le=10240)
    timeout_seconds: int = Field(default=30, ge=1, le=900)
    #: Caps each function's concurrency so a runaway agent loop cannot exhaust the account.
    reserved_concurrency: int = Field(default=10, ge=1, le=1000)
    #: `USE_MOCK_API`: true answers from the in-memory mock data (seed Phase 1).
    use_mock_api: bool = True
    #: CloudWatch retention; seed 000 had "indefinite", a gap we close. >= 365 passes CKV_AWS_338.
    log_retention_days: int = 365
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return value


class Pf360Settings(StrictModel):
    """The PF360 API used when phase 1.5 is on. Credentials live in Secrets Manager only."""

    api_base_url: Annotated[str, Field(pattern=r"^https://[A-Za-z0-9.-]+(:\d+)?(/.*)?$")] = (
        "https://api.pf360.com"
    )
    client_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = "09PF05VD"


class AgentSettings(StrictModel):
    """Settings shared by all agents of the system."""

    #: Cross-region inference profile id (seed 000).
    foundation_model: Annotated[str, Field(pattern=r"^[a-z0-9.:-]+$")] = (
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    )
    #: Regions the inference profile may route to; IAM allows the model in each.
    inference_regions: tuple[Region, ...] = ("us-east-1", "us-east-2", "us-west-2")
    idle_session_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    #: Company name the instructions use when they speak to customers.
    company_name: Annotated[str, Field(min_length=1, max_length=60)] = "PF360"
    alias_name: Annotated[str, Field(pattern=r"^[0-9a-zA-Z][0-9a-zA-Z_-]{0,99}$")] = "v1"
    #: Attach a Bedrock guardrail (content + prompt-attack filters) to every agent.
    guardrail_enabled: bool = True
    #: Encrypt agents, Lambda environment, logs and the schema bucket with a customer KMS key.
    customer_managed_key: bool = True

    @field_validator("inference_regions", mode="before")
    @classmethod
    def _list_to_tuple(cls, value: object) -> object:
        return tuple(value) if isinstance(value, list) else value


class NamingSettings(StrictModel):
    #: Seed 000's dev Lambdas are named `pf-<x>-actions` without the environment; other
    #: environments add `-<env>` so several environments can share one account.
    function_env_suffix: bool = True


class EnvironmentConfig(StrictModel):
    """One deployment environment (`envs/<environment>.toml`)."""

    #: Prefix of every resource name (seed 000: `pf`).
    #: Lowercase letters, digits and single hyphens; its length is bounded by the AWS name
    #: rules of every name it produces (checked with the names, see modules/naming.py).
    prefix: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    environment: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,15}$")]
    account_id: Annotated[str, Field(pattern=r"^\d{12}$")]
    region: Region
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, max_length=40)
    phases: Phases = Phases()
    functions: FunctionSettings = FunctionSettings()
    pf360: Pf360Settings = Pf360Settings()
    agents: AgentSettings = AgentSettings()
    naming: NamingSettings = NamingSettings()

    @field_validator("tags")
    @classmethod
    def _no_reserved_tag_prefix(cls, tags: dict[str, str]) -> dict[str, str]:
        for key in tags:
            if key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r} uses the prefix 'aws:', which AWS reserves")
        return tags

    @model_validator(mode="after")
    def _phase15_is_the_real_api(self) -> "EnvironmentConfig":
        if self.phases.phase1_5 and self.functions.use_mock_api:
            raise ValueError(
                "phases.phase1_5 = true calls the real PF360 API; set functions.use_mock_api = false"
            )
        if not self.phases.phase1_5 and not self.functions.use_mock_api:
            raise ValueError(
                "functions.use_mock_api = false calls the real PF360 API, which is phase 1.5; "
                "set phases.phase1_5 = true"
            )
        return self

    @property
    def stack_name(self) -> str:
        return f"{self.prefix}-{self.environment}"


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


# What a user should type, for fields whose rule is a regular expression.
_PATTERN_HINTS = {
    "account_id": "an AWS account id is exactly 12 digits, written as a quoted string",
    "prefix": "lowercase letters and digits, starting with a letter, parts joined by single '-'",
    "environment": "2-16 lowercase letters and digits, starting with a letter",
    "foundation_model": "a Bedrock model or inference profile id such as "
                        "'us.anthropic.claude-sonnet-4-5-20250929-v1:0'",
    "api_base_url": "an https:// URL",
    "client_id": "1-64 letters, digits, '-' or '_'",
    "alias_name": "letters, digits, '-' and '_', starting with a letter or digit",
    "key_prefix": "lowercase letters, digits, '-' and '_'",
}


def _describe(error: dict) -> str:
    kind = error["type"]
    if kind == "string_pattern_mismatch":
        field = str(error["loc"][-1]) if error["loc"] else ""
        hint = _PATTERN_HINTS.get(field, f"must match {error['ctx']['pattern']}")
        return f"got {error['input']!r}; {hint}"
    if kind == "extra_forbidden":
        return "unknown key; remove it or check its spelling (see README, configuration reference)"
    if kind == "literal_error":
        return f"got {error['input']!r}; {error['msg'].lower()}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{message} (got {error['input']!r})" if "input" in error and kind != "missing" else message


def validate_as(model: type[M], data: object, source: str) -> M:
    """Validate decoded file content; raise one ConfigError naming `source`, the first bad
    field and what is allowed (every configuration file of the project goes through here)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = len(exc.errors()) - 1
        suffix = f" ({more} more error{'s' if more > 1 else ''} after fixing this)" if more else ""
        raise ConfigError(source, _field_path(first["loc"]), _describe(first) + suffix) from None


def parse_environment(data: dict, source: str) -> EnvironmentConfig:
    """Validate a decoded TOML document; raise ConfigError naming `source` and the field."""
    return validate_as(EnvironmentConfig, data, source)


def load_environment(path: Path) -> EnvironmentConfig:
    """Load and validate one env file; the file stem must equal its `environment` field."""
    shown = _display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(shown, "(file)", "does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(shown, "(syntax)", f"not valid TOML: {exc}") from None
    config = parse_environment(data, shown)
    if config.environment != path.stem:
        raise ConfigError(
            shown, "environment",
            f"is {config.environment!r} but the file is named {path.name}; they must match",
        )
    return config


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def environment_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or envs_dir()).glob("*.toml"))
