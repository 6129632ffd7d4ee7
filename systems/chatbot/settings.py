"""`[systems.chatbot]` of an env file: the chatbot platform backend's settings.

Every field has a default, so an env file states only what differs. The specification's
environment differences are settings here: minimal retention in development, production with
extended retention, backups and more headroom (high availability).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from modules.config import Email, FunctionSizing, StrictModel, log_retention, pattern

HttpsUrl = pattern(r"^https://[a-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$",
                   "an https:// URL of lowercase host, optional port and path, no query")
# The REST API's CORS rule: exact https origins, or http://localhost for local front ends.
Origin = pattern(r"^(https://[a-z0-9.-]+(:\d{1,5})?|http://localhost(:\d{1,5})?)$",
                 "https://<lowercase host>[:port] or http://localhost[:port], no path")
Token = pattern(r"^[A-Za-z0-9._:/-]{1,128}$", "1-128 letters, digits and ._:/-")


class FunctionSettings(FunctionSizing):
    """Sizing and logs of the four Lambdas (authorizer, chat, sessions, salesforce)."""

    #: The chat function waits for the model; API Gateway stops waiting at 29 s.
    timeout_seconds: int = Field(default=29, ge=3, le=29)

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        value = log_retention(value)
        if value < 365:
            raise ValueError("must be at least 365 (checkov CKV_AWS_338) and a CloudWatch value")
        return value


class TableSettings(StrictModel):
    """The three tables are on-demand with point-in-time recovery in every environment."""

    deletion_protection: bool = False
    #: Daily AWS Backup copies of the three tables (vault under the customer key).
    backup: bool = False
    #: Days a daily backup is kept (when `backup` is on).
    backup_retention_days: int = Field(default=35, ge=7, le=3650)


class RetentionSettings(StrictModel):
    """How long chat data lives (DynamoDB TTL)."""

    #: A session expires this long after it was created or last used.
    session_ttl_hours: int = Field(default=24, ge=1, le=720)
    #: Chat messages expire this many days after they were written.
    history_ttl_days: int = Field(default=30, ge=1, le=3650)
    #: A cached Salesforce record is served this long before it is fetched again.
    cache_ttl_seconds: int = Field(default=900, ge=60, le=86400)


class ApiSettings(StrictModel):
    """The REST API `<prefix>-chatbot-api-<env>`; its stage is named after the environment."""

    #: Browser origins allowed by CORS; none by default (then no preflight is answered).
    cors_allow_origins: tuple[Origin, ...] = ()
    #: Stage-wide steady rate (requests per second) and burst.
    requests_per_second: float = Field(default=20.0, gt=0, le=10000)
    burst: int = Field(default=40, ge=1, le=5000)
    #: Set the account's API Gateway CloudWatch role from this stack (one stack per account and
    #: region may).
    manage_account_logging_role: bool = False

    @field_validator("cors_allow_origins")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("an origin is listed twice")
        return value


class AuthSettings(StrictModel):
    """JWTs (HS256, signed with the JWT secret by the platform's login service) the API accepts."""

    issuer: Token = "pf-chatbot"
    audience: Token = "pf-chatbot-api"
    #: Seconds API Gateway caches an authorizer decision per token (0: check every request).
    authorizer_cache_seconds: int = Field(default=300, ge=0, le=3600)


class OpenAiSettings(StrictModel):
    """The OpenAI-compatible chat completion API the chat function calls."""

    api_base_url: HttpsUrl = "https://api.openai.com/v1"
    model: pattern(r"^[A-Za-z0-9._:/-]{1,100}$", "a model id such as gpt-4o-mini") = "gpt-4o-mini"
    max_tokens: int = Field(default=512, ge=16, le=16384)
    #: Earlier messages of the session sent with each question.
    history_messages: int = Field(default=10, ge=0, le=100)


class SalesforceSettings(StrictModel):
    """The Salesforce org the lookups read (OAuth client-credentials flow)."""

    instance_url: HttpsUrl = "https://login.salesforce.com"
    api_version: pattern(r"^v\d{2,3}\.\d$", "a REST API version such as v61.0") = "v61.0"


class AlarmSettings(StrictModel):
    """The API-error and Lambda-error alarms and who is told."""

    #: API client errors (4XX) as a share of requests, in percent, above which the alarm fires.
    api_error_rate_percent: float = Field(default=5.0, gt=0, le=100)
    #: Lambda errors (all four functions together) per period above which the alarm fires.
    lambda_errors: int = Field(default=5, ge=0, le=100000)
    period_seconds: int = Field(default=300, ge=60, le=86400, multiple_of=60)
    evaluation_periods: int = Field(default=1, ge=1, le=100)
    #: Email subscriptions of the alert topic (each address confirms once).
    email_subscriptions: tuple[Email, ...] = ()

    @field_validator("email_subscriptions")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len({v.lower() for v in value}) != len(value):
            raise ValueError("an address is listed twice")
        return value


class ChatbotSettings(StrictModel):
    functions: FunctionSettings = FunctionSettings()
    tables: TableSettings = TableSettings()
    retention: RetentionSettings = RetentionSettings()
    api: ApiSettings = ApiSettings()
    auth: AuthSettings = AuthSettings()
    openai: OpenAiSettings = OpenAiSettings()
    salesforce: SalesforceSettings = SalesforceSettings()
    alarms: AlarmSettings = AlarmSettings()
