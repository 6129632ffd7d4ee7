"""`[systems.scheduling]` of an env file: the multi-agent scheduling system's settings.

Every field has a default, so an env file states only what differs. Phases are cumulative:
"1" is the base system on mock data, "1.5" calls the real PF360 API, "2" adds scaling and
observability (DynamoDB, REST API, secrets, metrics, alarms, dashboards, tracing, SNS,
schedules, parameters), "3" the enterprise phase (network, Aurora, Redis, Cognito, WAF, DNS,
CDN, queues, workflows, streams, Glue, Athena). Phase-2 tables
below are read only from phase "2" on.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator

from modules.config import Email, FunctionSizing, Region, StrictModel, log_retention, pattern
from modules.schedule import validate_schedule_expression

PHASES = ("1", "1.5", "2", "3")
BUILT_PHASES = ("1", "1.5", "2", "3")
SsmName = pattern(r"^/[A-Za-z0-9_.\-/]{1,1010}$",
                  "an SSM parameter name starting with '/' (it holds the endpoint URL)")
HttpsOrigin = pattern(r"^https://[A-Za-z0-9.-]+(:\d+)?$", "an https:// origin without a path")


class FunctionSettings(FunctionSizing):
    """Sizing of the action-group Lambdas (Python 3.11, 256 MB, 30 s by default)."""


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


# -- phase 3: network, Aurora, Redis (read only from phase "3" on) ----------------------------
# Interface endpoints the VPC may get (service part of com.amazonaws.<region>.<service>).
INTERFACE_ENDPOINT_SERVICES = (
    "bedrock-agent-runtime", "bedrock-runtime", "secretsmanager", "ssm", "monitoring", "logs",
    "kms", "sqs", "sns", "kinesis-streams", "states", "sts", "xray")


class NetworkSettings(StrictModel):
    """Phase 3 VPC `<prefix>-scheduling-vpc-<env>` of the Lambdas that reach Aurora, Redis or
    PF360 (the specification needs a network and never describes one). The CIDR is split in
    eight: one private subnet per zone from the first blocks, the last block split again into
    small public subnets that hold only the NAT gateways."""

    #: Private (RFC 1918) IPv4 block of the VPC, /16 to /22.
    cidr: pattern(r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$", "an IPv4 CIDR such as 10.40.0.0/16") = (
        "10.40.0.0/16")
    #: Availability-zone letters of the region, one private and one public subnet each (their
    #: number is the zone count, 2-4); Aurora and Redis spread over them.
    availability_zones: Annotated[tuple[pattern(r"^[a-z]$", "one zone letter such as 'a'"), ...],
                                  Field(min_length=2, max_length=4)] = ("a", "b", "c")
    #: NAT gateways for PF360 egress: "single" (one, cheaper; dev and staging) or "per_zone"
    #: (one per zone, no cross-zone dependency; production).
    nat_gateways: Literal["single", "per_zone"] = "single"
    #: Interface endpoints (private DNS on) for the AWS APIs the VPC Lambdas call; S3 and
    #: DynamoDB always get free gateway endpoints. Anything else leaves through the NAT.
    interface_endpoints: tuple[Literal[INTERFACE_ENDPOINT_SERVICES], ...] = (  # type: ignore[valid-type]
        "bedrock-agent-runtime", "bedrock-runtime", "secretsmanager", "ssm", "monitoring")
    #: Flow logs record "ALL", "REJECT" or "ACCEPT" traffic; retention of their log group.
    flow_log_traffic: Literal["ALL", "REJECT", "ACCEPT"] = "ALL"
    flow_log_retention_days: int = 365

    @field_validator("cidr")
    @classmethod
    def _private_block(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value)
        except ValueError as error:
            raise ValueError(f"not an IPv4 network ({error})") from None
        if not network.is_private or not 16 <= network.prefixlen <= 22:
            raise ValueError("must be a private (RFC 1918) block from /16 to /22")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _distinct_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("zone letters must be distinct")
        return value

    @field_validator("flow_log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


class DatabaseSettings(StrictModel):
    """Phase 3 Aurora Serverless v2 cluster `<prefix>-analytics-db-<env>` (PostgreSQL 15,
    analytics, reporting and audit logs)."""

    #: Aurora PostgreSQL 15 minor version; automatic minor upgrades stay on, so raise this when
    #: AWS has upgraded the cluster.
    engine_version: pattern(r"^15\.\d{1,2}$", "an Aurora PostgreSQL 15 version such as '15.10'") = (
        "15.10")
    #: Serverless v2 capacity range in ACU (0.5 steps).
    min_capacity: float = Field(default=0.5, ge=0.5, le=256, multiple_of=0.5)
    max_capacity: float = Field(default=4, ge=1, le=256, multiple_of=0.5)
    #: A reader in a second zone beside the writer (failover target); off halves the cost.
    multi_az: bool = True
    backup_retention_days: int = Field(default=7, ge=1, le=35)
    #: Daily backup window (UTC, hh:mm-hh:mm, at least 30 minutes).
    backup_window: pattern(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
                           "hh:mm-hh:mm in UTC, e.g. 07:00-08:00") = "07:00-08:00"
    #: Refuse cluster deletion (turn on in production).
    deletion_protection: bool = False
    #: Performance Insights retention: 7 (free), a multiple of 31 up to 713, or 731.
    performance_insights_retention_days: int = 7
    #: Enhanced monitoring interval in seconds.
    monitoring_interval_seconds: Literal[1, 5, 10, 15, 30, 60] = 60
    #: Retention of the exported PostgreSQL log.
    log_retention_days: int = 365
    database_name: pattern(r"^[a-z][a-z0-9_]{0,62}$", "a lowercase PostgreSQL identifier") = (
        "analytics")

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, value: int) -> int:
        if value not in (7, 731) and not (value % 31 == 0 and 31 <= value <= 713):
            raise ValueError("must be 7, 731 or a multiple of 31 up to 713")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)

    @field_validator("max_capacity")
    @classmethod
    def _range(cls, value: float, info) -> float:
        if value < info.data.get("min_capacity", 0.5):
            raise ValueError("must be at least min_capacity")
        return value


class CacheSettings(StrictModel):
    """Phase 3 ElastiCache Redis replication group `<prefix>-session-cache-<env>` (session
    state and rate limiting): a primary and replicas in other zones with automatic failover."""

    engine_version: pattern(r"^7\.[01]$", "'7.0' or '7.1'") = "7.0"
    node_type: pattern(r"^cache\.[a-z0-9]+\.[a-z0-9]+$", "a node type such as cache.t4g.micro") = (
        "cache.t4g.micro")
    #: Replicas beside the primary (2 nodes by default).
    replicas: int = Field(default=1, ge=1, le=5)
    snapshot_retention_days: int = Field(default=7, ge=1, le=35)
    #: Daily snapshot window (UTC).
    snapshot_window: pattern(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
                             "hh:mm-hh:mm in UTC, e.g. 06:00-07:00") = "06:00-07:00"
    #: Retention of the slow and engine logs.
    log_retention_days: int = 365

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


# -- phase 3, edge (users, WAF, DNS, CDN) ---------------------------------------------------
Domain = pattern(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
                 "a lowercase DNS name such as scheduling-agent.com", max_length=200)
CountryCode = pattern(r"^[A-Z]{2}$", "an ISO 3166 alpha-2 country code such as US")
PasswordClass = Literal["lowercase", "uppercase", "numbers", "symbols"]


class UserSettings(StrictModel):
    """Phase 3 Cognito user pool `<prefix>-users-<env>` (the seed gives no password values)."""

    password_min_length: int = Field(default=12, ge=8, le=99)
    #: Character classes every password needs.
    password_require: tuple[PasswordClass, ...] = ("lowercase", "uppercase", "numbers", "symbols")
    temporary_password_days: int = Field(default=7, ge=1, le=365)
    #: "OPTIONAL" lets each user turn MFA on (authenticator app, or SMS with `sms_mfa`).
    mfa: Literal["OFF", "OPTIONAL", "ON"] = "OPTIONAL"
    #: SMS codes (the seed's "Optional (SMS)"): a role Cognito assumes with an external id.
    sms_mfa: bool = True
    #: Cognito threat protection; anything but "OFF" is the PLUS tier, billed per active user.
    threat_protection: Literal["OFF", "AUDIT", "ENFORCED"] = "ENFORCED"
    deletion_protection: bool = False
    #: People sign themselves up; false: operators create every user.
    self_sign_up: bool = True
    #: A self sign-up needs an invitation row (email, customer, client) in the users table.
    require_invitation: bool = True
    #: Email domains allowed to sign up; () allows any.
    allowed_email_domains: tuple[Domain, ...] = ()
    access_token_minutes: int = Field(default=60, ge=5, le=1440)
    id_token_minutes: int = Field(default=60, ge=5, le=1440)
    refresh_token_days: int = Field(default=30, ge=1, le=3650)

    @field_validator("sms_mfa")
    @classmethod
    def _sms_needs_mfa(cls, value: bool, info) -> bool:
        if value and info.data.get("mfa") == "OFF":
            raise ValueError("sms_mfa needs mfa \"OPTIONAL\" or \"ON\"")
        return value


class WafSettings(StrictModel):
    """Phase 3 web ACLs `<prefix>-api-protection-<env>` (API stage) and
    `<prefix>-cdn-protection-<env>` (CloudFront, us-east-1): rate limit, countries and
    managed rules."""

    #: Requests one IP may send per window before WAF blocks it (seed: 100 per 5 minutes).
    rate_limit: int = Field(default=100, ge=10, le=2_000_000_000)
    rate_window_seconds: Literal[60, 120, 300, 600] = 300
    #: Countries allowed (WAF and CloudFront geo restriction); () allows every country.
    allowed_countries: tuple[CountryCode, ...] = ("US",)
    log_retention_days: int = 365

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


class DnsSettings(StrictModel):
    """Phase 3 Route 53: `api.<zone>` latency records, `health.<zone>` failover records, the
    API's custom domains and certificates. The seed names no second region."""

    domain_name: Domain = "scheduling-agent.com"
    #: Hosted zone of the records; "" is `<environment>.<domain_name>` (prod sets the domain).
    zone_name: pattern(r"^(([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})?$",
                       "empty, or a lowercase DNS name such as staging.scheduling-agent.com",
                       max_length=200) = ""
    #: "" creates the zone here (primary region); a secondary-region stack names the primary's
    #: zone id and only adds its own records.
    hosted_zone_id: pattern(r"^(Z[A-Z0-9]{1,31})?$", "a Route 53 zone id such as Z0123456789ABC",
                            ) = ""
    #: Region of this environment's standby stack; a stack in it is the failover SECONDARY.
    secondary_region: Region = "us-west-2"

    def zone(self, environment: str) -> str:
        return self.zone_name or f"{environment}.{self.domain_name}"


class CdnSettings(StrictModel):
    """Phase 3 CloudFront distributions `<prefix>-frontend-cdn-<env>` (private S3 origin) and
    `<prefix>-api-cdn-<env>` (the API; GET and HEAD cached)."""

    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    #: Host names in the zone: `<frontend_host>.<zone>`, `<api_host>.<zone>`.
    frontend_host: pattern(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", "one DNS label") = "app"
    api_host: pattern(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", "one DNS label") = "api-cdn"
    #: Seconds a GET answer without Cache-Control is cached (0: only what the API marks).
    api_cache_seconds: int = Field(default=0, ge=0, le=3600)
    #: Days CloudFront access logs are kept in the log bucket.
    log_retention_days: int = Field(default=365, ge=1, le=3650)


class QueueSettings(StrictModel):
    """Phase 3 SQS work queues `<prefix>-async-tasks-<env>` and
    `<prefix>-appointment-notifications-<env>`, their dead-letter queue `<prefix>-dlq-<env>`
    (14 days) and the consumer Lambdas' polling."""

    #: Receives of a failing message before SQS moves it to the dead-letter queue.
    max_receive_count: int = Field(default=3, ge=1, le=1000)
    #: Messages per consumer invocation.
    batch_size: int = Field(default=10, ge=1, le=10)
    #: Concurrent consumer invocations per queue (at most the functions' reserved concurrency).
    max_concurrency: int = Field(default=5, ge=2, le=1000)
    #: Days an unprocessed message is kept in a work queue.
    retention_days: int = Field(default=4, ge=1, le=14)


class WorkflowSettings(StrictModel):
    """Phase 3 Step Functions workflows `<prefix>-appointment-workflow-<env>` (5 steps) and
    `<prefix>-customer-onboarding-<env>` (7 steps)."""

    appointment_timeout_seconds: int = Field(default=300, ge=60, le=86400)
    onboarding_timeout_seconds: int = Field(default=600, ge=60, le=86400)
    #: Onboarding's wait between queueing the project report and the welcome message.
    welcome_wait_seconds: int = Field(default=60, ge=0, le=3600)


class StreamSettings(StrictModel):
    """Phase 3 Kinesis streams `<prefix>-events-stream-<env>` and `<prefix>-metrics-stream-<env>`
    (provisioned shards, KMS), their consumer Lambda and the Firehose archive to S3."""

    events_shards: int = Field(default=2, ge=1, le=500)
    events_retention_hours: int = Field(default=24, ge=24, le=8760)
    metrics_shards: int = Field(default=1, ge=1, le=500)
    metrics_retention_hours: int = Field(default=168, ge=24, le=8760)
    #: Records per invocation of the events consumer.
    batch_size: int = Field(default=100, ge=1, le=10000)
    #: Retries of a failing batch before it goes to the dead-letter queue.
    maximum_retry_attempts: int = Field(default=3, ge=0, le=10000)
    #: Seconds Firehose buffers before writing an archive object (or 5 MB).
    archive_buffer_seconds: int = Field(default=300, ge=0, le=900)


GlueCron = pattern(r"^cron\([0-9*?/,\-LW#A-Z ]+\)$", "a cron(...) expression such as "
                   "'cron(0 2 * * ? *)' (Glue triggers take no rate())")


class AnalyticsSettings(StrictModel):
    """Phase 3 Glue catalog, crawler and jobs (`<prefix>-conversations-to-s3-<env>`,
    `<prefix>-metrics-aggregation-<env>`) and the Athena workgroup `<prefix>-analytics-<env>`.
    Schedules are UTC."""

    conversations_schedule: GlueCron = "cron(0 2 * * ? *)"
    metrics_schedule: GlueCron = "cron(15 * * * ? *)"
    #: The crawler adds the day's new partitions to the catalog.
    crawler_schedule: GlueCron = "cron(0 4 * * ? *)"
    #: Athena cancels a query of the workgroup that scans more than this.
    query_scan_limit_gb: int = Field(default=10, ge=1, le=1024)


class SchedulingSettings(StrictModel):
    #: Cumulative phase: "1" (mock data), "1.5" (real PF360 API), "2" (scaling and
    #: observability), "3" (enterprise: network, data stores, edge, async work, analytics).
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
    #: Phase 3 (read from phase "3" on): the VPC, subnets, NAT, endpoints and flow logs.
    network: NetworkSettings = NetworkSettings()
    #: Phase 3 (read from phase "3" on): the Aurora Serverless v2 analytics cluster.
    database: DatabaseSettings = DatabaseSettings()
    #: Phase 3 (read from phase "3" on): the Redis session cache.
    cache: CacheSettings = CacheSettings()
    #: Phase 3 (read from phase "3" on): the Cognito user pool and its triggers.
    users: UserSettings = UserSettings()
    #: Phase 3 (read from phase "3" on): the WAF web ACLs of the API and the CDN.
    waf: WafSettings = WafSettings()
    #: Phase 3 (read from phase "3" on): Route 53 zone, records, health checks, API domains.
    dns: DnsSettings = DnsSettings()
    #: Phase 3 (read from phase "3" on): the CloudFront distributions.
    cdn: CdnSettings = CdnSettings()
    #: Phase 3 (read from phase "3" on): the SQS work queues and their consumers.
    queues: QueueSettings = QueueSettings()
    #: Phase 3 (read from phase "3" on): the Step Functions workflows.
    workflows: WorkflowSettings = WorkflowSettings()
    #: Phase 3 (read from phase "3" on): the Kinesis streams, their consumer and archive.
    streams: StreamSettings = StreamSettings()
    #: Phase 3 (read from phase "3" on): Glue catalog, crawler and jobs, Athena workgroup.
    analytics: AnalyticsSettings = AnalyticsSettings()

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
