"""Phase 3 keys: one customer key per purpose, beside the per-environment key of phase 1.

How the keys relate (the specification plans three aliases, `pf-rds-encryption`,
`pf-s3-encryption` and `pf-secrets-encryption`, while the system already encrypts everything
with one key per environment, `alias/<prefix>-agents-<env>`):

- The phase-1 key stays and keeps what it already encrypts (agents, Lambda environments, log
  groups, the schema bucket, the phase 1.5/2 secrets, tables, topics, queues). Moving those to
  new keys would replace stateful resources for no gain.
- Phase 3 adds the three planned keys, each with `-<env>` (environments share an account), for
  what phase 3 creates: `rds` encrypts the Aurora cluster's storage and Performance Insights
  (and the Redis replication group at rest: both are the database tier), `s3` the new phase-3
  buckets, `secrets` the new phase-3 secrets (the Aurora master secret that RDS manages).
- Each key's policy lets the account's principals use it only through its own service
  (`kms:ViaService`), and nobody may create a grant except for an AWS resource, so a role
  that can read an S3 object cannot decrypt the database secret with the same key.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.encryption_key import EncryptionKey, EncryptionKeyProps
from modules.policy import Statement
from modules.stacks.system_stack import SystemStack
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings

# What a service needs of a key it encrypts with on a principal's behalf.
_SERVICE_USE = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey")


@dataclass(frozen=True)
class Phase3Keys:
    rds: EncryptionKey
    s3: EncryptionKey
    secrets: EncryptionKey


@dataclass(frozen=True)
class _KeySpec:
    purpose: str                 # alias part: rds | s3 | secrets
    services: tuple[str, ...]    # service endpoints allowed to use it (kms:ViaService)
    description: str


_KEYS = (
    _KeySpec("rds", ("rds", "elasticache"),
             "Aurora storage and Performance Insights, Redis at rest"),
    _KeySpec("s3", ("s3",), "phase-3 S3 buckets"),
    _KeySpec("secrets", ("secretsmanager",), "phase-3 Secrets Manager secrets"),
)


def key_statements(spec_services: tuple[str, ...], account_id: str, region: str,
                   purpose: str) -> tuple[Statement, ...]:
    """The service-use and grant-guard statements of one purpose key."""
    root = f"arn:aws:iam::{account_id}:root"
    statements = [
        Statement(
            sid="UseOnlyThroughItsService",
            actions=_SERVICE_USE,
            resources=("*",),
            principals=(("AWS", (root,)),),
            conditions=(
                ("StringEquals", "kms:CallerAccount", (account_id,)),
                ("StringEquals", "kms:ViaService",
                 tuple(f"{s}.{region}.amazonaws.com" for s in spec_services)),
            ),
        ),
        Statement(
            sid="GrantsOnlyForAwsResources",
            effect="Deny",
            actions=("kms:CreateGrant",),
            resources=("*",),
            principals=(("AWS", ("*",)),),
            conditions=(("Bool", "kms:GrantIsForAWSResource", ("false",)),),
        ),
    ]
    if purpose == "s3":
        # CloudFront origin access control reads SSE-KMS objects as the CloudFront service;
        # only this account's distributions may.
        statements.append(Statement(
            sid="CloudFrontOfThisAccountDecrypts",
            actions=("kms:Decrypt",),
            resources=("*",),
            principals=(("Service", ("cloudfront.amazonaws.com",)),),
            conditions=(("StringLike", "aws:SourceArn",
                         (f"arn:aws:cloudfront::{account_id}:distribution/*",)),),
        ))
    return tuple(statements)


def build_keys(stack: SystemStack, settings: SchedulingSettings,
               names: SchedulingNames) -> Phase3Keys:
    env = stack.env
    keys = {}
    for spec in _KEYS:
        keys[spec.purpose] = EncryptionKey(stack, f"kms_{spec.purpose}", EncryptionKeyProps(
            alias=names.purpose_key_alias(spec.purpose),
            description=f"Encrypts {spec.description} ({env.environment})",
            account_id=env.account_id, region=env.region,
            extra_statements=key_statements(spec.services, env.account_id, env.region,
                                            spec.purpose),
        ))
    return Phase3Keys(**keys)
