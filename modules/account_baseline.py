"""Account-wide settings every account of a compliant organization carries: the IAM password
policy, S3 Block Public Access for the whole account, and EBS encryption by default (with a
customer key when one is given). Each exists once per account (EBS: per region)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class PasswordPolicy:
    minimum_length: int = 14
    #: Days before a password must change (0: never; SOC2 baselines ask for 90).
    max_age_days: int = 90
    #: Previous passwords that cannot be reused.
    reuse_prevention: int = 24

    def __post_init__(self) -> None:
        if not 14 <= self.minimum_length <= 128:
            raise ValueError("password minimum_length: 14-128 (CIS asks for at least 14)")
        if not 1 <= self.max_age_days <= 90:
            raise ValueError("password max_age_days: 1-90")
        if not 1 <= self.reuse_prevention <= 24:
            raise ValueError("password reuse_prevention: 1-24")


@dataclass(frozen=True)
class AccountBaselineProps:
    password: PasswordPolicy = PasswordPolicy()
    #: Customer key for new EBS volumes; None keeps the AWS-managed `aws/ebs` key.
    ebs_kms_key_arn: str | None = None


class AccountBaseline(Construct):
    """Exposes `password_policy`, `public_access_block` and `ebs_encryption` (L1)."""

    def __init__(self, scope: Construct, construct_id: str, props: AccountBaselineProps) -> None:
        super().__init__(scope, construct_id)
        password = props.password
        self.password_policy = provider_module("iam_account_password_policy").IamAccountPasswordPolicy(
            self, "password_policy", minimum_password_length=password.minimum_length,
            require_lowercase_characters=True, require_uppercase_characters=True,
            require_numbers=True, require_symbols=True, allow_users_to_change_password=True,
            max_password_age=password.max_age_days,
            password_reuse_prevention=password.reuse_prevention, hard_expiry=False)
        self.public_access_block = provider_module("s3_account_public_access_block") \
            .S3AccountPublicAccessBlock(self, "public_access_block", block_public_acls=True,
                                        block_public_policy=True, ignore_public_acls=True,
                                        restrict_public_buckets=True)
        self.ebs_encryption = provider_module("ebs_encryption_by_default").EbsEncryptionByDefault(
            self, "ebs_encryption", enabled=True)
        if props.ebs_kms_key_arn:
            provider_module("ebs_default_kms_key").EbsDefaultKmsKey(
                self, "ebs_key", key_arn=props.ebs_kms_key_arn)
