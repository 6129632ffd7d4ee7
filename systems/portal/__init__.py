"""The language-learning portal platform: four apps (Lang Portal, Haiku Generator, Vocab
Generator, Writing Practice) sharing one VPC, one user pool, two Aurora clusters, four buckets,
two CloudFront sites, one monitoring setup and seven delivery pipelines.

One stack per concern (part), each covering the four apps through the tables of `catalog.py`:
the specification splits front end, back end and CI/CD per app, but one stack per concern
keeps the number of states, plans and cross-stack outputs small while every app is still a row
of data. Parts in deployment order; a later part reads an earlier one's attributes through
CDKTF cross-stack references (an output in the producer, a remote state in the consumer).
"""

from __future__ import annotations

from cdktf import TerraformOutput

from modules.aws_rules import NameRule
from modules.config import EnvironmentBase
from modules.stacks.system_stack import SystemStack
from modules.system import System
from systems.portal.auth import build_auth
from systems.portal.backend import build_backend
from systems.portal.cicd import build_cicd
from systems.portal.database import build_database
from systems.portal.edge import build_edge
from systems.portal.monitoring import build_monitoring
from systems.portal.names import PortalNames
from systems.portal.network import build_network
from systems.portal.settings import PortalSettings
from systems.portal.storage import build_storage

KEY = "portal"
PARTS = ("network", "auth", "database", "storage", "backend", "edge", "monitoring", "cicd")


def parts(settings: PortalSettings) -> list[str]:
    return list(PARTS)


def build(stacks: dict[str, SystemStack], settings: PortalSettings) -> None:
    names = PortalNames.of(settings)
    network = build_network(stacks["network"], settings, names)
    auth = build_auth(stacks["auth"], settings, names)
    databases = build_database(stacks["database"], settings, names, network)
    storage = build_storage(stacks["storage"], settings, names, network)
    backend = build_backend(stacks["backend"], settings, names, network, storage)
    edge = build_edge(stacks["edge"], settings, names, network, storage, backend, auth)
    build_monitoring(stacks["monitoring"], settings, names, network, databases, storage, backend)
    cicd = build_cicd(stacks["cicd"], settings, names, network, edge)
    TerraformOutput(stacks["network"], "vpc_id", value=network.vpc.vpc_id)
    TerraformOutput(stacks["auth"], "user_pool_id", value=auth.pool.pool_id)
    TerraformOutput(stacks["auth"], "web_client_id", value=auth.pool.client_id)
    TerraformOutput(stacks["auth"], "identity_pool_id", value=auth.identity.pool_id)
    for key, proxy in databases.proxies.items():
        TerraformOutput(stacks["database"], f"{key.replace('-', '_')}_proxy_endpoint",
                        value=proxy.endpoint)
    for key, cluster in databases.clusters.items():
        TerraformOutput(stacks["database"], f"{key.replace('-', '_')}_master_secret_arn",
                        value=cluster.master_secret_arn)
    TerraformOutput(stacks["backend"], "load_balancer_dns", value=backend.load_balancer.dns_name)
    TerraformOutput(stacks["backend"], "cluster_name", value=backend.cluster.cluster_name)
    for app, distribution in edge.distributions.items():
        TerraformOutput(stacks["edge"], f"{app.replace('-', '_')}_distribution_domain",
                        value=distribution.domain_name)
    TerraformOutput(stacks["edge"], "hosted_ui_url", value=f"https://{edge.auth_domain}")
    TerraformOutput(stacks["cicd"], "github_connection_arn", value=cicd.connection_arn)
    for key, bucket in storage.buckets.items():
        TerraformOutput(stacks["storage"], f"{key.replace('-', '_')}_bucket",
                        value=bucket.bucket_name)


def all_names(env: EnvironmentBase, settings: PortalSettings) -> list[tuple[NameRule, str]]:
    """Every account-, region- or globally-scoped name the parts create, with its rule."""
    return PortalNames.of(settings).all_names()


SYSTEM = System(key=KEY, title="Language-learning portal platform (VPC, ECS, ALB, Aurora, Cognito)",
                settings=PortalSettings, build=build, names=all_names, project_tag="portal",
                parts=parts)
