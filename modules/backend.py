"""The team state backend: `backend.tf.json` read into a typed model and applied to stacks.

`backend.tf.json` is a real Terraform JSON file (usable as-is with plain Terraform), plus a
`//` comment object holding what Terraform has no field for: the state key prefix, the
account that owns the backend and whether the bootstrap stack's own state was migrated.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from modules.aws_rules import DYNAMODB_TABLE, KNOWN_REGIONS, S3_BUCKET
from modules.config import REPO_ROOT, StrictModel, display_path, read_document, validate_as
from modules.errors import ConfigError

if TYPE_CHECKING:  # cdktf starts a jsii node process on import: only when synthesizing
    from cdktf import TerraformStack

BACKEND_FILE = REPO_ROOT / "backend.tf.json"
BOOTSTRAP_STACK = "state-backend"


class S3BackendBlock(StrictModel):
    bucket: Annotated[str, Field(min_length=3, max_length=63)]
    region: Literal[KNOWN_REGIONS]  # type: ignore[valid-type]
    dynamodb_table: Annotated[str, Field(min_length=3, max_length=255)]
    #: State objects are always written with server-side encryption.
    encrypt: Literal[True]
    #: Terraform >= 1.10 native S3 locking, emitted beside DynamoDB locking during migration.
    use_lockfile: Literal[True]
    #: ARN of the state key (output `state_kms_key_arn` of `state-backend`). Terraform then
    #: writes state with that key; the bucket policy refuses any other encryption. Unset before
    #: the bootstrap: stacks then send no encryption header and the bucket's default (the same
    #: key) applies, since S3-managed encryption would be refused.
    kms_key_id: Annotated[str, Field(
        pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$")] \
        | None = None


class BackendNotes(StrictModel):
    about: str = ""
    key_prefix: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
    account_id: Annotated[str, Field(pattern=r"^\d{12}$")]
    #: "local" until the bootstrap's own state is migrated into the bucket, then "s3".
    bootstrap_state: Literal["local", "s3"] = "local"


class _BackendFile(StrictModel):
    notes: BackendNotes = Field(alias="//")
    terraform: dict[Literal["backend"], dict[Literal["s3"], S3BackendBlock]]


class BackendSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    bucket: str
    region: str
    dynamodb_table: str
    key_prefix: str
    account_id: str
    bootstrap_state: Literal["local", "s3"]
    #: The state key's ARN once recorded in backend.tf.json (see S3BackendBlock.kms_key_id).
    kms_key_id: str | None = None

    def state_key(self, *parts: str) -> str:
        """`state_key("dev", "scheduling")` -> `pf/dev/scheduling/terraform.tfstate`."""
        return "/".join((self.key_prefix, *parts, "terraform.tfstate"))


def load_backend_settings(path: Path | None = None) -> BackendSettings:
    # `PF_BACKEND_FILE` points at another backend file (tests, a second team backend).
    path = path or Path(os.environ.get("PF_BACKEND_FILE") or BACKEND_FILE)
    shown = display_path(path)
    parsed = validate_as(_BackendFile, read_document(path), shown)
    s3 = parsed.terraform["backend"]["s3"]
    for rule, name, field in (
        (S3_BUCKET, s3.bucket, "terraform.backend.s3.bucket"),
        (DYNAMODB_TABLE, s3.dynamodb_table, "terraform.backend.s3.dynamodb_table"),
    ):
        problem = rule.violation(name)
        if problem:
            raise ConfigError(shown, field, f"{name!r} {problem}")
    _check_state_key(shown, s3, parsed.notes)
    return BackendSettings(
        bucket=s3.bucket,
        region=s3.region,
        dynamodb_table=s3.dynamodb_table,
        key_prefix=parsed.notes.key_prefix,
        account_id=parsed.notes.account_id,
        bootstrap_state=parsed.notes.bootstrap_state,
        kms_key_id=s3.kms_key_id,
    )


def _check_state_key(shown: str, s3: S3BackendBlock, notes: BackendNotes) -> None:
    field = "terraform.backend.s3.kms_key_id"
    if s3.kms_key_id is None:
        if notes.bootstrap_state == "s3":
            raise ConfigError(shown, field, "required once bootstrap_state is \"s3\": the "
                              "state_kms_key_arn output of state-backend")
        return
    _, _, _, region, account, _ = s3.kms_key_id.split(":", 5)
    if (region, account) != (s3.region, notes.account_id):
        raise ConfigError(shown, field, f"a key in the backend's region and account "
                          f"({s3.region}, {notes.account_id}), not ({region}, {account})")


def use_team_backend(stack: "TerraformStack", settings: BackendSettings, *key_parts: str) -> None:
    """Give `stack` the S3 backend, keyed `<prefix>/<key parts>/terraform.tfstate`.

    cdktf 0.21's typed S3Backend has no `use_lockfile`, hence the override. With the state key
    recorded, Terraform encrypts with it; without it, `encrypt` would mean S3-managed keys, which
    the state bucket refuses, so no header is sent and the bucket's default (the state key)
    applies.
    """
    from cdktf import S3Backend

    S3Backend(
        stack,
        bucket=settings.bucket,
        key=settings.state_key(*key_parts),
        region=settings.region,
        encrypt=settings.kms_key_id is not None,
        kms_key_id=settings.kms_key_id,
        dynamodb_table=settings.dynamodb_table,
    )
    stack.add_override("terraform.backend.s3.use_lockfile", True)


def local_state_file(stack_name: str, outdir: Path | None = None) -> Path:
    """Where a stack with local state keeps it: beside the synthesis output folder (the project
    root for `cdktf.out`), never inside it, since every synth replaces that folder whole; this
    is CDKTF's own convention."""
    return (outdir or REPO_ROOT / "cdktf.out").parent / f"terraform.{stack_name}.tfstate"


def use_local_backend(stack: "TerraformStack") -> None:
    """Local state at `local_state_file`, written relative to the stack's folder in the
    synthesis output (`<outdir>/stacks/<stack>/`), so the JSON holds no machine-specific path."""
    from cdktf import LocalBackend

    LocalBackend(stack, path=f"../../../terraform.{stack.node.id}.tfstate")
