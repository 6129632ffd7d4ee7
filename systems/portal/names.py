"""The portal's AWS names, as the specification gives them: platform-wide names on the stem
(`genai-bootcamp-users`, `genai-bootcamp-logs`), per-app names as written
(`lang-portal-aurora`, `lang-portal-proxy`, `bedrock-execution-role`) behind the optional
`app_prefix`. No environment suffix: the specification has one environment, and the name
check across stacks refuses a second environment that keeps the same stem and prefix."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws_rules
from modules.aws_rules import NameRule
from systems.portal import catalog
from systems.portal.settings import PortalSettings


@dataclass(frozen=True)
class PortalNames:
    stem: str
    app_prefix: str
    domain: str

    @classmethod
    def of(cls, settings: PortalSettings) -> "PortalNames":
        return cls(settings.stem, settings.app_prefix, settings.domain)

    def _stem(self, part: str) -> str:
        return f"{self.stem}-{part}"

    def _app(self, name: str) -> str:
        return f"{self.app_prefix}-{name}" if self.app_prefix else name

    # network
    def vpc(self) -> str:
        return self._stem("vpc")

    def security_group(self, key: str) -> str:
        """`alb-sg`, `lang-portal-api-sg`, ...: VPC-scoped, so the seed's names as they are."""
        return f"{key}-sg"

    def flow_log_group(self) -> str:
        return f"/aws/vpc/{self._stem('flow-logs')}"

    def flow_log_role(self) -> str:
        return self._stem("flow-logs")

    def private_zone(self) -> str:
        return f"internal.{self.domain}"

    def namespace(self) -> str:
        """Cloud Map namespace: `app-dw.internal` for `app-dw.net`."""
        return f"{self.domain.split('.')[0]}.internal"

    # auth
    def user_pool(self) -> str:
        return self._stem("users")

    def web_client(self) -> str:
        return "web-client"

    def auth_domain(self) -> str:
        return self.stem

    def identity_pool(self) -> str:
        return self._stem("identity")

    def identity_role(self, kind: str) -> str:
        return self._stem(kind)

    # database
    def cluster(self, db: str) -> str:
        return self._app(f"{db}-aurora")

    def proxy(self, db: str) -> str:
        return self._app(f"{db}-proxy")

    def proxy_role(self, db: str) -> str:
        return self._app(f"{db}-proxy-role")

    def monitoring_role(self, db: str) -> str:
        return self._app(f"{db}-aurora-monitoring")

    def key_alias(self, part: str) -> str:
        return f"alias/{self._stem(part)}"

    # storage
    def bucket(self, key: str) -> str:
        return self._stem(key)

    def content_processor(self) -> str:
        return self._app("content-processor-lambda")

    def content_processor_role(self) -> str:
        return self._app("content-processor-role")

    def content_processor_policy(self) -> str:
        return self._app("content-processor-policy")

    # DNS
    def public_zone_query_logs(self) -> str:
        return f"/aws/route53/{self.domain}"

    def dnssec_key_alias(self) -> str:
        return f"alias/{self._stem('dnssec')}"

    # backend
    def cluster_name(self) -> str:
        return self._stem("cluster")

    def load_balancer(self) -> str:
        return self._stem("alb")

    def target_group(self, service: str) -> str:
        return self._app(f"{service}-tg")

    def service(self, key: str) -> str:
        return self._app(key)

    def repository(self, name: str) -> str:
        return self._app(name)

    def app_secret(self, name: str) -> str:
        return f"{self.stem}/{name}"

    def execution_role(self) -> str:
        return self._stem("task-execution")

    def web_acl(self, scope: str) -> str:
        return self._stem(f"{scope}-waf")

    def web_acl_log_group(self, scope: str) -> str:
        return f"aws-waf-logs-{self._stem(scope)}"

    # edge
    def origin_access_control(self, app: str) -> str:
        return self._app(f"{app}-oac")

    def headers_policy(self) -> str:
        return self._stem("security-headers")

    def distribution(self, app: str) -> str:
        """The distribution's comment and Name tag (distributions have no name)."""
        return self._app(f"{app}-cdn")

    # cicd
    def connection(self) -> str:
        return self._stem("github")

    def pipeline(self, key: str) -> str:
        return self._app(f"{key}-pipeline")

    def build_project(self, key: str) -> str:
        return self._app(f"{key}-build")

    def pipeline_role(self, key: str) -> str:
        return self._app(f"{key}-pipeline-role")

    def build_role(self, key: str) -> str:
        return self._app(f"{key}-build-role")

    def build_log_group(self, key: str) -> str:
        return f"/aws/codebuild/{self.build_project(key)}"

    def artifact_bucket(self) -> str:
        return self._stem("pipeline-artifacts")

    # monitoring
    def log_group(self, path: str) -> str:
        if self.app_prefix:
            head, _, tail = path.rpartition("/")
            return f"{head}/{self._app(tail)}"
        return path

    def topic(self) -> str:
        return self._stem("alarms")

    def alarm(self, part: str) -> str:
        return self._stem(part)

    def bedrock_role(self) -> str:
        return self._app("bedrock-execution-role")

    def budget(self, part: str) -> str:
        return self._stem(part)

    def all_names(self) -> list[tuple[NameRule, str]]:
        names: list[tuple[NameRule, str]] = [
            (aws_rules.LOG_GROUP, self.flow_log_group()),
            (aws_rules.IAM_ROLE, self.flow_log_role()),
            (aws_rules.COGNITO_USER_POOL, self.user_pool()),
            (aws_rules.COGNITO_DOMAIN, self.auth_domain()),
            (aws_rules.COGNITO_IDENTITY_POOL, self.identity_pool()),
            *((aws_rules.IAM_ROLE, self.identity_role(k))
              for k in ("authenticated", "unauthenticated")),
            *((aws_rules.KMS_ALIAS, self.key_alias(p)) for p in ("data", "database")),
            (aws_rules.LAMBDA_FUNCTION, self.content_processor()),
            (aws_rules.IAM_ROLE, self.content_processor_role()),
            (aws_rules.IAM_POLICY, self.content_processor_policy()),
            (aws_rules.LOG_GROUP, f"/aws/lambda/{self.content_processor()}"),
            (aws_rules.SNS_TOPIC, self.topic()),
            (aws_rules.IAM_ROLE, self.bedrock_role()),
            *((aws_rules.S3_BUCKET, self.bucket(b.key)) for b in catalog.BUCKETS),
            *((aws_rules.LOG_GROUP, self.log_group(g)) for g in catalog.LOG_GROUPS),
        ]
        names += [(aws_rules.LOG_GROUP, self.public_zone_query_logs()),
                  (aws_rules.KMS_ALIAS, self.dnssec_key_alias()),
                  (aws_rules.IAM_ROLE, self.execution_role()),
                  (aws_rules.WAF_WEB_ACL, self.web_acl("alb")),
                  (aws_rules.LOG_GROUP, self.web_acl_log_group("alb")),
                  (aws_rules.ELB_NAME, self.load_balancer()),
                  (aws_rules.ECS_CLUSTER, self.cluster_name())]
        for secret in catalog.SECRETS:
            names.append((aws_rules.SECRET, self.app_secret(secret)))
        for service in catalog.SERVICES:
            names += [(aws_rules.ECR_REPOSITORY, self.repository(service.repository)),
                      (aws_rules.ECS_SERVICE, self.service(service.key))]
            if service.routed:
                names.append((aws_rules.ELB_NAME, self.target_group(service.key)))
        names += [(aws_rules.WAF_WEB_ACL, self.web_acl("cloudfront")),
                  (aws_rules.LOG_GROUP, self.web_acl_log_group("cloudfront")),
                  (aws_rules.CLOUDFRONT_NAME, self.headers_policy()),
                  (aws_rules.CODESTAR_CONNECTION, self.connection()),
                  (aws_rules.S3_BUCKET, self.artifact_bucket()),
                  (aws_rules.KMS_ALIAS, self.key_alias("pipelines"))]
        names += [(aws_rules.CLOUDFRONT_NAME, self.origin_access_control(site.app))
                  for site in catalog.SITES]
        for pipeline in catalog.PIPELINES:
            names += [(aws_rules.CODEPIPELINE, self.pipeline(pipeline.key)),
                      (aws_rules.CODEBUILD_PROJECT, self.build_project(pipeline.key)),
                      (aws_rules.IAM_ROLE, self.pipeline_role(pipeline.key)),
                      (aws_rules.IAM_ROLE, self.build_role(pipeline.key)),
                      (aws_rules.LOG_GROUP, self.build_log_group(pipeline.key))]
        for db in catalog.DATABASES:
            names += [(aws_rules.RDS_CLUSTER, self.cluster(db.key)),
                      (aws_rules.RDS_PROXY, self.proxy(db.key)),
                      (aws_rules.IAM_ROLE, self.proxy_role(db.key)),
                      (aws_rules.IAM_ROLE, self.monitoring_role(db.key)),
                      (aws_rules.LOG_GROUP, f"/aws/rds/cluster/{self.cluster(db.key)}/postgresql")]
        return names
