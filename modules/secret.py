"""A Secrets Manager secret created without a value.

Terraform never sees the value: the operator stores it once with
`aws secretsmanager put-secret-value --secret-id <name> --secret-string '...'`, so it appears in
no plan, state file or environment variable. Readers get `read_statements()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service
from modules.suppressions import suppress


@dataclass(frozen=True)
class SecretProps:
    name: str
    description: str
    kms_key_arn: str | None
    region: str
    #: Days a deleted secret can still be restored.
    recovery_window_days: int = 30
    #: Why the secret has no rotation function (the owner of the value rotates it elsewhere);
    #: required until this construct manages rotation, it becomes the CKV2_AWS_57 suppression.
    no_rotation_reason: str = ""
    #: Statement ids of `read_statements()`: `Read<grant_id>`, `Decrypt<grant_id>`.
    grant_id: str = "Secret"


class Secret(Construct):
    """Exposes `secret` (the L1 resource), `secret_arn` and `read_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: SecretProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.secret = provider_module("secretsmanager_secret").SecretsmanagerSecret(
            self, "secret", name=props.name, description=props.description,
            kms_key_id=props.kms_key_arn, recovery_window_in_days=props.recovery_window_days,
        )
        suppress(self.secret, "CKV2_AWS_57", props.no_rotation_reason)
        self.secret_arn: str = self.secret.arn

    def read_statements(self) -> tuple[Statement, ...]:
        """GetSecretValue on this secret, and decryption of it through Secrets Manager only."""
        grant = self._props.grant_id
        statements = [Statement(sid=f"Read{grant}", actions=("secretsmanager:GetSecretValue",),
                                resources=(self.secret_arn,))]
        if self._props.kms_key_arn:
            statements.append(kms_via_service(f"Decrypt{grant}", self._props.kms_key_arn,
                                              "secretsmanager", self._props.region))
        return tuple(statements)
