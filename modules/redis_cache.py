"""ElastiCache Redis 7 replication group: a primary and replicas in other zones with
automatic failover, TLS required, a customer key at rest, logs to CloudWatch.

Authentication without any secret: the group uses a user group (Redis ACLs) whose application
user authenticates with IAM (a short-lived SigV4 token the client signs with its role), and
whose `default` user is switched off. An AUTH token would have to be a Terraform argument and
so sit in the state in plain text (provider 5.100.0 has no write-only or ephemeral
alternative); with IAM there is no password at all, and `connect_statements()` is the grant.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

LOG_TYPES = ("slow-log", "engine-log")


@dataclass(frozen=True)
class RedisCacheProps:
    replication_group_id: str
    #: The IAM-authenticated user (user id = user name, as IAM authentication requires).
    app_user: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    #: Zones of the primary and the replicas, in that order.
    availability_zones: tuple[str, ...]
    kms_key_arn: str
    account_id: str
    region: str
    engine_version: str = "7.0"
    node_type: str = "cache.t4g.micro"
    replicas: int = 1
    snapshot_retention_days: int = 7
    snapshot_window: str = "06:00-07:00"
    #: Key and retention of the slow and engine log groups (`<log_group_prefix>/<type>`).
    log_kms_key_arn: str | None = None
    log_retention_days: int = 365
    #: Redis ACL of the application user: every key, no administrative or dangerous command.
    app_access_string: str = "on ~* +@all -@dangerous -@admin"


class RedisCache(Construct):
    """Exposes `replication_group`, `user_group`, `log_groups` (L1 resources),
    `primary_endpoint`, `reader_endpoint`, `port` and `connect_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: RedisCacheProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        name = props.replication_group_id
        if len(props.availability_zones) < 1 + props.replicas:
            raise ValueError(f"{name}: {1 + props.replicas} nodes need as many zones")
        user = provider_module("elasticache_user").ElasticacheUser
        # Every user group must hold a user named "default"; this one can do nothing.
        default = user(self, "default_user", user_id=f"{name}-default", user_name="default",
                       engine="REDIS", access_string="off -@all",
                       authentication_mode={"type": "no-password-required"})
        app = user(self, "app_user", user_id=props.app_user, user_name=props.app_user,
                   engine="REDIS", access_string=props.app_access_string,
                   authentication_mode={"type": "iam"})
        self.user_group = provider_module("elasticache_user_group").ElasticacheUserGroup(
            self, "user_group", user_group_id=f"{name}-users", engine="REDIS",
            user_ids=[default.user_id, app.user_id])
        subnets = provider_module("elasticache_subnet_group").ElasticacheSubnetGroup(
            self, "subnets", name=name, subnet_ids=list(props.subnet_ids),
            description=f"Private subnets of {name}")
        log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup
        self.log_groups = {
            kind: log_group(self, f"log_{kind.replace('-', '_')}",
                            name=f"/aws/elasticache/{name}/{kind}",
                            retention_in_days=props.log_retention_days,
                            kms_key_id=props.log_kms_key_arn)
            for kind in LOG_TYPES}
        group_module = provider_module("elasticache_replication_group")
        self.replication_group = group_module.ElasticacheReplicationGroup(
            self, "group", replication_group_id=name,
            description=f"Session state and rate limiting ({name})",
            engine="redis", engine_version=props.engine_version, node_type=props.node_type,
            num_cache_clusters=1 + props.replicas,
            preferred_cache_cluster_azs=list(props.availability_zones[:1 + props.replicas]),
            automatic_failover_enabled=True, multi_az_enabled=True,
            at_rest_encryption_enabled="true", kms_key_id=props.kms_key_arn,
            transit_encryption_enabled=True, transit_encryption_mode="required",
            user_group_ids=[self.user_group.user_group_id],
            subnet_group_name=subnets.name, security_group_ids=list(props.security_group_ids),
            port=6379, auto_minor_version_upgrade="true",
            snapshot_retention_limit=props.snapshot_retention_days,
            snapshot_window=props.snapshot_window,
            # Struct classes, not dicts: jsii drops multi-word keys of dicts inside lists.
            log_delivery_configuration=[group_module.ElasticacheReplicationGroupLogDeliveryConfiguration(
                destination=self.log_groups[kind].name, destination_type="cloudwatch-logs",
                log_format="json", log_type=kind) for kind in LOG_TYPES])
        self.primary_endpoint: str = self.replication_group.primary_endpoint_address
        self.reader_endpoint: str = self.replication_group.reader_endpoint_address
        self.port = self.replication_group.port

    def connect_statements(self, sid: str = "ConnectSessionCache") -> tuple[Statement, ...]:
        """IAM authentication as the application user to this replication group only."""
        p = self._props
        arn = f"arn:aws:elasticache:{p.region}:{p.account_id}"
        return (Statement(sid=sid, actions=("elasticache:Connect",), resources=(
            f"{arn}:replicationgroup:{p.replication_group_id}", f"{arn}:user:{p.app_user}")),)
