"""A Glue security configuration: KMS encryption of what Glue jobs write to S3, of their
CloudWatch logs and of their job bookmarks."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement


@dataclass(frozen=True)
class GlueSecurityProps:
    name: str
    #: SSE-KMS key of the objects jobs write.
    s3_kms_key_arn: str
    #: Key of the job log groups (CloudWatch Logs must be allowed to use it) and bookmarks.
    logs_kms_key_arn: str
    bookmarks_kms_key_arn: str
    account_id: str
    region: str


class GlueSecurity(Construct):
    """Exposes `configuration` (the L1 resource), `name` and `job_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: GlueSecurityProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.configuration = provider_module(
            "glue_security_configuration").GlueSecurityConfiguration(
            self, "configuration", name=props.name, encryption_configuration={
                "s3_encryption": {"s3_encryption_mode": "SSE-KMS",
                                  "kms_key_arn": props.s3_kms_key_arn},
                "cloudwatch_encryption": {"cloudwatch_encryption_mode": "SSE-KMS",
                                          "kms_key_arn": props.logs_kms_key_arn},
                "job_bookmarks_encryption": {"job_bookmarks_encryption_mode": "CSE-KMS",
                                             "kms_key_arn": props.bookmarks_kms_key_arn},
            })
        self.name: str = self.configuration.name

    def job_statements(self) -> tuple[Statement, ...]:
        """What a job role running under this configuration needs: its encrypted log groups
        under /aws-glue/ and the bookmark key (Glue encrypts bookmarks client-side with the
        job's role)."""
        props = self._props
        groups = f"arn:aws:logs:{props.region}:{props.account_id}:log-group:/aws-glue/*"
        return (
            Statement(sid="WriteEncryptedGlueLogs",
                      actions=("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                               "logs:AssociateKmsKey"),
                      resources=(groups, f"{groups}:*")),
            Statement(sid="EncryptBookmarks", actions=("kms:Encrypt", "kms:Decrypt",
                                                       "kms:GenerateDataKey"),
                      resources=(props.bookmarks_kms_key_arn,)),
        )
