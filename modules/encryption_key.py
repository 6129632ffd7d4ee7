"""Customer-managed KMS key with rotation, an alias and an explicit key policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document
from modules.suppressions import suppress


@dataclass(frozen=True)
class EncryptionKeyProps:
    alias: str
    description: str
    account_id: str
    region: str
    #: Let CloudWatch Logs use the key for log groups of this account and region.
    allow_cloudwatch_logs: bool = False
    #: Days before a scheduled deletion completes (7-30).
    deletion_window_days: int = 30
    prevent_destroy: bool = False
    extra_statements: tuple[Statement, ...] = field(default=())
    #: Provider of another region (`SystemStack.provider_in`), e.g. for a replica's key.
    provider: Any = None


class EncryptionKey(Construct):
    """Exposes `key_arn` and `key_id`."""

    def __init__(self, scope: Construct, construct_id: str, props: EncryptionKeyProps) -> None:
        super().__init__(scope, construct_id)
        account_root = f"arn:aws:iam::{props.account_id}:root"
        statements = [
            # Account root delegates key use to IAM policies; without it the key is unmanageable.
            Statement(
                sid="AccountAdministersKeyThroughIam",
                actions=("kms:*",),
                resources=("*",),
                principals=(("AWS", (account_root,)),),
            ),
        ]
        if props.allow_cloudwatch_logs:
            statements.append(
                Statement(
                    sid="CloudWatchLogsEncryptsOwnLogGroups",
                    actions=("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                             "kms:GenerateDataKey*", "kms:Describe*"),
                    resources=("*",),
                    principals=(("Service", (f"logs.{props.region}.amazonaws.com",)),),
                    conditions=(
                        ("ArnLike", "kms:EncryptionContext:aws:logs:arn",
                         (f"arn:aws:logs:{props.region}:{props.account_id}:log-group:*",)),
                    ),
                )
            )
        statements.extend(props.extra_statements)
        key_policy = policy_document(self, "key_policy", statements)
        for check, why in (
            ("CKV_AWS_109", "A KMS key policy's Resource '*' means this key only; the account-root "
                            "statement is required so IAM policies can grant use of the key."),
            ("CKV_AWS_111", "A KMS key policy's Resource '*' means this key only; write access is "
                            "limited to the owning account's IAM principals."),
            ("CKV_AWS_356", "A KMS key policy's Resource '*' is the key itself, not every resource."),
        ):
            suppress(key_policy, check, why)
        lifecycle = TerraformResourceLifecycle(prevent_destroy=True) if props.prevent_destroy else None
        key = provider_module("kms_key").KmsKey(
            self,
            "key",
            provider=props.provider,
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            policy=key_policy.json,
            lifecycle=lifecycle,
        )
        provider_module("kms_alias").KmsAlias(
            self, "alias", name=props.alias, target_key_id=key.key_id, provider=props.provider
        )
        self.key_arn: str = key.arn
        self.key_id: str = key.key_id
