"""`[systems.scheduling]` of an env file: the multi-agent scheduling system's settings.

Every field has a default, so an env file states only what differs. Phases are cumulative:
"1" is the base system on mock data, "1.5" calls the real PF360 API, "2" and "3" add the
scaling/observability and enterprise phases (not built yet, rejected).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from modules.config import Region, StrictModel, log_retention, pattern

PHASES = ("1", "1.5", "2", "3")
BUILT_PHASES = ("1", "1.5")


class FunctionSettings(StrictModel):
    """Sizing of the action-group Lambdas (Python 3.11, 256 MB, 30 s by default)."""

    memory_mb: int = Field(default=256, ge=128, le=10240)
    timeout_seconds: int = Field(default=30, ge=1, le=900)
    #: Caps each function's concurrency so a runaway agent loop cannot exhaust the account.
    reserved_concurrency: int = Field(default=10, ge=1, le=1000)
    #: CloudWatch retention; >= 365 passes CKV_AWS_338.
    log_retention_days: int = 365
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


class Pf360Settings(StrictModel):
    """The PF360 API called from phase 1.5 on. Credentials live in Secrets Manager only."""

    api_base_url: pattern(r"^https://[A-Za-z0-9.-]+(:\d+)?(/.*)?$", "an https:// URL") = (
        "https://api.pf360.com"
    )
    client_id: pattern(r"^[A-Za-z0-9_-]{1,64}$", "1-64 letters, digits, '-' or '_'") = "09PF05VD"


class AgentSettings(StrictModel):
    """Settings shared by all agents of the system."""

    #: Cross-region inference profile id.
    foundation_model: pattern(r"^[a-z0-9.:-]+$", "a Bedrock model or inference profile id such as "
                              "'us.anthropic.claude-sonnet-4-5-20250929-v1:0'") = (
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    )
    #: Regions the inference profile may route to; IAM allows the model in each.
    inference_regions: Annotated[tuple[Region, ...], Field(min_length=1, max_length=20)] = (
        "us-east-1", "us-east-2", "us-west-2")
    idle_session_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    #: Company name the instructions use when they speak to customers.
    company_name: Annotated[str, Field(min_length=1, max_length=60)] = "PF360"
    alias_name: pattern(r"^[0-9a-zA-Z][0-9a-zA-Z_-]{0,99}$",
                        "letters, digits, '-' and '_', starting with a letter or digit") = "v1"
    #: Attach a Bedrock guardrail (content + prompt-attack filters) to every agent.
    guardrail_enabled: bool = True
    #: Encrypt agents, Lambda environment, logs, schema bucket and secret with a customer key.
    customer_managed_key: bool = True


class SchedulingSettings(StrictModel):
    #: Cumulative phase: "1" (mock data) or "1.5" (real PF360 API); "2"/"3" are not built yet.
    phase: str = "1"
    #: false keeps the unsuffixed Lambda names `pf-<group>-actions` already deployed in one
    #: environment; every other name always carries the environment.
    function_env_suffix: bool = True
    functions: FunctionSettings = FunctionSettings()
    pf360: Pf360Settings = Pf360Settings()
    agents: AgentSettings = AgentSettings()

    @field_validator("phase")
    @classmethod
    def _built_phase(cls, value: str) -> str:
        if value not in PHASES:
            raise ValueError(f"allowed: {', '.join(repr(p) for p in BUILT_PHASES)}")
        if value not in BUILT_PHASES:
            raise ValueError(f"phase {value} is not built yet; allowed: "
                             f"{', '.join(repr(p) for p in BUILT_PHASES)}")
        return value

    def reaches(self, phase: str) -> bool:
        """True when this environment runs `phase` (phases are cumulative)."""
        return PHASES.index(self.phase) >= PHASES.index(phase)

    @property
    def uses_mock_data(self) -> bool:
        """Mock data is phase 1 only; from 1.5 on the Lambdas call the real PF360 API."""
        return not self.reaches("1.5")
