"""Part `network`: the VPC `<stem>-vpc` with the specification's nine subnets, one NAT gateway
in the first zone, the S3 gateway and five interface endpoints, every security group with
exactly the specification's inbound rules, flow logs, the private zone `internal.<domain>` and
the Cloud Map namespace with its two services.

Tiers: public subnets hold the ALB and the NAT; private subnets the ECS tasks, the RDS
Proxies and the interface endpoints; database subnets (no route out of the VPC) the Aurora
instances. The platform's customer key (`alias/<stem>-data`) is made here, first in deployment
order, and used by the later parts for logs, buckets and the alarm topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aws import provider_module
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.flow_logs import FlowLogs, FlowLogsProps
from modules.hosted_zone import HostedZone, HostedZoneProps
from modules.policy import Statement
from modules.security_group import SecurityGroup, SecurityGroupProps
from modules.service_discovery import ServiceDiscovery, ServiceDiscoveryProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from modules.topic import Topic
from modules.vpc import Vpc, VpcProps
from modules.vpc_endpoints import VpcEndpoints, VpcEndpointsProps
from systems.portal import catalog
from systems.portal.names import PortalNames
from systems.portal.settings import PortalSettings

SEED_RETENTION = ("The specification's logging retention requirement is 7 days (\"What's your "
                  "logging retention requirement? 7 days\"); longer retention is not wanted.")


@dataclass(frozen=True)
class Network:
    vpc: Vpc
    zones: tuple[str, ...]
    #: Key -> group (catalog.SECURITY_GROUPS keys plus "alb").
    groups: dict[str, SecurityGroup]
    key_arn: str
    #: The public zone `<domain>` (query logging, DNSSEC) and the private `internal.<domain>`.
    public_zone_id: str
    private_zone_id: str
    namespace_id: str
    #: Cloud Map service name -> ARN.
    discovery: dict[str, str]

    def group_id(self, key: str) -> str:
        return self.groups[key].group_id


def build_network(stack: SystemStack, settings: PortalSettings, names: PortalNames) -> Network:
    env, config = stack.env, settings.network
    key = EncryptionKey(stack, "data_key", EncryptionKeyProps(
        alias=names.key_alias("data"), account_id=env.account_id, region=env.region,
        description="Portal platform data: logs, buckets, alarm topic",
        allow_cloudwatch_logs=True, prevent_destroy=True,
        extra_statements=(*Topic.key_policy_statements(env.account_id, env.region),
                          Statement(sid="BudgetsEncryptForAlarmTopic",
                                    actions=("kms:Decrypt", "kms:GenerateDataKey*"),
                                    resources=("*",),
                                    principals=(("Service", ("budgets.amazonaws.com",)),),
                                    conditions=(("StringEquals", "aws:SourceAccount",
                                                 (env.account_id,)),)),
                          # The sites' objects in the front-end bucket are SSE-KMS: the edge
                          # part's distributions decrypt them through their origin access
                          # control.
                          Statement(sid="CloudFrontDecryptsSites", actions=("kms:Decrypt",),
                                    resources=("*",),
                                    principals=(("Service", ("cloudfront.amazonaws.com",)),),
                                    conditions=(("StringEquals", "aws:SourceAccount",
                                                 (env.account_id,)),
                                                ("ArnLike", "aws:SourceArn",
                                                 (f"arn:aws:cloudfront::{env.account_id}:"
                                                  "distribution/*",)))))))
    zones = tuple(f"{env.region}{letter}" for letter in config.availability_zones)
    vpc = Vpc(stack, "vpc", VpcProps(
        name=names.vpc(), cidr=config.cidr, availability_zones=zones,
        public_cidrs=config.public_subnets, private_cidrs=config.private_subnets,
        isolated_cidrs=config.database_subnets))
    flow_logs = FlowLogs(stack, "flow_logs", FlowLogsProps(
        vpc_id=vpc.vpc_id, log_group_name=names.flow_log_group(), role_name=names.flow_log_role(),
        account_id=env.account_id, region=env.region, kms_key_arn=key.key_arn,
        retention_days=config.flow_log_retention_days))
    if config.flow_log_retention_days < 365:
        suppress(flow_logs.log_group, "CKV_AWS_338", SEED_RETENTION)
    groups = _security_groups(stack, vpc, names, config.cidr, config.cloudfront_prefix_list)
    VpcEndpoints(stack, "endpoints", VpcEndpointsProps(
        vpc_id=vpc.vpc_id, region=env.region, route_table_ids=vpc.private_route_table_ids,
        subnet_ids=vpc.private_subnet_ids, security_group_ids=(groups["vpc-endpoint"].group_id,),
        interface_services=config.interface_endpoints, gateway_services=("s3",)))
    zone = provider_module("route53_zone").Route53Zone(
        stack, "private_zone", name=names.private_zone(), comment="Portal internal names",
        vpc=[provider_module("route53_zone").Route53ZoneVpc(vpc_id=vpc.vpc_id)])
    public = HostedZone(stack, "public_zone", HostedZoneProps(
        zone_name=settings.domain, account_id=env.account_id,
        query_log_group_name=names.public_zone_query_logs(), log_kms_key_arn=key.key_arn,
        dnssec_key_alias=names.dnssec_key_alias(),
        log_retention_days=settings.monitoring.log_retention_days))
    if settings.monitoring.log_retention_days < 365:
        suppress(public.query_log_group, "CKV_AWS_338", SEED_RETENTION)
    discovery = ServiceDiscovery(stack, "discovery", ServiceDiscoveryProps(
        namespace=names.namespace(), vpc_id=vpc.vpc_id,
        services=tuple(s.discovery for s in catalog.SERVICES if s.discovery)))
    return Network(vpc=vpc, zones=zones, groups=groups, key_arn=key.key_arn,
                   public_zone_id=public.zone_id, private_zone_id=zone.zone_id, namespace_id=discovery.namespace_id,
                   discovery=discovery.service_arns)


def _security_groups(stack: SystemStack, vpc: Vpc, names: PortalNames, cidr: str,
                     cloudfront_prefix_list: str) -> dict[str, SecurityGroup]:
    def group(key: str, description: str) -> SecurityGroup:
        return SecurityGroup(stack, f"sg_{key.replace('-', '_')}", SecurityGroupProps(
            name=names.security_group(key), description=description, vpc_id=vpc.vpc_id))

    alb = group(catalog.ALB_GROUP, "Application load balancer")
    groups = {catalog.ALB_GROUP: alb}
    groups.update({key: group(key, description)
                   for key, (description, _) in catalog.SECURITY_GROUPS.items()})
    # The ALB: HTTP only to redirect, HTTPS from anywhere (Streamlit/Gradio are reached
    # directly) and from CloudFront's origin-facing servers (React apps' API).
    http = alb.allow_ingress_from_cidr("0.0.0.0/0", 80, "Allow HTTP for redirect")
    alb.allow_ingress_from_cidr("0.0.0.0/0", 443,
                                "Allow HTTPS from internet for Streamlit/Gradio apps")
    alb.allow_ingress_from_prefix_list(cloudfront_prefix_list, 443,
                                       "Allow HTTPS from CloudFront for React apps")
    for key, (_, rules) in catalog.SECURITY_GROUPS.items():
        for port, source in rules:
            groups[key].allow_ingress_from_group(groups[source], port,
                                                 f"Allow {port} from {names.security_group(source)}")
    # The specification gives the app tasks all outbound traffic: Bedrock, Polly and image
    # APIs have no fixed addresses; the single NAT gateway is the way out and flow logs
    # record every connection.
    for key in catalog.OPEN_EGRESS:
        groups[key].allow_all_egress_to("0.0.0.0/0", "Allow all outbound")
        # Checkov cannot follow an attachment made in another part's stack.
        suppress(groups[key].security_group, "CKV2_AWS_5",
                 "Attached to the app's ECS service in the backend part (another stack).")
    for key in ("lang-portal-aurora", "haiku-aurora", "lang-portal-rds-proxy", "haiku-rds-proxy"):
        suppress(groups[key].security_group, "CKV2_AWS_5",
                 "Attached to its Aurora cluster or RDS Proxy in the database part (another "
                 "stack).")
    suppress(alb.security_group, "CKV2_AWS_5",
             "Attached to the application load balancer in the backend part (another stack).")
    for key in (catalog.ALB_GROUP, "lang-portal-aurora", "haiku-aurora", "vpc-endpoint"):
        groups[key].allow_all_egress_to(cidr, "Allow all outbound within VPC")
    for proxy, cluster in catalog.PROXY_TARGETS.items():
        groups[proxy].allow_egress_to_group(groups[cluster], 5432,
                                            f"Allow traffic to {names.security_group(cluster)}")
    suppress(http, "CKV_AWS_260",
             "Port 80 is open only for the listener that redirects every request to HTTPS:443 "
             "(the specification's \"Allow HTTP for redirect\").")
    return groups
