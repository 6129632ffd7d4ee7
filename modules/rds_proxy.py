"""An RDS Proxy in front of one Aurora cluster: connection pooling, TLS required, and IAM
authentication of the clients (no database password in the applications).

The proxy itself signs in to the database with the cluster's master secret, through a role
that can read that secret only (and decrypt it only through Secrets Manager).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document, service_trust


@dataclass(frozen=True)
class ProxyPool:
    #: Seconds an idle client connection stays open.
    idle_client_timeout: int = 1800
    #: Share of the database's max_connections the proxy may open.
    max_connections_percent: int = 100
    #: Seconds a client waits for a free connection before an error.
    connection_borrow_timeout: int = 120

    def __post_init__(self) -> None:
        if not 1 <= self.idle_client_timeout <= 28800:
            raise ValueError("idle_client_timeout must be 1-28800 seconds")
        if not 1 <= self.max_connections_percent <= 100:
            raise ValueError("max_connections_percent must be 1-100")
        if not 0 <= self.connection_borrow_timeout <= 3600:
            raise ValueError("connection_borrow_timeout must be 0-3600 seconds")


@dataclass(frozen=True)
class RdsProxyProps:
    name: str
    role_name: str
    cluster_identifier: str
    #: Master secret of the cluster and the key that encrypts it.
    secret_arn: str
    secret_kms_key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    account_id: str
    region: str
    engine_family: str = "POSTGRESQL"
    pool: ProxyPool = ProxyPool()


class RdsProxy(Construct):
    """Exposes `proxy` (L1), `endpoint` and `arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: RdsProxyProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        trust = policy_document(self, "trust", [service_trust(
            "rds.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=f"arn:aws:rds:{props.region}:{props.account_id}:db-proxy:*")])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"RDS Proxy {props.name} reads the master secret of "
                        f"{props.cluster_identifier}")
        policy = policy_document(self, "policy_document", [
            Statement(sid="ReadMasterSecret", actions=("secretsmanager:GetSecretValue",),
                      resources=(props.secret_arn,)),
            kms_via_service("DecryptMasterSecret", props.secret_kms_key_arn, "secretsmanager",
                            props.region),
        ])
        provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name="read-master-secret", role=role.id, policy=policy.json)
        module = provider_module("db_proxy")
        self.proxy = module.DbProxy(
            self, "proxy", name=props.name, engine_family=props.engine_family,
            role_arn=role.arn, require_tls=True, debug_logging=False,
            idle_client_timeout=props.pool.idle_client_timeout,
            vpc_subnet_ids=list(props.subnet_ids),
            vpc_security_group_ids=list(props.security_group_ids),
            auth=[module.DbProxyAuth(auth_scheme="SECRETS", iam_auth="REQUIRED",
                                     secret_arn=props.secret_arn,
                                     description="Master secret; clients use IAM")])
        targets = provider_module("db_proxy_default_target_group")
        group = targets.DbProxyDefaultTargetGroup(
            self, "target_group", db_proxy_name=self.proxy.name,
            connection_pool_config=targets.DbProxyDefaultTargetGroupConnectionPoolConfig(
                max_connections_percent=props.pool.max_connections_percent,
                connection_borrow_timeout=props.pool.connection_borrow_timeout))
        provider_module("db_proxy_target").DbProxyTarget(
            self, "target", db_proxy_name=self.proxy.name, target_group_name=group.name,
            db_cluster_identifier=props.cluster_identifier)
        self.endpoint: str = self.proxy.endpoint
        self.arn: str = self.proxy.arn
