"""`[systems.scheduling]` of an env file: the multi-agent scheduling system's settings.

Every field has a default, so an env file states only what differs. Phases are cumulative:
"1" is the base system on mock data, "1.5" calls the real PF360 API, "2" adds scaling and
observability (DynamoDB, REST API, secrets, metrics, alarms, dashboards, tracing, SNS,
schedules, parameters), "3" the enterprise phase (not built yet, rejected). Phase-2 tables
below are read only from phase "2" on.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from modules.config import Region, StrictModel, log_retention, pattern
from modules.schedule import validate_schedule_expression

PHASES = ("1", "1.5", "2", "3")
BUILT_PHASES = ("1", "1.5", "2")
Email = pattern(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
                "an email address such as ops@example.com")
SsmName = pattern(r"^/[A-Za-z0-9_.\-/]{1,1010}$",
                  "an SSM parameter name starting with '/' (it holds the endpoint URL)")
HttpsOrigin = pattern(r"^https://[A-Za-z0-9.-]+(:\d+)?$", "an https:// origin without a path")


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


class TableSettings(StrictModel):
    """Phase 2 DynamoDB tables (keys and capacities are in systems/scheduling/tables.toml)."""

    #: "on_demand" scales to zero when idle; "provisioned" uses each table's read/write units
    #: with target-tracking auto scaling between them and `autoscaling_max_capacity`.
    capacity_mode: Literal["on_demand", "provisioned"] = "provisioned"
    autoscaling_max_capacity: int = Field(default=20, ge=1, le=40000)
    #: Target utilization (%) the auto scaling keeps.
    autoscaling_target_percent: int = Field(default=70, ge=20, le=90)
    #: Refuse table deletion (turn on in production).
    deletion_protection: bool = False
    #: Conversation turns expire after this many days (DynamoDB TTL on `expires_at`).
    conversation_ttl_days: int = Field(default=30, ge=1, le=3650)


class ApiSettings(StrictModel):
    """Phase 2 REST API `<prefix>-scheduling-api-<env>`; its stage is named after the environment."""

    #: Usage-plan rate limit for the API key.
    requests_per_minute: int = Field(default=1000, ge=1, le=600000)
    burst: int = Field(default=200, ge=1, le=10000)
    #: Browser origins allowed by CORS; none by default.
    cors_allow_origins: tuple[HttpsOrigin, ...] = ()
    #: Set the account's API Gateway CloudWatch role from this stack (one stack per account and
    #: region may; logging needs it once).
    manage_account_logging_role: bool = False


class AlarmSettings(StrictModel):
    """Phase 2 alarms (thresholds are the system's, in observability.py) and their recipients."""

    period_seconds: int = Field(default=300, ge=60, le=86400, multiple_of=60)
    evaluation_periods: int = Field(default=1, ge=1, le=100)
    #: Email subscriptions of both topics (each address confirms once); none by default.
    email_subscriptions: tuple[Email, ...] = ()
    #: SSM parameters holding HTTPS endpoints (chat or paging webhooks) for both topics; the URL
    #: stays out of the Terraform JSON.
    https_subscription_parameters: tuple[SsmName, ...] = ()


class ScheduleSettings(StrictModel):
    """Phase 2 EventBridge schedules of the maintenance Lambdas."""

    cleanup_sessions: str = "rate(1 day)"
    refresh_cache: str = "rate(1 hour)"
    daily_metrics: str = "cron(0 9 * * ? *)"

    @field_validator("cleanup_sessions", "refresh_cache", "daily_metrics")
    @classmethod
    def _expression(cls, value: str) -> str:
        return validate_schedule_expression(value)


class AppSettings(StrictModel):
    """Phase 2 application settings, written to SSM Parameter Store under
    `/<prefix>/<env>/scheduling/`; the Lambdas read them at cold start, so they change without
    a redeploy (edit the parameter, or this table and apply)."""

    business_hours: pattern(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
                            "HH:MM-HH:MM, e.g. 08:00-17:00") = "08:00-17:00"
    booking_window_days: int = Field(default=30, ge=1, le=365)
    #: Seconds a cached PF360 answer is served before it is fetched again.
    cache_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    #: Sessions idle this long are deleted by the daily cleanup.
    session_idle_days: int = Field(default=30, ge=1, le=365)
    use_cache: bool = True


class SchedulingSettings(StrictModel):
    #: Cumulative phase: "1" (mock data), "1.5" (real PF360 API), "2" (scaling and
    #: observability); "3" is not built yet.
    phase: str = "1"
    #: false keeps the unsuffixed Lambda names `pf-<group>-actions` already deployed in one
    #: environment; every other name always carries the environment.
    function_env_suffix: bool = True
    functions: FunctionSettings = FunctionSettings()
    pf360: Pf360Settings = Pf360Settings()
    agents: AgentSettings = AgentSettings()
    tables: TableSettings = TableSettings()
    api: ApiSettings = ApiSettings()
    alarms: AlarmSettings = AlarmSettings()
    schedules: ScheduleSettings = ScheduleSettings()
    settings: AppSettings = AppSettings()
    #: Share of requests X-Ray traces beyond the first one each second.
    tracing_sample_rate: float = Field(default=0.05, ge=0, le=1)

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
