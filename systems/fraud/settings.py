"""`[systems.fraud]` of an env file: the fraud-detection system's settings.

Every field has a default, so an env file states only what differs (production keeps the
defaults: highly available, compliance-locked audit logs, tables that refuse deletion).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from modules.config import Email, FunctionSizing, Region, StrictModel, pattern

ModelId = pattern(r"^[a-z0-9.:-]+$", "a Bedrock model or inference profile id such as "
                  "'us.anthropic.claude-sonnet-4-5-20250929-v1:0'")


class AgentSettings(StrictModel):
    """The fraud-analysis agent, its guardrail and its knowledge base."""

    #: The seed's Claude 3 Sonnet is retired on Bedrock; its current successor, through the
    #: US cross-region inference profile.
    foundation_model: ModelId = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    #: Regions the inference profile may route to; IAM allows the model in each.
    inference_regions: Annotated[tuple[Region, ...], Field(min_length=1, max_length=20)] = (
        "us-east-1", "us-east-2", "us-west-2")
    #: Alias name; empty uses the environment's name (an alias per environment).
    alias_name: pattern(r"^([0-9a-zA-Z][0-9a-zA-Z_-]{0,99})?$",
                        "letters, digits, '-' and '_', starting with a letter or digit") = ""
    idle_session_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    #: Embedding model of the knowledge base and the length of its vectors.
    embedding_model: ModelId = "amazon.titan-embed-text-v2:0"
    embedding_dimensions: Literal[256, 512, 1024] = 1024
    #: Standby replicas of the vector collection in a second Availability Zone.
    standby_replicas: bool = True


class FunctionSettings(FunctionSizing):
    """Sizing of the Lambdas (Python 3.11)."""

    memory_mb: int = Field(default=512, ge=128, le=10240)
    timeout_seconds: int = Field(default=60, ge=1, le=900)
    #: Caps each function's concurrency so a burst cannot exhaust the account.
    reserved_concurrency: int = Field(default=20, ge=1, le=1000)


class StreamSettings(StrictModel):
    """The two Kinesis streams (ON_DEMAND) and the processor's event source mapping."""

    transactions_retention_hours: int = Field(default=48, ge=24, le=8760)
    events_retention_hours: int = Field(default=24, ge=24, le=8760)
    batch_size: int = Field(default=100, ge=1, le=10000)
    max_batching_window_seconds: int = Field(default=5, ge=0, le=300)
    #: Retries of a failing batch (bisected each time) before it goes to the dead-letter queue.
    maximum_retry_attempts: int = Field(default=3, ge=0, le=100)
    maximum_record_age_seconds: int = Field(default=3600, ge=60, le=604800)
    parallelization_factor: int = Field(default=1, ge=1, le=10)


class StorageSettings(StrictModel):
    """Tables and buckets."""

    #: Refuse table deletion.
    deletion_protection: bool = True
    #: Days a decision is kept in the decisions table (TTL); the audit trail keeps it longer.
    decision_ttl_days: int = Field(default=90, ge=1, le=3650)
    #: Days a transaction is kept in the transactions table (TTL).
    transaction_ttl_days: int = Field(default=365, ge=1, le=3650)
    #: Object Lock of the audit-log bucket: COMPLIANCE (nobody can delete a record before its
    #: retention ends) or GOVERNANCE (privileged users can, e.g. to clean up a test account).
    audit_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "COMPLIANCE"
    #: Days each audit record is locked, and after which it expires.
    audit_retention_days: int = Field(default=365, ge=1, le=3650)
    #: Storage-class transitions of audit logs and decision trails (days after creation).
    infrequent_access_days: int = Field(default=30, ge=30, le=3650)
    glacier_days: int = Field(default=90, ge=31, le=3650)
    #: Days decision trails are kept.
    decision_trail_days: int = Field(default=730, ge=2, le=3650)

    @model_validator(mode="after")
    def _ordered(self) -> "StorageSettings":
        if not self.infrequent_access_days < self.glacier_days < min(self.audit_retention_days,
                                                                     self.decision_trail_days):
            raise ValueError("infrequent_access_days < glacier_days < audit_retention_days and "
                             "decision_trail_days")
        return self


class DetectionSettings(StrictModel):
    """The stream processor's rules (thresholds passed to it as environment variables)."""

    #: Score (0-1) from which a transaction is declined and FraudDetected is published.
    block_score: float = Field(default=0.8, gt=0, le=1)
    #: Score from which a transaction is sent to review (and to the agent when enabled).
    review_score: float = Field(default=0.5, gt=0, le=1)
    #: Amount (in the transaction's currency) counted as high.
    high_amount: float = Field(default=5000, gt=0)
    #: Countries whose transactions count as high-risk (ISO 3166-1 alpha-2).
    high_risk_countries: tuple[pattern(r"^[A-Z]{2}$", "two capital letters"), ...] = ()
    #: Ask the agent about transactions in the review band.
    ask_agent: bool = False

    @model_validator(mode="after")
    def _bands(self) -> "DetectionSettings":
        if self.review_score >= self.block_score:
            raise ValueError("review_score must be below block_score")
        return self


class AlarmSettings(StrictModel):
    period_seconds: int = Field(default=300, ge=60, le=86400, multiple_of=60)
    evaluation_periods: int = Field(default=1, ge=1, le=100)
    #: Lambda duration alarm threshold, as a share of the function timeout.
    duration_share: float = Field(default=0.8, gt=0, le=1)
    #: Kinesis iterator age (ms) above which the processor is falling behind.
    iterator_age_ms: int = Field(default=60000, ge=1000)
    #: Email subscriptions of the alerts topic (each address confirms once).
    email_subscriptions: tuple[Email, ...] = ()


class FraudSettings(StrictModel):
    agent: AgentSettings = AgentSettings()
    functions: FunctionSettings = FunctionSettings()
    streams: StreamSettings = StreamSettings()
    storage: StorageSettings = StorageSettings()
    detection: DetectionSettings = DetectionSettings()
    alarms: AlarmSettings = AlarmSettings()
