"""`[systems.allocation]` of an env file: the asset-allocation application.

Every field has a default (the production shape of the specification: three zones with a NAT
gateway each, seven-year logs, tables and buckets that refuse deletion), so an env file states
only what differs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from modules.config import Region, StrictModel, log_retention, pattern

Email = pattern(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
                "an email address such as ops@example.com")
Origin = pattern(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$", "an origin such as https://app.example.com")


class NetworkSettings(StrictModel):
    """The VPC: public (NAT only), private (Lambdas) and isolated subnets in three zones."""

    cidr: pattern(r"^10\.\d{1,3}\.0\.0/16$", "a /16 block of 10.0.0.0/8 such as 10.20.0.0/16") = \
        "10.20.0.0/16"
    #: Zone letters in the stack's region.
    availability_zones: Annotated[tuple[pattern(r"^[a-f]$", "a zone letter a-f"), ...],
                                  Field(min_length=3, max_length=3)] = ("a", "b", "c")
    #: "per_zone" (one NAT per zone, highly available) or "single" (one NAT, cheaper).
    nat_gateways: Literal["per_zone", "single"] = "per_zone"
    #: Interface endpoints (PrivateLink) besides the S3 and DynamoDB gateway endpoints.
    interface_endpoints: tuple[pattern(r"^[a-z0-9.-]+$", "an endpoint service suffix such as "
                                       "'sagemaker.api'"), ...] = (
        "sagemaker.api", "sagemaker.runtime", "lambda", "logs")


class FunctionSettings(StrictModel):
    """The Lambdas (sizes are the specification's; see functions.FUNCTIONS)."""

    #: CloudWatch retention of every log group (seven years for SOC2).
    log_retention_days: int = 2557
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: Graviton2 "where possible": every zip function (the image is built for x86_64).
    architecture: Literal["arm64", "x86_64"] = "arm64"
    #: Tag of the Portfolio Risk Manager image in the stack's ECR repository; the image is
    #: pushed there before the apply that creates the function.
    risk_manager_image_tag: pattern(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", "an image tag") = "1.0.0"
    #: Reserved concurrency of the functions without a size of their own in the specification.
    reserved_concurrency: int = Field(default=20, ge=1, le=1000)

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


class TableSettings(StrictModel):
    #: Read and write capacity range of the optimization jobs table and its index.
    jobs_min_capacity: int = Field(default=1, ge=1, le=40000)
    jobs_max_capacity: int = Field(default=100, ge=1, le=40000)
    deletion_protection: bool = True
    #: Days a result stays in the results cache (TTL).
    result_ttl_days: int = Field(default=7, ge=1, le=365)
    #: Days finished jobs are kept before the daily cleanup removes them.
    job_retention_days: int = Field(default=90, ge=1, le=3650)

    @model_validator(mode="after")
    def _range(self) -> "TableSettings":
        if self.jobs_min_capacity > self.jobs_max_capacity:
            raise ValueError("jobs_min_capacity must not exceed jobs_max_capacity")
        return self


class StorageSettings(StrictModel):
    #: Replicate model artifacts to `backup_region` (cross-region disaster recovery).
    replicate_model_artifacts: bool = True
    #: Region of the model-artifacts replica.
    backup_region: Region = "us-west-2"
    #: Days after which market data moves to Glacier Flexible Retrieval.
    market_data_glacier_days: int = Field(default=90, ge=1, le=3650)
    #: Origins allowed to read results from a browser (CORS GET).
    cors_allow_origins: tuple[Origin, ...] = ()
    deletion_protection: bool = True


class ApiSettings(StrictModel):
    #: Steady requests per second of the usage plan and stage (the specification's 10).
    requests_per_second: float = Field(default=10, gt=0, le=10000)
    burst: int = Field(default=20, ge=1, le=5000)
    #: Stage cache TTL for GET responses (the specification's 5 minutes).
    cache_ttl_seconds: int = Field(default=300, ge=0, le=3600)
    #: WAF rate-based rule: requests per IP per 5 minutes.
    waf_rate_limit: int = Field(default=2000, ge=10, le=2000000000)
    #: Countries the WAF lets through (ISO 3166-1 alpha-2).
    allowed_countries: tuple[pattern(r"^[A-Z]{2}$", "two capital letters"), ...] = ("US",)


class AlarmSettings(StrictModel):
    #: Lambda error rate (percent of invocations) that raises the alarm.
    error_rate_percent: float = Field(default=1.0, gt=0, le=100)
    email_subscriptions: tuple[Email, ...] = ()


class AgentSettings(StrictModel):
    """The Bedrock agent team (agents.toml)."""

    #: The specification's Claude 3.5 Sonnet, through the US cross-region inference profile.
    foundation_model: pattern(r"^[a-z0-9.:-]+$", "a Bedrock model or inference profile id") = \
        "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
    #: Regions the inference profile may route to; IAM allows the model in each.
    inference_regions: Annotated[tuple[Region, ...], Field(min_length=1, max_length=20)] = (
        "us-east-1", "us-east-2", "us-west-2")
    #: Deploy the agent team.
    enabled: bool = True


class UserSettings(StrictModel):
    """The Cognito user pool, its app client and the identity pool."""

    password_min_length: int = Field(default=12, ge=8, le=99)
    #: "OFF", "OPTIONAL" or "ON" (authenticator apps; no SMS).
    mfa: Literal["OFF", "OPTIONAL", "ON"] = "OPTIONAL"
    #: Cognito threat protection: "OFF", "AUDIT" or "ENFORCED" (billed per active user).
    threat_protection: Literal["OFF", "AUDIT", "ENFORCED"] = "ENFORCED"
    self_sign_up: bool = False
    deletion_protection: bool = True
    #: Put the REST API's routes behind the user pool (ID token) as well as the API key.
    api_authorizer: bool = True


class WebSocketSettings(StrictModel):
    """The WebSocket API (job status over a connection; pay per message, nothing at rest)."""

    #: Steady messages per second of every route of the stage.
    requests_per_second: float = Field(default=10, gt=0, le=10000)
    burst: int = Field(default=20, ge=1, le=5000)
    #: Minutes a connection record lives (TTL) when its $disconnect never arrives; API
    #: Gateway closes every connection after 120 minutes.
    connection_ttl_minutes: int = Field(default=130, ge=121, le=1440)


class SageMakerSettings(StrictModel):
    """The optimization pipeline (no cost at rest: jobs bill only while an execution runs)."""

    #: Instance type of the processing and training jobs (the specification's ml.c5.4xlarge).
    instance_type: pattern(r"^ml\.[a-z0-9]+\.[a-z0-9]+$", "a SageMaker instance type such as "
                           "ml.c5.4xlarge") = "ml.c5.4xlarge"
    #: Instances of scenario generation and distributed optimization (the specification's 20).
    max_instances: int = Field(default=20, ge=1, le=100)
    #: Managed spot training with checkpoints for the optimization step.
    spot: bool = True
    #: Longest run of one job in hours.
    max_runtime_hours: int = Field(default=24, ge=1, le=120)
    #: Tags `scenario-processor-<tag>` and `hyperparameter-search-<tag>` in the repository.
    processor_image_tag: pattern(r"^[A-Za-z0-9_.-]{1,100}$", "an image tag") = "1.0.0"
    search_image_tag: pattern(r"^[A-Za-z0-9_.-]{1,100}$", "an image tag") = "1.0.0"


class TracingSettings(StrictModel):
    """X-Ray sampling rules of the system's functions and REST API stage."""

    #: Traced requests per second before `fixed_rate` applies.
    reservoir_size: int = Field(default=1, ge=0, le=10000)
    #: Share of the remaining requests traced.
    fixed_rate: float = Field(default=0.05, ge=0, le=1)
    #: Priority of the rules (1-9999, lower first; X-Ray's Default rule is 10000).
    priority: int = Field(default=1000, ge=1, le=9998)


class CostSettings(StrictModel):
    """A monthly cost budget and a Cost Anomaly Detection monitor, both to the alarm topic."""

    #: Monthly budget of the account in USD (a budget bills nothing for the first two).
    monthly_budget_usd: int = Field(default=1000, ge=1, le=10_000_000)
    #: Percent of the budget (actual or forecast) that notifies.
    budget_threshold_percent: int = Field(default=80, ge=1, le=1000)
    #: Deploy the anomaly monitor and its subscription (Cost Explorer bills nothing for them).
    anomaly_detection: bool = True
    #: An anomaly notifies when its total impact reaches this many USD.
    anomaly_threshold_usd: float = Field(default=100, gt=0, le=1_000_000)


class CdnSettings(StrictModel):
    """CloudFront in front of the frontend assets and the REST API, on a custom domain with an
    ACM certificate validated by DNS (us-east-1)."""

    #: Host name of the site, e.g. allocation.example.com; "" leaves CloudFront out.
    domain_name: pattern(r"^(([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})?$",
                         "empty, or a lowercase DNS name such as allocation.example.com",
                         max_length=200) = ""
    #: Public hosted zone that holds `domain_name`; "" creates a zone named `domain_name` here
    #: (delegate it from the parent zone after the first apply: output `cdn_name_servers`).
    hosted_zone_id: pattern(r"^(Z[A-Z0-9]{1,31})?$", "empty, or a Route 53 zone id such as "
                            "Z0123456789ABC") = ""
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"


EnvName = pattern(r"^[a-z][a-z0-9-]{0,19}$", "an environment name such as prod (an env file "
                  "envs/<name>.toml)")
RoleArn = pattern(r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]{1,64}$",
                  "an IAM role ARN such as arn:aws:iam::123456789012:role/pf-allocation-deployer")


class CicdSettings(StrictModel):
    """The delivery pipeline (CodePipeline V2 from GitHub): the project's offline plan and
    checkov gate for every target, then per target a real plan, a manual approval where
    listed, and the apply of exactly the approved plan."""

    enabled: bool = False
    #: GitHub repository `owner/name` of this project (through a CodeStar connection).
    repository: pattern(r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)?$",
                        "a GitHub repository such as platform-team/bedrock-agents-iac") = ""
    branch: pattern(r"^[A-Za-z0-9._/-]{1,100}$", "a branch name") = "main"
    #: Environments deployed, in order; each env file must select [systems.allocation].
    targets: Annotated[tuple[EnvName, ...], Field(min_length=1, max_length=5)] = (
        "staging", "prod")
    #: Targets whose apply waits for a person to approve the plan.
    approval_before: tuple[EnvName, ...] = ("prod",)
    #: Target -> the role its plan and apply assume (`python -m modules.pipeline.deployer_policy
    #: --only <target>-allocation` writes its policy; trust the target's plan and apply build roles).
    deployer_roles: dict[EnvName, RoleArn] = {}
    compute_type: Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM",
                          "BUILD_GENERAL1_LARGE"] = "BUILD_GENERAL1_MEDIUM"

    @model_validator(mode="after")
    def _consistent(self) -> "CicdSettings":
        if not self.enabled:
            return self
        if not self.repository:
            raise ValueError("repository is required when the pipeline is enabled")
        if len(set(self.targets)) != len(self.targets):
            raise ValueError("targets must not repeat an environment")
        if unknown := sorted(set(self.approval_before) - set(self.targets)):
            raise ValueError(f"approval_before names {', '.join(unknown)}, which is not in "
                             f"targets ({', '.join(self.targets)})")
        if missing := [t for t in self.targets if t not in self.deployer_roles]:
            raise ValueError(f"deployer_roles has no role for {', '.join(missing)}: every "
                             "target needs the role its plan and apply assume")
        return self


class AllocationSettings(StrictModel):
    network: NetworkSettings = NetworkSettings()
    functions: FunctionSettings = FunctionSettings()
    tables: TableSettings = TableSettings()
    storage: StorageSettings = StorageSettings()
    api: ApiSettings = ApiSettings()
    alarms: AlarmSettings = AlarmSettings()
    agents: AgentSettings = AgentSettings()
    users: UserSettings = UserSettings()
    websocket: WebSocketSettings = WebSocketSettings()
    sagemaker: SageMakerSettings = SageMakerSettings()
    tracing: TracingSettings = TracingSettings()
    costs: CostSettings = CostSettings()
    cdn: CdnSettings = CdnSettings()
    cicd: CicdSettings = CicdSettings()
