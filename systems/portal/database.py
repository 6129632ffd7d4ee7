"""Part `database`: the two Aurora PostgreSQL 15.4 clusters on `db.t4g.medium` (Lang Portal
with a reader in a second zone: Multi-AZ; Haiku a writer only), the specification's
parameters, backups 7 days in their own windows, maintenance `sun:05:00-sun:06:00`,
Performance Insights 7 days, enhanced monitoring every 60 s, TLS forced, IAM database
authentication, and an RDS Proxy per cluster (idle 1800 s, 100 % of the connections,
borrow timeout 120 s, TLS and IAM required).

The specification encrypts storage with the AWS-managed `aws/rds` key; the project's standard
is a customer key (rotation, a key policy of its own), so the clusters use `alias/<stem>-database`.
The specification also lists upgrade and error log exports: Aurora PostgreSQL has neither (its
upgrade and error messages are in the `postgresql` log), so that log alone is exported.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aurora_cluster import (AuroraCapacity, AuroraCluster, AuroraClusterProps,
                                    AuroraProtection)
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.rds_proxy import RdsProxy, RdsProxyProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.portal import catalog
from systems.portal.names import PortalNames
from systems.portal.network import SEED_RETENTION, Network
from systems.portal.settings import PortalSettings


@dataclass(frozen=True)
class Databases:
    clusters: dict[str, AuroraCluster]
    proxies: dict[str, RdsProxy]


def build_database(stack: SystemStack, settings: PortalSettings, names: PortalNames,
                   network: Network) -> Databases:
    env, config = stack.env, settings.database
    key = EncryptionKey(stack, "database_key", EncryptionKeyProps(
        alias=names.key_alias("database"), account_id=env.account_id, region=env.region,
        description="Portal databases: storage, Performance Insights, master secrets, logs",
        allow_cloudwatch_logs=True, prevent_destroy=True))
    retention = settings.monitoring.log_retention_days
    clusters, proxies = {}, {}
    for db in catalog.DATABASES:
        cluster = AuroraCluster(stack, f"{db.key.replace('-', '_')}_db", AuroraClusterProps(
            cluster_identifier=names.cluster(db.key), engine_version=config.engine_version,
            database_name=db.key.replace("-", "_"),
            subnet_ids=network.vpc.isolated_subnet_ids,
            security_group_ids=(network.group_id(f"{db.key}-aurora"),),
            availability_zones=network.zones, kms_key_arn=key.key_arn,
            secret_kms_key_arn=key.key_arn, monitoring_role_name=names.monitoring_role(db.key),
            account_id=env.account_id, region=env.region, log_kms_key_arn=key.key_arn,
            log_retention_days=retention,
            instance_class=config.instance_class,
            instance_parameters=catalog.DB_PARAMETERS,
            capacity=AuroraCapacity(readers=1 if db.multi_az else 0),
            protection=AuroraProtection(
                backup_retention_days=config.backup_retention_days,
                backup_window=db.backup_window, maintenance_window=catalog.MAINTENANCE_WINDOW,
                deletion_protection=config.deletion_protection,
                performance_insights_retention_days=7, monitoring_interval_seconds=60)))
        if retention < 365:
            suppress(cluster.log_group, "CKV_AWS_338", SEED_RETENTION)
        suppress(cluster.cluster, "CKV2_AWS_8",
                 "The specification's backup strategy is Aurora's own: automated daily backups "
                 "kept 7 days with point-in-time recovery, which meets its one-day RPO/RTO; it "
                 "asks for no AWS Backup plan and no cross-region copy.")
        proxies[db.key] = RdsProxy(stack, f"{db.key.replace('-', '_')}_proxy", RdsProxyProps(
            name=names.proxy(db.key), role_name=names.proxy_role(db.key),
            cluster_identifier=cluster.cluster.cluster_identifier,
            secret_arn=cluster.master_secret_arn, secret_kms_key_arn=key.key_arn,
            subnet_ids=network.vpc.private_subnet_ids,
            security_group_ids=(network.group_id(f"{db.key}-rds-proxy"),),
            account_id=env.account_id, region=env.region))
        clusters[db.key] = cluster
    return Databases(clusters=clusters, proxies=proxies)
