"""Phase 3 data stores: the Aurora Serverless v2 analytics database and the Redis session cache.

- `<prefix>-analytics-db-<env>`: PostgreSQL 15, 0.5-4 ACU, a writer plus (with
  `database.multi_az`) a reader in the next zone: Multi-AZ means two billed instances, which the
  specification's single "2 ACU average" cost line leaves out. 7-day backups, storage and
  Performance Insights under the `rds` key, IAM database authentication. The master password
  is generated and kept by RDS in Secrets Manager under the `secrets` key: that secret is the
  specification's "database connection" secret, and its 30-day rotation is set on it (RDS
  rotates it itself; no rotation Lambda). The phase-2 secret of the same purpose keeps only
  connection settings the operator writes.
- `<prefix>-session-cache-<env>`: Redis 7, two cache.t4g.micro nodes (primary + replica in
  another zone, automatic failover), TLS required, the `rds` key at rest (the database tier's
  key), and IAM authentication through a user group instead of an AUTH token, so no cache
  password exists anywhere, Terraform state included.

Only the VPC Lambdas' security group may open 5432 and 6379; the Lambdas connect as the IAM
database user `DB_USER` (created once by the operator, see the README) and the cache user.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.aurora_cluster import AuroraCapacity, AuroraCluster, AuroraClusterProps, AuroraProtection
from modules.redis_cache import RedisCache, RedisCacheProps
from modules.security_group import SecurityGroup, SecurityGroupProps
from modules.stacks.system_stack import SystemStack
from modules.suppressions import suppress
from systems.scheduling.data import Data
from systems.scheduling.keys import Phase3Keys
from systems.scheduling.names import SchedulingNames
from systems.scheduling.network import Network, Reach, register_reach
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

#: The PostgreSQL role the Lambdas log in as with an IAM token (GRANT rds_iam).
DB_USER = "scheduling_app"
DB_PORT, CACHE_PORT = 5432, 6379


@dataclass(frozen=True)
class DataStores:
    database: AuroraCluster
    cache: RedisCache


def build_databases(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                    data: Data, keys: Phase3Keys, network: Network) -> DataStores:
    env, db, cache = stack.env, settings.database, settings.cache
    db_group = SecurityGroup(stack, "sg_database", SecurityGroupProps(
        name=names.security_group("analytics-db"), vpc_id=network.vpc.vpc_id,
        description="Aurora analytics database: PostgreSQL from the scheduling Lambdas only"))
    db_group.allow_from(network.functions, DB_PORT, "PostgreSQL from the scheduling Lambdas")
    cache_group = SecurityGroup(stack, "sg_cache", SecurityGroupProps(
        name=names.security_group("session-cache"), vpc_id=network.vpc.vpc_id,
        description="Redis session cache: Redis from the scheduling Lambdas only"))
    cache_group.allow_from(network.functions, CACHE_PORT, "Redis (TLS) from the scheduling Lambdas")

    database = AuroraCluster(stack, "analytics_db", AuroraClusterProps(
        cluster_identifier=names.analytics_db(), engine_version=db.engine_version,
        database_name=db.database_name, subnet_ids=network.subnet_ids,
        security_group_ids=(db_group.group_id,), availability_zones=network.zones,
        kms_key_arn=keys.rds.key_arn, secret_kms_key_arn=keys.secrets.key_arn,
        monitoring_role_name=names.analytics_db_monitoring_role(),
        account_id=env.account_id, region=env.region, log_kms_key_arn=data.key_arn,
        log_retention_days=db.log_retention_days,
        capacity=AuroraCapacity(min_acu=db.min_capacity, max_acu=db.max_capacity,
                                readers=1 if db.multi_az else 0),
        protection=AuroraProtection(
            backup_retention_days=db.backup_retention_days, backup_window=db.backup_window,
            deletion_protection=db.deletion_protection,
            performance_insights_retention_days=db.performance_insights_retention_days,
            monitoring_interval_seconds=db.monitoring_interval_seconds,
            master_secret_rotation_days=30)))
    session_cache = RedisCache(stack, "session_cache", RedisCacheProps(
        replication_group_id=names.session_cache(), app_user=names.session_cache_user(),
        subnet_ids=network.subnet_ids, security_group_ids=(cache_group.group_id,),
        availability_zones=network.zones, kms_key_arn=keys.rds.key_arn,
        account_id=env.account_id, region=env.region, engine_version=cache.engine_version,
        node_type=cache.node_type, replicas=cache.replicas,
        snapshot_retention_days=cache.snapshot_retention_days,
        snapshot_window=cache.snapshot_window, log_kms_key_arn=data.key_arn,
        log_retention_days=cache.log_retention_days))
    # The specification's "automated backups (7 days)" are Aurora's own continuous backups
    # (point-in-time restore over the retention) plus the final snapshot taken on delete.
    suppress(database.cluster, "CKV2_AWS_8",
             "Recovery is Aurora's continuous automated backup (point-in-time restore over "
             "database.backup_retention_days) plus a final snapshot on delete, as the "
             "specification asks; an AWS Backup plan would duplicate it.")
    if not db.deletion_protection:
        suppress(database.cluster, "CKV_AWS_139",
                 "Env setting database.deletion_protection = false for this non-production "
                 "environment; a delete still leaves a final snapshot and the pipeline's destroy "
                 "guard refuses a plan that deletes or replaces the cluster.")
    if data.key_arn is None:
        excuse([database.log_group, *session_cache.log_groups.values()], ("CKV_AWS_158",),
               NO_CUSTOMER_KEY)

    register_reach(stack, Reach(
        network=network,
        statements={"pf360": (), "database": database.connect_statements(DB_USER),
                    "cache": session_cache.connect_statements()},
        environment={
            "pf360": {},
            "database": {"ANALYTICS_DB_ENDPOINT": database.endpoint,
                         "ANALYTICS_DB_READER_ENDPOINT": database.reader_endpoint,
                         "ANALYTICS_DB_PORT": str(DB_PORT), "ANALYTICS_DB_NAME": db.database_name,
                         "ANALYTICS_DB_USER": DB_USER},
            "cache": {"SESSION_CACHE_ENDPOINT": session_cache.primary_endpoint,
                      "SESSION_CACHE_READER_ENDPOINT": session_cache.reader_endpoint,
                      "SESSION_CACHE_PORT": str(CACHE_PORT),
                      "SESSION_CACHE_ID": names.session_cache(),
                      "SESSION_CACHE_USER": names.session_cache_user()},
        }))
    return DataStores(database=database, cache=session_cache)
