"""Part `backend`: the ECS Fargate cluster and the five services of the four apps, their ECR
repositories, log groups and secrets, the internet-facing ALB with the specification's target
groups, health checks and host/path rules, its WAF, its certificate, and the DNS records of
the apps the ALB serves directly.

Services (catalog.SERVICES): API services 1 vCPU / 2 GB scaling 1-3, Streamlit/Gradio front
ends 2 vCPU / 4 GB scaling 1-2, all on FARGATE_SPOT with target tracking at 70 % CPU and
memory (cooldowns 300 s in, 60 s out), rolling deployments 200/100 with circuit-breaker
rollback and a 60 s health-check grace period; each task runs the app container and the ADOT
collector sidecar and logs to the specification's `/aws/ecs/<service>` group (prefix `ecs`).

Record targets: the specification contradicts itself (its subdomain list and DNS table put
`lang-portal` and `haiku` behind CloudFront and `vocab`/`writing` on the ALB; a later table
points `lang-portal`, `haiku`, `vocab` at the ALB and `writing` at CloudFront). This system
follows the first reading: it matches the architecture (React apps on S3 + CloudFront with
the API as a CloudFront origin; Streamlit and Gradio on ECS behind the ALB, whose security
group takes 443 from the internet "for Streamlit/Gradio apps"). So `vocab.` and `writing.`
are ALB aliases here; `lang-portal.` and `haiku.` belong to the CloudFront distributions.

The `lang-portal` and `haiku` rules forward only `/api/*` to their API: their `/*` front
end is the S3 + CloudFront site, not a container.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aws import provider_module
from modules.certificate import CertificateProps, DnsCertificate
from modules.ecs_cluster import EcsCluster, EcsClusterProps
from modules.ecs_service import Container, EcsService, EcsServiceProps, Scaling
from modules.load_balancer import LoadBalancer, LoadBalancerProps, Rule, TargetGroup
from modules.policy import Statement, kms_via_service, policy_document, service_trust
from modules.secret import Secret, SecretProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.web_acl import WebAcl, WebAclProps
from systems.portal import catalog
from systems.portal.names import PortalNames
from systems.portal.network import SEED_RETENTION, Network
from systems.portal.settings import PortalSettings
from systems.portal.storage import ALB_LOG_PREFIX, Storage

WAF_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
              "AWSManagedRulesAmazonIpReputationList")
WAF_RATE_LIMIT = 2000


@dataclass(frozen=True)
class Backend:
    load_balancer: LoadBalancer
    cluster: EcsCluster
    services: dict[str, EcsService]
    task_role_arn: str


def build_backend(stack: SystemStack, settings: PortalSettings, names: PortalNames,
                  network: Network, storage: Storage) -> Backend:
    env = stack.env
    retention = settings.monitoring.log_retention_days
    secrets = {name: Secret(stack, f"secret_{name.replace('-', '_')}", SecretProps(
        name=names.app_secret(name), description=f"Application secret {name} of the portal",
        kms_key_arn=network.key_arn, region=env.region, grant_id=name.title().replace("-", ""),
        no_rotation_reason="An application value (connection URL, signing key, API key) set "
                           "and rotated by the app team with the apps; no rotation Lambda."))
               for name in catalog.SECRETS}
    repositories = _repositories(stack, names, network)
    log_groups = {}
    for service in catalog.SERVICES:
        group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            stack, f"log_{service.key.replace('-', '_')}",
            name=names.log_group(f"/aws/ecs/{service.log_group}"), retention_in_days=retention,
            kms_key_id=network.key_arn)
        if retention < 365:
            suppress(group, "CKV_AWS_338", SEED_RETENTION)
        log_groups[service.key] = group
    execution_role = _execution_role(stack, names, network, secrets, repositories, log_groups)
    task_role = _task_role(stack, names)
    certificate = DnsCertificate(stack, "certificate", CertificateProps(
        domain_name=settings.domain, zone_id=network.public_zone_id,
        # Each app's name rather than a wildcard: a leaked key then covers these hosts only.
        alternative_names=tuple(f"{app}.{settings.domain}" for app in catalog.APPS)))
    routed = [s for s in catalog.SERVICES if s.routed]
    alb = LoadBalancer(stack, "alb", LoadBalancerProps(
        name=names.load_balancer(), subnet_ids=network.vpc.public_subnet_ids,
        security_group_ids=(network.group_id(catalog.ALB_GROUP),), vpc_id=network.vpc.vpc_id,
        certificate_arn=certificate.certificate_arn,
        access_log_bucket=storage.buckets[catalog.LOGS_BUCKET].bucket_name,
        access_log_prefix=ALB_LOG_PREFIX,
        targets=tuple(TargetGroup(key=s.key, name=names.target_group(s.key), port=s.port,
                                  health_path=s.health_path) for s in routed),
        rules=tuple(Rule(priority=s.priority, host=f"{s.app}.{settings.domain}", path=s.path,
                         target=s.key) for s in routed)))
    waf = WebAcl(stack, "alb_waf", WebAclProps(
        name=names.web_acl("alb"), scope="REGIONAL", rate_limit=WAF_RATE_LIMIT,
        rate_window_seconds=300, allowed_countries=(), managed_groups=WAF_GROUPS,
        log_group_name=names.web_acl_log_group("alb"), log_retention_days=retention,
        kms_key_arn=network.key_arn, description="Portal ALB: managed rules and rate limit"))
    waf.associate("alb_waf_association", alb.arn)
    suppress(alb.load_balancer, "CKV2_AWS_76",
             "The web ACL has AWSManagedRulesKnownBadInputsRuleSet (the Log4j rules); the check "
             "also wants the anonymous-IP list, which the specification's three rule sets "
             "(core, known bad inputs, IP reputation) leave out: VPN users are not blocked.")
    for key, group in alb.target_groups.items():
        suppress(group, "CKV_AWS_378",
                 f"TLS ends at the load balancer; the specification's {key} target group speaks "
                 "HTTP to the tasks inside the private subnets, as the apps serve it.")
    if retention < 365:
        suppress(waf.log_group, "CKV_AWS_338", SEED_RETENTION)
    cluster = EcsCluster(stack, "cluster", EcsClusterProps(name=names.cluster_name()))
    services = {}
    for service in catalog.SERVICES:
        services[service.key] = EcsService(stack, f"svc_{service.key.replace('-', '_')}",
                                           EcsServiceProps(
            name=names.service(service.key), cluster_arn=cluster.cluster_arn,
            cluster_name=cluster.cluster_name,
            container=Container(
                name=service.container,
                image=f"{repositories[service.key].repository_url}:"
                      f"{settings.services.image_tag}",
                port=service.port,
                health_command=f"curl -f http://localhost:{service.port}"
                               f"{_container_health(service)} || exit 1",
                secrets=tuple((var, secrets[name].secret_arn) for var, name in service.secrets),
                environment=(("AWS_DEFAULT_REGION", env.region),)),
            cpu=service.sizing.cpu, memory=service.sizing.memory,
            execution_role_arn=execution_role, task_role_arn=task_role,
            log_group_name=log_groups[service.key].name, region=env.region,
            subnet_ids=network.vpc.private_subnet_ids,
            security_group_ids=(network.group_id(service.group),),
            otel_image=settings.services.otel_collector_image,
            scaling=Scaling(min_tasks=service.sizing.min_tasks,
                            max_tasks=service.sizing.max_tasks),
            target_group_arn=alb.target_group_arns[service.key] if service.routed else "",
            discovery_arn=network.discovery.get(service.discovery, "")))
    records = provider_module("route53_record")
    for app in ("vocab", "writing"):
        records.Route53Record(
            stack, f"record_{app}", zone_id=network.public_zone_id,
            name=f"{app}.{settings.domain}", type="A",
            alias=records.Route53RecordAlias(name=alb.dns_name, zone_id=alb.zone_id,
                                             evaluate_target_health=True))
    return Backend(load_balancer=alb, cluster=cluster, services=services,
                   task_role_arn=task_role)


def _container_health(service: catalog.Service) -> str:
    """The container health check of the specification: `/health` on the FastAPI apps, the
    Streamlit and Gradio apps' own paths otherwise."""
    return "/health" if service.container == "fastapi-app" else service.health_path


def _repositories(stack: SystemStack, names: PortalNames, network: Network) -> dict:
    ecr = provider_module("ecr_repository")
    repositories = {}
    for service in catalog.SERVICES:
        repositories[service.key] = ecr.EcrRepository(
            stack, f"repo_{service.key.replace('-', '_')}",
            name=names.repository(service.repository), image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=ecr.EcrRepositoryImageScanningConfiguration(
                scan_on_push=True),
            encryption_configuration=[ecr.EcrRepositoryEncryptionConfiguration(
                encryption_type="KMS", kms_key=network.key_arn)])
    return repositories


def _execution_role(stack: SystemStack, names: PortalNames, network: Network, secrets: dict,
                    repositories: dict, log_groups: dict) -> str:
    """ECS's own role for starting tasks: pull the five images, write the five log groups,
    read the three application secrets."""
    env = stack.env
    trust = policy_document(stack, "execution_trust", [service_trust(
        "ecs-tasks.amazonaws.com", account_id=env.account_id,
        source_arn_pattern=f"arn:aws:ecs:{env.region}:{env.account_id}:*")])
    role = provider_module("iam_role").IamRole(
        stack, "execution_role", name=names.execution_role(), assume_role_policy=trust.json,
        description="Starts the portal's ECS tasks: images, logs, secrets")
    statements = [
        # GetAuthorizationToken has no resource-level permissions.
        Statement(sid="EcrLogin", actions=("ecr:GetAuthorizationToken",), resources=("*",)),
        Statement(sid="PullImages",
                  actions=("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                           "ecr:BatchCheckLayerAvailability"),
                  resources=tuple(r.arn for r in repositories.values())),
        kms_via_service("DecryptImages", network.key_arn, "ecr", env.region),
        Statement(sid="WriteTaskLogs", actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                  resources=tuple(f"{g.arn}:*" for g in log_groups.values())),
    ]
    for secret in secrets.values():
        statements += secret.read_statements()
    policy = policy_document(stack, "execution_policy_document", statements)
    provider_module("iam_role_policy").IamRolePolicy(
        stack, "execution_policy", name="start-tasks", role=role.id, policy=policy.json)
    return role.arn


def _task_role(stack: SystemStack, names: PortalNames) -> str:
    """`bedrock-execution-role`, the apps' task role: exactly the two model ARNs of the
    specification, and (a second policy) what the ADOT sidecar sends."""
    env = stack.env
    trust = policy_document(stack, "bedrock_trust", [service_trust(
        "ecs-tasks.amazonaws.com", account_id=env.account_id,
        source_arn_pattern=f"arn:aws:ecs:{env.region}:{env.account_id}:*")])
    role = provider_module("iam_role").IamRole(
        stack, "bedrock_role", name=names.bedrock_role(), assume_role_policy=trust.json,
        description="The portal apps' tasks: the two Bedrock models, traces and metrics")
    policy = policy_document(stack, "bedrock_policy_document", [
        Statement(sid="InvokeTheTwoModels", actions=("bedrock:InvokeModel",),
                  resources=tuple(f"arn:aws:bedrock:{env.region}::foundation-model/{model}"
                                  for model in catalog.BEDROCK_MODELS)),
        # An account-level setting with no resource ARN.
        Statement(sid="ReadInvocationLoggingSetting",
                  actions=("bedrock:GetModelInvocationLogging",), resources=("*",)),
    ])
    provider_module("iam_role_policy").IamRolePolicy(
        stack, "bedrock_policy", name="invoke-models", role=role.id, policy=policy.json)
    telemetry = policy_document(stack, "telemetry_policy_document", [
        # X-Ray segment APIs and PutMetricData have no resource-level permissions; metrics
        # are limited to the namespace the collector's EMF exporter writes.
        Statement(sid="WriteTraces",
                  actions=("xray:PutTraceSegments", "xray:PutTelemetryRecords",
                           "xray:GetSamplingRules", "xray:GetSamplingTargets"),
                  resources=("*",)),
        Statement(sid="WriteMetrics", actions=("cloudwatch:PutMetricData",), resources=("*",),
                  conditions=(("StringEquals", "cloudwatch:namespace", ("ECS/AWSOTel/Application",)),)),
    ])
    provider_module("iam_role_policy").IamRolePolicy(
        stack, "telemetry_policy", name="send-telemetry", role=role.id, policy=telemetry.json)
    return role.arn
