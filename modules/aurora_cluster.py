"""Aurora PostgreSQL (Serverless v2 by default, or a provisioned instance class): a cluster, a
writer and optional readers in other zones.

Storage and Performance Insights are encrypted with a customer key; the master password is
generated and stored by RDS in Secrets Manager (`manage_master_user_password`, under its own
key) and rotated there, so no password passes through Terraform, a plan or the state.
Applications connect with IAM database authentication (`connect_statements`); TLS is forced by
the cluster parameter group. The PostgreSQL log goes to a log group created here (encrypted,
with retention) before the cluster exists, so RDS never creates an unencrypted one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust


# TLS only; DDL statements and statements slower than one second go to the PostgreSQL log.
CLUSTER_PARAMETERS = (("rds.force_ssl", "1"), ("log_statement", "ddl"),
                      ("log_min_duration_statement", "1000"))


@dataclass(frozen=True)
class AuroraCapacity:
    min_acu: float = 0.5
    max_acu: float = 4
    #: Readers beside the writer, each in the next zone (failover targets).
    readers: int = 1


@dataclass(frozen=True)
class AuroraProtection:
    backup_retention_days: int = 7
    backup_window: str = "07:00-08:00"
    deletion_protection: bool = True
    performance_insights_retention_days: int = 7
    monitoring_interval_seconds: int = 60
    #: Days between rotations of the RDS-managed master secret.
    master_secret_rotation_days: int = 30
    #: Weekly maintenance window ("sun:05:00-sun:06:00"); None lets RDS pick one.
    maintenance_window: str | None = None


@dataclass(frozen=True)
class AuroraClusterProps:
    cluster_identifier: str
    engine_version: str
    database_name: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    #: Zones of the writer and readers, in that order.
    availability_zones: tuple[str, ...]
    #: Storage and Performance Insights key; the master secret's key.
    kms_key_arn: str
    secret_kms_key_arn: str
    monitoring_role_name: str
    account_id: str
    region: str
    #: Key and retention of the exported PostgreSQL log group.
    log_kms_key_arn: str | None = None
    log_retention_days: int = 365
    master_username: str = "pfadmin"
    capacity: AuroraCapacity = field(default_factory=AuroraCapacity)
    protection: AuroraProtection = field(default_factory=AuroraProtection)
    #: "db.serverless" (capacity.min_acu/max_acu apply) or a provisioned class such as
    #: "db.t4g.medium" (the ACU range is ignored).
    instance_class: str = "db.serverless"
    #: Instance-level parameters (memory, connections) in a DB parameter group of their own,
    #: as (name, value) in PostgreSQL's units; empty uses the engine defaults.
    instance_parameters: tuple[tuple[str, str], ...] = ()


class AuroraCluster(Construct):
    """Exposes `cluster`, `instances`, `log_group` (L1 resources), `endpoint`,
    `reader_endpoint`, `port`, `master_secret_arn` and `connect_statements(db_user)`."""

    def __init__(self, scope: Construct, construct_id: str, props: AuroraClusterProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        name, protection = props.cluster_identifier, props.protection
        if len(props.availability_zones) < 1 + props.capacity.readers:
            raise ValueError(f"{name}: {1 + props.capacity.readers} instances need as many zones")
        subnets = provider_module("db_subnet_group").DbSubnetGroup(
            self, "subnets", name=name, subnet_ids=list(props.subnet_ids),
            description=f"Private subnets of {name}")
        group_module = provider_module("rds_cluster_parameter_group")
        parameters = group_module.RdsClusterParameterGroup(
            self, "parameters", name=name,
            family=f"aurora-postgresql{props.engine_version.split('.')[0]}",
            description=f"TLS only and statement logging for {name}",
            # Struct classes, not dicts: jsii drops multi-word keys of dicts inside lists.
            parameter=[group_module.RdsClusterParameterGroupParameter(
                name=key, value=value, apply_method="pending-reboot")
                for key, value in CLUSTER_PARAMETERS])
        self.log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=f"/aws/rds/cluster/{name}/postgresql",
            retention_in_days=props.log_retention_days, kms_key_id=props.log_kms_key_arn)
        monitoring_role = self._monitoring_role(props)
        self.cluster = provider_module("rds_cluster").RdsCluster(
            self, "cluster", cluster_identifier=name, engine="aurora-postgresql",
            engine_mode="provisioned", engine_version=props.engine_version,
            database_name=props.database_name, master_username=props.master_username,
            manage_master_user_password=True, master_user_secret_kms_key_id=props.secret_kms_key_arn,
            storage_encrypted=True, kms_key_id=props.kms_key_arn,
            iam_database_authentication_enabled=True,
            backup_retention_period=protection.backup_retention_days,
            preferred_backup_window=protection.backup_window,
            copy_tags_to_snapshot=True, deletion_protection=protection.deletion_protection,
            skip_final_snapshot=False, final_snapshot_identifier=f"{name}-final",
            db_subnet_group_name=subnets.name, vpc_security_group_ids=list(props.security_group_ids),
            db_cluster_parameter_group_name=parameters.name,
            enabled_cloudwatch_logs_exports=["postgresql"],
            serverlessv2_scaling_configuration={"min_capacity": props.capacity.min_acu,
                                                "max_capacity": props.capacity.max_acu}
            if props.instance_class == "db.serverless" else None,
            preferred_maintenance_window=protection.maintenance_window,
            depends_on=[self.log_group])
        instance_group = self._instance_parameters(props) if props.instance_parameters else None
        self.instances = [
            provider_module("rds_cluster_instance").RdsClusterInstance(
                self, f"instance_{i + 1}", identifier=f"{name}-{i + 1}",
                cluster_identifier=self.cluster.cluster_identifier,
                instance_class=props.instance_class,
                db_parameter_group_name=instance_group.name if instance_group else None,
                preferred_maintenance_window=protection.maintenance_window,
                engine=self.cluster.engine, engine_version=self.cluster.engine_version,
                availability_zone=zone, db_subnet_group_name=subnets.name,
                publicly_accessible=False, auto_minor_version_upgrade=True,
                copy_tags_to_snapshot=True, promotion_tier=i,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=props.kms_key_arn,
                performance_insights_retention_period=protection.performance_insights_retention_days,
                monitoring_interval=protection.monitoring_interval_seconds,
                monitoring_role_arn=monitoring_role.arn)
            for i, zone in enumerate(props.availability_zones[:1 + props.capacity.readers])]
        master_secret_arn = self.cluster.master_user_secret.get(0).secret_arn
        # RDS rotates the secret it manages every 7 days unless told otherwise.
        provider_module("secretsmanager_secret_rotation").SecretsmanagerSecretRotation(
            self, "master_secret_rotation", secret_id=master_secret_arn,
            rotation_rules={"automatically_after_days": protection.master_secret_rotation_days})
        self.endpoint: str = self.cluster.endpoint
        self.reader_endpoint: str = self.cluster.reader_endpoint
        self.port = self.cluster.port
        self.master_secret_arn: str = master_secret_arn

    def _instance_parameters(self, props: AuroraClusterProps):
        module = provider_module("db_parameter_group")
        return module.DbParameterGroup(
            self, "instance_parameters", name=f"{props.cluster_identifier}-instances",
            family=f"aurora-postgresql{props.engine_version.split('.')[0]}",
            description=f"Instance parameters of {props.cluster_identifier}",
            parameter=[module.DbParameterGroupParameter(
                name=key, value=value, apply_method="pending-reboot")
                for key, value in props.instance_parameters])

    def _monitoring_role(self, props: AuroraClusterProps):
        """Enhanced monitoring's role: writes only the RDSOSMetrics log group of this account
        and region, assumable only for this cluster's instances."""
        logs = f"arn:aws:logs:{props.region}:{props.account_id}:log-group:RDSOSMetrics"
        trust = policy_document(self, "monitoring_trust", [service_trust(
            "monitoring.rds.amazonaws.com", account_id=props.account_id,
            source_arn_pattern=f"arn:aws:rds:{props.region}:{props.account_id}:db:"
                               f"{props.cluster_identifier}-*")])
        role = provider_module("iam_role").IamRole(
            self, "monitoring_role", name=props.monitoring_role_name,
            assume_role_policy=trust.json,
            description=f"Enhanced monitoring of {props.cluster_identifier}")
        policy = policy_document(self, "monitoring_policy_document", [
            Statement(sid="CreateMetricsLogGroup",
                      actions=("logs:CreateLogGroup", "logs:PutRetentionPolicy"),
                      resources=(logs,)),
            Statement(sid="WriteMetrics",
                      actions=("logs:CreateLogStream", "logs:PutLogEvents",
                               "logs:DescribeLogStreams", "logs:GetLogEvents"),
                      resources=(f"{logs}:log-stream:*",)),
        ])
        provider_module("iam_role_policy").IamRolePolicy(
            self, "monitoring_policy", name="enhanced-monitoring", role=role.id,
            policy=policy.json)
        return role

    def connect_statements(self, db_user: str, sid: str = "ConnectAnalyticsDb") -> tuple[Statement, ...]:
        """IAM authentication as `db_user` to this cluster and nothing else."""
        p = self._props
        return (Statement(sid=sid, actions=("rds-db:connect",), resources=(
            f"arn:aws:rds-db:{p.region}:{p.account_id}:dbuser:"
            f"{self.cluster.cluster_resource_id}/{db_user}",)),)
