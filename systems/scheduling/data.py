"""Data layer: the environment's customer key (phase 1), the PF360 credentials (phase 1.5), and
from phase 2 the DynamoDB tables of tables.toml, the other two secrets and the application
settings in SSM Parameter Store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from modules.config import StrictModel, load_file
from modules.dynamodb_table import DynamoTable, DynamoTableProps, DynamoTableSpec
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.parameter import ParameterSet, ParameterSetProps
from modules.schedule import Schedule
from modules.secret import Secret, SecretProps
from modules.stacks.system_stack import SystemStack
from modules.table_autoscaling import TableAutoscaling
from modules.topic import Topic
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

TABLES_FILE = Path(__file__).resolve().parent / "tables.toml"


class TableFile(StrictModel):
    table: tuple[DynamoTableSpec, ...]


@dataclass(frozen=True)
class Data:
    #: Customer key of agents, Lambda environments, logs, schemas, secrets, tables and topics;
    #: None when `agents.customer_managed_key = false` (AWS-owned and AWS-managed keys instead).
    key_arn: str | None
    #: PF360 credentials (phase 1.5 on); None on mock data.
    pf360_secret: Secret | None
    #: Phase 2: tables by name part ("conversation-history", ...), the other secrets by name
    #: part ("database", "api-keys"), and the application settings.
    tables: dict[str, DynamoTable] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    parameters: ParameterSet | None = None

    def all_secrets(self) -> list[Secret]:
        return [s for s in (self.pf360_secret, *self.secrets.values()) if s is not None]


def build_data(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames) -> Data:
    env = stack.env
    key_arn = None
    if settings.agents.customer_managed_key:
        # Phase 2: alarms publish to topics and EventBridge to dead-letter queues under this key.
        services = (*Topic.key_policy_statements(env.account_id, env.region),
                    *Schedule.key_policy_statements()) if settings.reaches("2") else ()
        key_arn = EncryptionKey(stack, "kms", EncryptionKeyProps(
            alias=names.kms_alias(),
            description=f"Encrypts agents, Lambda environment, logs and schemas ({env.environment})",
            account_id=env.account_id, region=env.region, allow_cloudwatch_logs=True,
            extra_statements=services,
        )).key_arn

    secret = None
    if settings.reaches("1.5"):
        # Phase 1.5: the action Lambdas call PF360 with credentials from Secrets Manager.
        secret = _secret(stack, "pf360_credentials", names.api_secret("pf360"), key_arn, env.region,
                         f"PF360 API username and password for the {env.environment} action Lambdas",
                         "ApiCredentials",
                         "The PF360 vendor issues and rotates these credentials; there is no API a "
                         "rotation Lambda could call, so the operator puts each new value.")
    if not settings.reaches("2"):
        return Data(key_arn=key_arn, pf360_secret=secret)
    return Data(key_arn=key_arn, pf360_secret=secret,
                tables=_tables(stack, settings, names, key_arn),
                secrets=_phase2_secrets(stack, names, key_arn),
                parameters=_parameters(stack, settings, names))


def _secret(stack, construct_id, name, key_arn, region, description, grant, reason) -> Secret:
    secret = Secret(stack, construct_id, SecretProps(
        name=name, description=description, kms_key_arn=key_arn, region=region, grant_id=grant,
        no_rotation_reason=reason + " A daily job reports its age (SecretAgeDays) and an alarm "
                                    "fires when it is overdue."))
    if key_arn is None:
        excuse([secret.secret], ("CKV_AWS_149",), NO_CUSTOMER_KEY)
    return secret


def _tables(stack, settings: SchedulingSettings, names: SchedulingNames,
            key_arn: str | None) -> dict[str, DynamoTable]:
    config = settings.tables
    provisioned = config.capacity_mode == "provisioned"
    tables = {}
    for spec in load_file(TABLES_FILE, TableFile).table:
        table = DynamoTable(stack, f"table_{spec.name.replace('-', '_')}", DynamoTableProps(
            table_name=names.table(spec.name), spec=spec, kms_key_arn=key_arn,
            region=stack.env.region,
            billing_mode="PROVISIONED" if provisioned else "PAY_PER_REQUEST",
            autoscaling=TableAutoscaling(
                min_capacity=min(spec.read_capacity, spec.write_capacity),
                max_capacity=max(config.autoscaling_max_capacity,
                                                 spec.read_capacity, spec.write_capacity),
                target_utilization_percent=float(config.autoscaling_target_percent)),
            deletion_protection=config.deletion_protection,
        ))
        if key_arn is None:
            excuse([table.table], ("CKV_AWS_119",), NO_CUSTOMER_KEY)
        tables[spec.name] = table
    return tables


def _phase2_secrets(stack, names: SchedulingNames, key_arn: str | None) -> dict[str, Secret]:
    region, env = stack.env.region, stack.env.environment
    return {
        "database": _secret(
            stack, "database_connection", names.secret("database", "connection"), key_arn, region,
            f"Connection settings of the analytics database ({env})", "DatabaseConnection",
            "No database exists before the enterprise phase, whose Aurora cluster manages and "
            "rotates its own master secret; this one holds connection settings the operator "
            "writes."),
        "api-keys": _secret(
            stack, "frontend_api_keys", names.secret("bedrock", "api-keys"), key_arn, region,
            f"API keys the frontend uses to call the scheduling API ({env})", "FrontendApiKeys",
            "API keys are issued by API Gateway and replaced on the usage plan by the operator "
            "(manual rotation); this secret only hands the current key to the frontend."),
    }


def _parameters(stack, settings: SchedulingSettings, names: SchedulingNames) -> ParameterSet:
    app = settings.settings
    return ParameterSet(stack, "settings", ParameterSetProps(
        path=names.parameter_path(),
        values={
            "business_hours": app.business_hours,
            "booking_window_days": str(app.booking_window_days),
            "cache_ttl_seconds": str(app.cache_ttl_seconds),
            "session_idle_days": str(app.session_idle_days),
            "conversation_ttl_days": str(settings.tables.conversation_ttl_days),
            "feature_flags": json.dumps({"use_cache": app.use_cache}, sort_keys=True),
        },
        description=f"Scheduling application setting ({stack.env.environment})",
        account_id=stack.env.account_id, region=stack.env.region,
    ))
