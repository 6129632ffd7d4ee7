"""A Secrets Manager secret for third-party API credentials, created without a value.

Terraform never sees the credentials: the operator stores them once with
`aws secretsmanager put-secret-value --secret-id <name> --secret-string '{"username": ..., "password": ...}'`,
so they appear in no plan, state file or environment variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement
from modules.suppressions import suppress


@dataclass(frozen=True)
class ApiSecretProps:
    name: str
    description: str
    kms_key_arn: str | None
    region: str
    #: Days a deleted secret can still be restored.
    recovery_window_days: int = 30


class ApiSecret(Construct):
    """Exposes `secret_arn` and `read_statements()` for the roles that may read it."""

    def __init__(self, scope: Construct, construct_id: str, props: ApiSecretProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        secret = provider_module("secretsmanager_secret").SecretsmanagerSecret(
            self, "secret", name=props.name, description=props.description,
            kms_key_id=props.kms_key_arn, recovery_window_in_days=props.recovery_window_days,
        )
        suppress(secret, "CKV2_AWS_57",
                 "The PF360 vendor issues and rotates these credentials; there is no API a "
                 "rotation Lambda could call, so the operator puts each new value.")
        self.secret_arn: str = secret.arn

    def read_statements(self) -> tuple[Statement, ...]:
        statements = [Statement(sid="ReadApiCredentials", actions=("secretsmanager:GetSecretValue",),
                                resources=(self.secret_arn,))]
        if self._props.kms_key_arn:
            statements.append(Statement(
                sid="DecryptApiCredentials", actions=("kms:Decrypt",),
                resources=(self._props.kms_key_arn,),
                conditions=(("StringEquals", "kms:ViaService",
                             (f"secretsmanager.{self._props.region}.amazonaws.com",)),),
            ))
        return tuple(statements)
