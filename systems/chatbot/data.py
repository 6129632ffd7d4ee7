"""Data layer: the customer key, the three DynamoDB tables of tables.toml and the three secrets
(values put by the operator after deployment), plus daily backups where the env file asks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modules.backup_plan import BackupPlan, BackupPlanProps
from modules.config import StrictModel, load_file
from modules.dynamodb_table import DynamoTable, DynamoTableProps, DynamoTableSpec
from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.secret import Secret, SecretProps
from modules.stacks.system_stack import SystemStack
from modules.topic import Topic
from systems.chatbot.names import ChatbotNames
from systems.chatbot.settings import ChatbotSettings

TABLES_FILE = Path(__file__).resolve().parent / "tables.toml"

# Secret name part -> (construct id, grant id, what it holds, why nothing here rotates it).
SECRETS = {
    "salesforce-credentials": (
        "salesforce_credentials", "SalesforceCredentials",
        'Salesforce connected-app OAuth client credentials: {"client_id", "client_secret"}',
        "The connected app's consumer secret is issued and rotated in Salesforce Setup; no API "
        "lets a rotation Lambda replace it, so the operator puts each new value."),
    "openai-credentials": (
        "openai_credentials", "OpenAiCredentials",
        'API key of the OpenAI-compatible chat completion service: {"api_key"}',
        "The AI provider issues API keys in its own console only; the operator puts each new key "
        "and revokes the old one there."),
    "jwt-secret": (
        "jwt_secret", "JwtSecret",
        'HS256 signing key shared with the login service that issues user tokens: '
        '{"signing_key"} (at least 32 characters)',
        "The login service outside this stack signs tokens with the same key; rotating it here "
        "alone would reject every user, so both sides change it together in a planned window."),
}


class TableFile(StrictModel):
    table: tuple[DynamoTableSpec, ...]


@dataclass(frozen=True)
class Data:
    key_arn: str
    #: By name part: "sessions", "cache", "chat-history".
    tables: dict[str, DynamoTable]
    #: By name part: "salesforce-credentials", "openai-credentials", "jwt-secret".
    secrets: dict[str, Secret]


def load_tables(path: Path = TABLES_FILE) -> tuple[DynamoTableSpec, ...]:
    return load_file(path, TableFile).table


def build_data(stack: SystemStack, settings: ChatbotSettings, names: ChatbotNames) -> Data:
    env = stack.env
    key_arn = EncryptionKey(stack, "kms", EncryptionKeyProps(
        alias=names.kms_alias(),
        description=f"Encrypts the chatbot's tables, secrets, Lambda environment, logs and "
                    f"alerts ({env.environment})",
        account_id=env.account_id, region=env.region, allow_cloudwatch_logs=True,
        # Alarms publish to the encrypted topic: CloudWatch must use the key itself.
        extra_statements=Topic.key_policy_statements(env.account_id, env.region),
    )).key_arn
    tables = {spec.name: DynamoTable(stack, f"table_{spec.name.replace('-', '_')}",
                                     DynamoTableProps(
        table_name=names.table(spec.name), spec=spec, kms_key_arn=key_arn, region=env.region,
        billing_mode="PAY_PER_REQUEST", point_in_time_recovery=True,
        deletion_protection=settings.tables.deletion_protection)) for spec in load_tables()}
    secrets = {part: Secret(stack, construct_id, SecretProps(
        name=names.secret(part), description=f"{what} ({env.environment})", kms_key_arn=key_arn,
        region=env.region, grant_id=grant, no_rotation_reason=reason))
        for part, (construct_id, grant, what, reason) in SECRETS.items()}
    if settings.tables.backup:
        BackupPlan(stack, "backup", BackupPlanProps(
            vault_name=names.backup("vault"), plan_name=names.backup("plan"),
            role_name=names.backup("role"), kms_key_arn=key_arn, account_id=env.account_id,
            resource_arns=tuple(t.table_arn for t in tables.values()),
            delete_after_days=settings.tables.backup_retention_days))
    return Data(key_arn=key_arn, tables=tables, secrets=secrets)
