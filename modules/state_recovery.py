"""Restore a stack's Terraform state from an earlier version in the versioned state bucket.

    .venv/bin/python -m modules.state_recovery list dev-scheduling
    .venv/bin/python -m modules.state_recovery restore dev-scheduling --version-id <id>

`list` shows every version of the stack's state object (newest first) with its serial and
resource count, so the last good one is easy to spot. `restore` copies that version back as
the current object, encrypted with the state key, and sets the DynamoDB digest row Terraform
checks on every read (`<bucket>/<key>-md5`) to the restored content, so the next `terraform
plan` reads it without a checksum error. Nothing is deleted: the bad version stays in the
bucket's history. It refuses while a Terraform lock is held on the state.

Credentials and endpoint come from the usual AWS environment (`AWS_PROFILE`, ...;
`AWS_ENDPOINT_URL` for the local emulator).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass

from modules.backend import BOOTSTRAP_STACK, BackendSettings, load_backend_settings
from modules.errors import ConfigError


class RecoveryError(Exception):
    """A refusal with one line saying why."""


def state_key_of(settings: BackendSettings, stack: str) -> str:
    """`dev-scheduling` -> `pf/dev/scheduling/terraform.tfstate`; `state-backend` keeps its name."""
    if stack == BOOTSTRAP_STACK:
        return settings.state_key(BOOTSTRAP_STACK)
    env, sep, system = stack.partition("-")
    if not sep or not env or not system:
        raise RecoveryError(f"stack {stack!r}: expected <environment>-<system> or "
                            f"{BOOTSTRAP_STACK}")
    return settings.state_key(env, system)


@dataclass(frozen=True)
class StateVersion:
    version_id: str
    modified: str
    size: int
    latest: bool
    serial: int | None
    resources: int | None


def _clients():
    try:
        import boto3
    except ImportError:  # pragma: no cover - installed by `make setup`
        raise RecoveryError("boto3 is not installed: run `make setup`") from None
    return boto3.client("s3"), boto3.client("dynamodb")


def _summary(body: bytes) -> tuple[int | None, int | None]:
    try:
        document = json.loads(body)
        return document.get("serial"), len(document.get("resources", []))
    except (ValueError, AttributeError):
        return None, None  # not a state document: exactly what a bad write may leave


def list_versions(settings: BackendSettings, stack: str, s3=None) -> list[StateVersion]:
    s3 = s3 or _clients()[0]
    key = state_key_of(settings, stack)
    listed = s3.list_object_versions(Bucket=settings.bucket, Prefix=key)
    versions = []
    for item in listed.get("Versions", []):
        if item["Key"] != key:
            continue
        body = s3.get_object(Bucket=settings.bucket, Key=key,
                             VersionId=item["VersionId"])["Body"].read()
        serial, resources = _summary(body)
        versions.append(StateVersion(item["VersionId"], item["LastModified"].isoformat(),
                                     item["Size"], item["IsLatest"], serial, resources))
    if not versions:
        raise RecoveryError(f"s3://{settings.bucket}/{key} has no versions")
    return sorted(versions, key=lambda v: v.modified, reverse=True)


def restore(settings: BackendSettings, stack: str, version_id: str, clients=None) -> str:
    """Make `version_id` the current state of `stack`; returns the new current version id."""
    s3, dynamodb = clients or _clients()
    key = state_key_of(settings, stack)
    lock = dynamodb.get_item(TableName=settings.dynamodb_table,
                             Key={"LockID": {"S": f"{settings.bucket}/{key}"}},
                             ConsistentRead=True).get("Item")
    if lock:
        raise RecoveryError(f"{stack}: a Terraform lock is held ({lock.get('Info', {}).get('S')}); "
                            "wait for it or `terraform force-unlock` it first")
    try:
        body = s3.get_object(Bucket=settings.bucket, Key=key, VersionId=version_id)["Body"].read()
    except s3.exceptions.ClientError as exc:
        raise RecoveryError(f"s3://{settings.bucket}/{key} has no version {version_id!r} "
                            f"({exc.response['Error']['Code']})") from None
    if _summary(body) == (None, None):
        raise RecoveryError(f"version {version_id} is not a Terraform state document")
    encryption = ({"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": settings.kms_key_id}
                  if settings.kms_key_id else {})
    copied = s3.copy_object(Bucket=settings.bucket, Key=key,
                            CopySource={"Bucket": settings.bucket, "Key": key,
                                        "VersionId": version_id}, **encryption)
    # Terraform compares this digest with the object it reads; a stale one fails every plan.
    dynamodb.put_item(TableName=settings.dynamodb_table, Item={
        "LockID": {"S": f"{settings.bucket}/{key}-md5"},
        "Digest": {"S": hashlib.md5(body).hexdigest()}})  # noqa: S324 - Terraform's checksum
    return copied.get("VersionId", "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="versions of a stack's state object, newest first")
    listing.add_argument("stack", help="dev-scheduling, state-backend, ...")
    restoring = commands.add_parser("restore", help="make an earlier version current again")
    restoring.add_argument("stack")
    restoring.add_argument("--version-id", required=True, help="from `list`")
    args = parser.parse_args(argv)
    try:
        settings = load_backend_settings()
        if args.command == "list":
            print(f"{'version id':<34} {'modified':<26} {'bytes':>8} {'serial':>6} {'resources':>9}")
            for v in list_versions(settings, args.stack):
                print(f"{v.version_id:<34} {v.modified:<26} {v.size:>8} "
                      f"{v.serial if v.serial is not None else '-':>6} "
                      f"{v.resources if v.resources is not None else 'not state':>9}"
                      f"{'  (current)' if v.latest else ''}")
        else:
            new = restore(settings, args.stack, args.version_id)
            print(f"{args.stack}: version {args.version_id} restored as current version {new}; "
                  "run `terraform plan` to confirm it matches what exists")
    except (RecoveryError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
