"""`[systems.portal]` of an env file: the language-learning portal platform's settings.

The specification describes one production environment with fixed names (`genai-bootcamp-*`,
`lang-portal-aurora`, domain `app-dw.net`); those are the defaults. The names carry no
environment suffix, so a second environment that selects this system must change `stem`,
`app_prefix` and `domain`, or the name check refuses the duplicate names before synthesis.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from modules.config import StrictModel, log_retention, pattern

Stem = pattern(r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$",
               "3-30 lowercase letters, digits and '-', starting with a letter")
AppPrefix = pattern(r"^([a-z][a-z0-9-]{0,14}[a-z0-9])?$",
                    "empty, or 2-16 lowercase letters, digits and '-', starting with a letter")
Domain = pattern(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
                 "a lowercase DNS name such as app-dw.net")
Cidr = pattern(r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$", "an IPv4 block such as 10.0.0.0/24")
OptionalEmail = pattern(r"^([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})?$",
                        "an email address such as ops@example.com, or empty")
ImageTag = pattern(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
                   "a container image tag: 1-128 letters, digits, '_', '.', '-'")
PrefixListId = pattern(r"^pl-[0-9a-f]{8,17}$", "a managed prefix list id such as pl-3b927c52")
Zone = pattern(r"^[a-z]$", "one zone letter such as a")


class NetworkSettings(StrictModel):
    """The VPC `<stem>-vpc` over three zones with the specification's subnet blocks."""

    cidr: Cidr = "10.0.0.0/16"
    availability_zones: tuple[Zone, ...] = Field(default=("a", "b", "c"), min_length=3,
                                                 max_length=3)
    public_subnets: tuple[Cidr, ...] = Field(
        default=("10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"), min_length=3, max_length=3)
    private_subnets: tuple[Cidr, ...] = Field(
        default=("10.0.3.0/24", "10.0.4.0/24", "10.0.5.0/24"), min_length=3, max_length=3)
    database_subnets: tuple[Cidr, ...] = Field(
        default=("10.0.6.0/24", "10.0.7.0/24", "10.0.8.0/24"), min_length=3, max_length=3)
    interface_endpoints: tuple[str, ...] = ("ecr.api", "ecr.dkr", "logs", "secretsmanager",
                                            "bedrock-runtime")
    #: CloudFront's origin-facing managed prefix list in the region (us-east-1's by default);
    #: a setting, not a data source, so the offline plan needs no AWS call.
    cloudfront_prefix_list: PrefixListId = "pl-3b927c52"
    #: Days the VPC flow logs are kept (the specification's 7-day log retention).
    flow_log_retention_days: int = 7

    @field_validator("flow_log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


class DatabaseSettings(StrictModel):
    """Both Aurora PostgreSQL clusters (Lang Portal Multi-AZ, Haiku single-AZ)."""

    engine_version: Literal["15.4"] = "15.4"
    instance_class: str = Field(default="db.t4g.medium", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    backup_retention_days: int = Field(default=7, ge=1, le=35)
    deletion_protection: bool = True


class AuthSettings(StrictModel):
    """The user pool `<stem>-users`, its hosted UI at `<stem>` and identity pool."""

    #: Local front ends allowed as OAuth callback and logout targets (ports 3000-3003).
    local_ports: tuple[int, ...] = (3000, 3001, 3002, 3003)
    #: "Advanced security mode: Audit only" (needs the Cognito PLUS tier).
    threat_protection: Literal["OFF", "AUDIT", "ENFORCED"] = "AUDIT"
    deletion_protection: bool = True


class ServiceSettings(StrictModel):
    """The ECS services' images and the notification address of the alarms."""

    #: Tag of every application image in its ECR repository.
    image_tag: ImageTag = "latest"
    #: ADOT collector image of the sidecar.
    otel_collector_image: str = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"


class MonitoringSettings(StrictModel):
    #: Subscribed to the alarm topic; empty: no subscription (confirm it by mail).
    alarm_email: OptionalEmail = ""
    #: The specification's logging retention requirement: 7 days.
    log_retention_days: int = 7
    #: Monthly cost budget in USD (alert at 70 %) and daily token budget (alert at 80 %).
    monthly_budget_usd: int = Field(default=100, ge=1)
    daily_token_budget: int = Field(default=1_000_000, ge=1)

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        return log_retention(value)


Repository = pattern(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$",
                     "a GitHub repository as owner/name, such as octo/free-genai-bootcamp-2025")
Branch = pattern(r"^[A-Za-z0-9._/-]{1,255}$", "a branch name such as main")
Country = pattern(r"^[A-Z]{2}$", "an ISO 3166 alpha-2 country code such as US")


class EdgeSettings(StrictModel):
    """The CloudFront distributions of the React apps (`lang-portal.`, `haiku.`)."""

    #: CloudFront price class (edge locations used).
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    #: Countries allowed; empty: the specification's "no geo-blocking".
    allowed_countries: tuple[Country, ...] = ()


class CicdSettings(StrictModel):
    """The seven pipelines: GitHub source through a CodeStar connection, CodeBuild, deploy."""

    #: The monorepo (`free-genai-bootcamp-2025`; the specification does not name its owner:
    #: set it to the real owner before the connection is approved).
    repository: Repository = "app-dw/free-genai-bootcamp-2025"
    branch: Branch = "main"
    #: CodeBuild image (Node.js and Docker included) and compute size.
    build_image: str = Field(default="aws/codebuild/amazonlinux2-x86_64-standard:5.0",
                             pattern=r"^aws/codebuild/[a-z0-9._:/-]+$")
    compute_type: Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM",
                          "BUILD_GENERAL1_LARGE"] = "BUILD_GENERAL1_SMALL"


class PortalSettings(StrictModel):
    """Names and sizing of the portal platform; every field has a default."""

    #: Stem of the platform-wide names (`genai-bootcamp-users`, `genai-bootcamp-logs`, ...).
    stem: Stem = "genai-bootcamp"
    #: Put before the per-app names the specification gives without the stem
    #: (`lang-portal-aurora`, `lang-portal-proxy`, ...): `<app_prefix>-lang-portal-aurora`.
    app_prefix: AppPrefix = ""
    #: Public domain of the apps (`lang-portal.<domain>`, `auth.<domain>`, ...).
    domain: Domain = "app-dw.net"
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    services: ServiceSettings = ServiceSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    edge: EdgeSettings = EdgeSettings()
    cicd: CicdSettings = CicdSettings()
