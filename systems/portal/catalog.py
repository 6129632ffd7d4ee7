"""The specification's tables as data: the four apps, their five ECS services, the security
groups with their inbound rules, the two databases, the four buckets and the named log groups.
Layer files loop over these rows; nothing below is repeated per app in code."""

from __future__ import annotations

from dataclasses import dataclass

from modules.secure_bucket import LifecycleRule

#: The four apps by subdomain, with their local development port (OAuth callbacks).
APPS: tuple[str, ...] = ("lang-portal", "haiku", "vocab", "writing")


@dataclass(frozen=True)
class Sizing:
    cpu: int
    memory: int
    min_tasks: int
    max_tasks: int


#: "React Apps Backend" API services and "Streamlit/Gradio Apps" front-end services.
API = Sizing(cpu=1024, memory=2048, min_tasks=1, max_tasks=3)
UI = Sizing(cpu=2048, memory=4096, min_tasks=1, max_tasks=2)


@dataclass(frozen=True)
class Service:
    """One ECS service and its task definition."""

    key: str
    app: str
    container: str
    #: ECR repository of the application image.
    repository: str
    port: int
    health_path: str
    #: Key of the security group in SECURITY_GROUPS.
    group: str
    sizing: Sizing
    #: Environment variable -> secret (key of SECRETS).
    secrets: tuple[tuple[str, str], ...]
    #: `/aws/ecs/<log_group>`: the specification's log group of the service.
    log_group: str
    #: Cloud Map service name in the private namespace, "" when not registered.
    discovery: str = ""
    #: ALB host-header rule path ("/api/*" or "/*").
    path: str = "/*"
    #: Behind the load balancer (a target group and a host rule); the vocab back end is
    #: reached only through Cloud Map by its front end.
    routed: bool = True
    #: Rule priority on the HTTPS listener.
    priority: int = 0


SERVICES: tuple[Service, ...] = (
    Service("lang-portal-api", "lang-portal", "fastapi-app", "lang-portal-api", 8000,
            "/api/health", "lang-portal-api", API,
            (("DATABASE_URL", "database-url"), ("JWT_SECRET", "jwt-secret")),
            "lang-portal-backend", discovery="lang-portal-api", path="/api/*", priority=10),
    Service("haiku-api", "haiku", "fastapi-app", "haiku-api", 8000, "/api/health", "haiku-api",
            API, (("DATABASE_URL", "database-url"),), "haiku-backend", path="/api/*",
            priority=20),
    Service("vocab-frontend", "vocab", "streamlit-app", "vocab-generator-frontend", 8501,
            "/healthz", "vocab-generator", UI, (("LANG_PORTAL_API_KEY", "lang-portal-api-key"),),
            "vocab-frontend", priority=30),
    Service("vocab-backend", "vocab", "fastapi-app", "vocab-generator-backend", 8000,
            "/api/health", "vocab-generator", API,
            (("LANG_PORTAL_API_KEY", "lang-portal-api-key"),), "vocab-backend",
            discovery="vocab-generator-backend", routed=False),
    Service("writing-frontend", "writing", "gradio-app", "writing-practice", 7860, "/view_api",
            "writing-practice", UI, (("LANG_PORTAL_API_KEY", "lang-portal-api-key"),),
            "writing-frontend", priority=40),
)

#: Application secrets the task definitions reference (values are set after deployment).
SECRETS: tuple[str, ...] = ("database-url", "jwt-secret", "lang-portal-api-key")

# Security groups: key -> (description, inbound rules (port, source group key)). The groups'
# outbound rules are in network.py (the specification gives them per tier).
ALB_GROUP = "alb"
SECURITY_GROUPS: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {
    "lang-portal-api": ("Lang Portal API tasks", (
        (8000, "alb"), (8000, "vocab-generator"), (8000, "writing-practice"))),
    "haiku-api": ("Haiku Generator API tasks", ((8000, "alb"),)),
    "vocab-generator": ("Vocab Generator Streamlit and FastAPI tasks", (
        (8501, "alb"), (8000, "vocab-generator"))),
    "writing-practice": ("Writing Practice Gradio tasks", ((7860, "alb"),)),
    # The group tables give the clusters' inbound rule from the API only; the security
    # controls add "Aurora (inbound from ECS and RDS Proxy)", without which the proxy could
    # not reach its cluster.
    "lang-portal-aurora": ("Lang Portal Aurora cluster", (
        (5432, "lang-portal-api"), (5432, "lang-portal-rds-proxy"))),
    "haiku-aurora": ("Haiku Aurora cluster", ((5432, "haiku-api"), (5432, "haiku-rds-proxy"))),
    "lang-portal-rds-proxy": ("Lang Portal RDS Proxy", ((5432, "lang-portal-api"),)),
    "haiku-rds-proxy": ("Haiku RDS Proxy", ((5432, "haiku-api"),)),
    "vpc-endpoint": ("Interface endpoints", (
        (443, "lang-portal-api"), (443, "haiku-api"), (443, "vocab-generator"),
        (443, "writing-practice"))),
}
#: Groups whose egress is all traffic to anywhere (the app tasks); the others egress only
#: inside the VPC, and the proxies only to their cluster on 5432.
OPEN_EGRESS = ("lang-portal-api", "haiku-api", "vocab-generator", "writing-practice")
PROXY_TARGETS = {"lang-portal-rds-proxy": "lang-portal-aurora", "haiku-rds-proxy": "haiku-aurora"}


@dataclass(frozen=True)
class Database:
    """One Aurora PostgreSQL cluster and its RDS Proxy."""

    key: str
    multi_az: bool
    backup_window: str
    #: Key of the API group allowed through the proxy.
    client_group: str


DATABASES: tuple[Database, ...] = (
    Database("lang-portal", True, "03:00-04:00", "lang-portal-api"),
    Database("haiku", False, "04:00-05:00", "haiku-api"),
)
MAINTENANCE_WINDOW = "sun:05:00-sun:06:00"
#: The specification's parameters in PostgreSQL's units: shared_buffers and
#: effective_cache_size in 8 kB pages (1 GB, 3 GB), maintenance_work_mem in kB (128 MB),
#: checkpoint_timeout in seconds.
DB_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("shared_buffers", "131072"), ("max_connections", "200"),
    ("effective_cache_size", "393216"), ("maintenance_work_mem", "131072"),
    ("checkpoint_timeout", "300"), ("default_statistics_target", "100"),
)


@dataclass(frozen=True)
class Bucket:
    """`<stem>-<key>` and its current-version lifecycle rules."""

    key: str
    lifecycle: tuple[LifecycleRule, ...]
    #: Days noncurrent versions are kept.
    noncurrent_days: int = 30


BUCKETS: tuple[Bucket, ...] = (
    Bucket("frontend-assets", (), noncurrent_days=7),
    Bucket("user-content", (LifecycleRule("archive-old-content", prefix="archive/",
                                          transitions=((90, "INTELLIGENT_TIERING"),)),)),
    Bucket("logs", (LifecycleRule("log-retention", transitions=(
        (30, "INTELLIGENT_TIERING"), (90, "GLACIER")), expiration_days=365),)),
    Bucket("backups", (LifecycleRule("backup-retention", transitions=((30, "GLACIER"),),
                                     expiration_days=730),)),
)
LOGS_BUCKET = "logs"
#: Buckets whose S3 request metrics (4xxErrors) are collected (storage) and alarmed (monitoring).
REQUEST_METRIC_BUCKETS = ("frontend-assets", "user-content")
#: Id of their request-metrics filter (the whole bucket): the alarms' `FilterId` dimension.
REQUEST_METRIC_FILTER = "EntireBucket"
ACCESS_LOG_PREFIX = "s3-access-logs/"

#: The specification's twelve log groups (7 days each).
LOG_GROUPS: tuple[str, ...] = (
    "/aws/cloudfront/lang-portal", "/aws/cloudfront/haiku",
    "/aws/s3/lang-portal-access", "/aws/s3/haiku-access",
    "/aws/ecs/vocab-frontend", "/aws/ecs/writing-frontend",
    "/aws/ecs/lang-portal-backend", "/aws/ecs/haiku-backend", "/aws/ecs/vocab-backend",
    "/aws/rds/lang-portal-aurora", "/aws/rds/haiku-aurora", "/aws/alb/access-logs",
)

#: The services' own groups (created with the services, in the backend part).
ECS_LOG_GROUPS: tuple[str, ...] = tuple(f"/aws/ecs/{s.log_group}" for s in SERVICES)

BEDROCK_MODELS: tuple[str, ...] = ("anthropic.claude-v2", "amazon.titan-text-express-v1")


@dataclass(frozen=True)
class Site:
    """A React app served from its own prefix of the front-end assets bucket by its own
    CloudFront distribution at `<app>.<domain>`."""

    app: str
    #: Prefix (origin path) in `<stem>-frontend-assets`; the build syncs `build/` there.
    prefix: str


SITES: tuple[Site, ...] = (Site("lang-portal", "lang-portal"), Site("haiku", "haiku"))
#: The site also served at the bare domain: a Cognito custom domain (`auth.<domain>`) needs an
#: A record on its parent, and the platform's main app is the natural answer there.
APEX_SITE = "lang-portal"
#: Host of the hosted UI's custom domain under the platform domain.
AUTH_HOST = "auth"
FRONTEND_BUCKET = "frontend-assets"
#: Prefix of the CloudFront access logs (standard logging v2) in the logs bucket.
CDN_LOG_PREFIX = "cloudfront-logs"


@dataclass(frozen=True)
class Pipeline:
    """One CodePipeline of the specification's "Separate pipelines per project": a push to
    `<source_dir>/**` on the main branch builds the project and deploys it to its ECS
    service (`service`) or to its site's prefix with a CloudFront invalidation (`site`)."""

    key: str
    source_dir: str
    #: "npm" (React build + S3 sync) or "docker" (image build + ECS deploy).
    kind: str
    #: Key of SERVICES (docker) or app of SITES (npm).
    target: str


PIPELINES: tuple[Pipeline, ...] = (
    Pipeline("lang-portal-frontend", "aws/lang-portal-frontend", "npm", "lang-portal"),
    Pipeline("lang-portal-backend", "aws/lang-portal-backend", "docker", "lang-portal-api"),
    Pipeline("haiku-frontend", "aws/haiku-generator-frontend", "npm", "haiku"),
    Pipeline("haiku-backend", "aws/haiku-generator-backend", "docker", "haiku-api"),
    Pipeline("vocab-frontend", "aws/vocab-generator-frontend", "docker", "vocab-frontend"),
    Pipeline("vocab-backend", "aws/vocab-generator-backend", "docker", "vocab-backend"),
    Pipeline("writing-practice", "aws/writing-practice-frontend", "docker", "writing-frontend"),
)
