"""The destroy guard: a plan may not delete or replace a stateful resource unless told to.

Terraform marks a delete as `["delete"]` and a replacement as `["delete", "create"]` or
`["create", "delete"]` (create_before_destroy); both lose the resource's data. The guard lists
every such change on a type in `STATEFUL_TYPES`, and the pipeline fails unless each one was
allowed by `--allow-destroy ADDRESS` (the exact resource address, e.g.
`aws_dynamodb_table.table_session_state_table_44344D35`, or `STACK:ADDRESS` for one stack only).

What counts as stateful: a resource whose deletion loses data that Terraform cannot put back
from the configuration (items, objects, keys and what they encrypt, secret values, queued
messages, users, logs). Not stateful for this purpose: SSM parameters (every value the project
writes comes from the configuration, so a replaced parameter is identical), IAM, Lambda, API
Gateway, Bedrock agents and the rest of the configuration-only resources. Everything a
`removed` block merely forgets (`forget`) is no delete and is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Resource types whose delete or replacement loses data. One place; keep it sorted.
STATEFUL_TYPES: frozenset[str] = frozenset({
    # CloudWatch Logs: the retained log events (audit and access logs) go with the group.
    "aws_cloudwatch_log_group",
    # Cognito: users, their passwords and MFA devices.
    "aws_cognito_user_pool",
    # RDS / Aurora.
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_rds_global_cluster",
    # DynamoDB: items (point-in-time recovery does not survive a table delete by Terraform).
    "aws_dynamodb_global_table",
    "aws_dynamodb_table",
    "aws_dynamodb_table_replica",
    # EFS.
    "aws_efs_file_system",
    # ElastiCache.
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_elasticache_serverless_cache",
    # Kinesis.
    "aws_kinesis_stream",
    # KMS: everything encrypted under the key becomes unreadable once it is deleted.
    "aws_kms_external_key",
    "aws_kms_key",
    "aws_kms_replica_key",
    # OpenSearch (managed domains and serverless collections).
    "aws_opensearch_domain",
    "aws_opensearchserverless_collection",
    # S3: objects and their versions.
    "aws_s3_bucket",
    "aws_s3_directory_bucket",
    # Secrets Manager: secret values are set outside Terraform (README, phase 1.5).
    "aws_secretsmanager_secret",
    # SQS: messages, dead letters included.
    "aws_sqs_queue",
})


@dataclass(frozen=True)
class GuardedChange:
    stack: str
    address: str
    resource_type: str
    actions: tuple[str, ...]
    #: Attribute paths that force the replacement (`replace_paths`), when Terraform says.
    replace_paths: tuple[str, ...] = ()
    #: Terraform's `action_reason`, e.g. `delete_because_no_resource_config`.
    reason: str | None = None
    allowed: bool = False

    @property
    def kind(self) -> str:
        return "replace" if "create" in self.actions else "delete"

    @property
    def flag_value(self) -> str:
        """What `--allow-destroy` takes to allow exactly this change."""
        return f"{self.stack}:{self.address}"

    def describe(self) -> str:
        why = []
        if self.replace_paths:
            why.append("forced by " + ", ".join(self.replace_paths))
        if self.reason:
            why.append(self.reason)
        suffix = f" ({'; '.join(why)})" if why else ""
        return f"{self.kind} {self.address}{suffix}"


@dataclass
class GuardResult:
    stack: str
    changes: list[GuardedChange] = field(default_factory=list)

    @property
    def refused(self) -> list[GuardedChange]:
        return [c for c in self.changes if not c.allowed]

    @property
    def allowed(self) -> list[GuardedChange]:
        return [c for c in self.changes if c.allowed]

    @property
    def ok(self) -> bool:
        return not self.refused


def parse_allowance(value: str) -> tuple[str | None, str]:
    """`ADDRESS` -> (None, ADDRESS); `STACK:ADDRESS` -> (STACK, ADDRESS).

    A resource address always has a `.` before any `:` it may contain (in an index key), so a
    prefix without a dot is a stack name."""
    head, sep, tail = value.partition(":")
    if sep and head and "." not in head:
        return head, tail
    return None, value


def allows(allowances: list[str] | tuple[str, ...], stack: str, address: str) -> bool:
    for value in allowances:
        only, allowed_address = parse_allowance(value)
        if allowed_address == address and only in (None, stack):
            return True
    return False


def _paths(replace_paths: list | None) -> tuple[str, ...]:
    rendered = []
    for path in replace_paths or []:
        parts = []
        for step in path:
            parts.append(f"[{step}]" if isinstance(step, int) else (f".{step}" if parts else step))
        rendered.append("".join(parts))
    return tuple(rendered)


def guard_plan(stack: str, plan: dict, allowances: list[str] | tuple[str, ...] = ()) -> GuardResult:
    """Every delete or replacement of a stateful managed resource in a `terraform show -json`
    plan, each marked allowed or not."""
    result = GuardResult(stack)
    for change in plan.get("resource_changes", []):
        actions = tuple(change.get("change", {}).get("actions", []))
        if "delete" not in actions or change.get("mode", "managed") != "managed":
            continue
        if change.get("type") not in STATEFUL_TYPES:
            continue
        address = change["address"]
        result.changes.append(GuardedChange(
            stack=stack, address=address, resource_type=change["type"], actions=actions,
            replace_paths=_paths(change.get("change", {}).get("replace_paths")
                                 or change.get("replace_paths")),
            reason=change.get("action_reason"),
            allowed=allows(allowances, stack, address),
        ))
    return result


def unused_allowances(allowances: list[str] | tuple[str, ...],
                      results: list[GuardResult]) -> list[str]:
    """Allowances that matched no guarded change of any stack (a typo, or a stale flag)."""
    used = {value for value in allowances for r in results for c in r.changes
            if allows([value], c.stack, c.address)}
    return [value for value in allowances if value not in used]


def main(argv: list[str] | None = None) -> int:
    """`python -m modules.pipeline.destroy_guard PLAN_JSON [--stack NAME] [--allow-destroy ...]`:
    check one real plan (`terraform show -json tfplan`) before it is applied; exit 1 when it
    would delete or replace a stateful resource that no `--allow-destroy` names."""
    import argparse
    import json
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m modules.pipeline.destroy_guard",
                                     description=main.__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path, help="plan JSON from `terraform show -json`")
    parser.add_argument("--stack", default=None,
                        help="stack name for STACK:ADDRESS allowances (default: the plan file's "
                             "name up to the first '.')")
    parser.add_argument("--allow-destroy", action="append", default=[], metavar="[STACK:]ADDRESS",
                        help="allow deleting or replacing this exact address; repeatable")
    args = parser.parse_args(argv)
    stack = args.stack or args.plan.name.split(".")[0]
    try:
        plan = json.loads(args.plan.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        print(f"error: {args.plan}: not a readable plan JSON ({exc})", file=sys.stderr)
        return 2
    result = guard_plan(stack, plan, args.allow_destroy)
    for change in result.changes:
        verdict = "allowed" if change.allowed else "REFUSED"
        print(f"[{stack}] {verdict}: {change.describe()}")
    if result.ok:
        print(f"[{stack}] destroy guard: ok ({len(result.allowed)} allowed change(s))")
        return 0
    print(f"[{stack}] destroy guard: FAILED; to allow, add --allow-destroy "
          + " --allow-destroy ".join(c.flag_value for c in result.refused), file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
