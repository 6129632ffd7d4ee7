"""Data layer: the environment's customer key (phase 1) and the PF360 credentials (phase 1.5)."""

from __future__ import annotations

from dataclasses import dataclass

from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.secret import Secret, SecretProps
from modules.stacks.system_stack import SystemStack
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse


@dataclass(frozen=True)
class Data:
    #: Customer key of agents, Lambda environments, logs, schemas and secrets; None when
    #: `agents.customer_managed_key = false` (AWS-owned and AWS-managed keys instead).
    key_arn: str | None
    #: PF360 credentials (phase 1.5 on); None on mock data.
    pf360_secret: Secret | None


def build_data(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames) -> Data:
    env = stack.env
    key_arn = None
    if settings.agents.customer_managed_key:
        key_arn = EncryptionKey(stack, "kms", EncryptionKeyProps(
            alias=names.kms_alias(),
            description=f"Encrypts agents, Lambda environment, logs and schemas ({env.environment})",
            account_id=env.account_id, region=env.region, allow_cloudwatch_logs=True,
        )).key_arn

    secret = None
    if settings.reaches("1.5"):
        # Phase 1.5: the action Lambdas call PF360 with credentials from Secrets Manager.
        secret = Secret(stack, "pf360_credentials", SecretProps(
            name=names.api_secret("pf360"),
            description=f"PF360 API username and password for the {env.environment} action Lambdas",
            kms_key_arn=key_arn, region=env.region, grant_id="ApiCredentials",
            no_rotation_reason="The PF360 vendor issues and rotates these credentials; there is no "
                               "API a rotation Lambda could call, so the operator puts each new value.",
        ))
        if key_arn is None:
            excuse([secret.secret], ("CKV_AWS_149",), NO_CUSTOMER_KEY)
    return Data(key_arn=key_arn, pf360_secret=secret)
