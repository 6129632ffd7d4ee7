"""An Athena workgroup with its configuration enforced (clients cannot change the output
location or turn encryption off), query results encrypted with SSE-KMS, a per-query scan
limit, CloudWatch metrics, and named queries loaded from SQL files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

QUERY_NAME = re.compile(r"^[a-z0-9_]{1,128}$")


@dataclass(frozen=True)
class AthenaWorkgroupProps:
    name: str
    #: `s3://bucket/prefix/` where results go.
    output_location: str
    results_bucket_arn: str
    kms_key_arn: str
    account_id: str
    region: str
    #: Glue database the named queries run in.
    database: str
    #: SQL files, one named query each (the file stem is its name, the first `--` line its
    #: description).
    query_files: tuple[Path, ...] = ()
    #: Queries scanning more than this are cancelled (cost guard); at least 10 MB.
    bytes_scanned_cutoff_per_query: int = 10 * 1024**3
    description: str = ""

    def __post_init__(self) -> None:
        if not self.output_location.startswith("s3://") or not self.output_location.endswith("/"):
            raise ValueError(f"workgroup {self.name}: output_location must be s3://.../")
        if self.bytes_scanned_cutoff_per_query < 10 * 1024**2:
            raise ValueError(f"workgroup {self.name}: bytes_scanned_cutoff_per_query is at "
                             f"least 10485760 (10 MB)")
        for path in self.query_files:
            if not QUERY_NAME.match(path.stem) or path.suffix != ".sql":
                raise ValueError(f"workgroup {self.name}: {path.name} must be "
                                 f"<lowercase_name>.sql")


def describe(path: Path) -> str:
    """The first `--` comment line of a SQL file (its description)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("--"):
            return line.lstrip("-").strip()[:1024]
    return path.stem


class AthenaWorkgroup(Construct):
    """Exposes `workgroup`, `named_queries` (L1 resources, in file order), `workgroup_arn` and
    `query_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: AthenaWorkgroupProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.workgroup = provider_module("athena_workgroup").AthenaWorkgroup(
            self, "workgroup", name=props.name, description=props.description or None,
            state="ENABLED", force_destroy=False,
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "bytes_scanned_cutoff_per_query": props.bytes_scanned_cutoff_per_query,
                "result_configuration": {
                    "output_location": props.output_location,
                    "encryption_configuration": {"encryption_option": "SSE_KMS",
                                                 "kms_key_arn": props.kms_key_arn},
                    "expected_bucket_owner": props.account_id,
                },
            })
        self.workgroup_arn: str = self.workgroup.arn
        query = provider_module("athena_named_query").AthenaNamedQuery
        self.named_queries = [
            query(self, f"query_{path.stem}", name=path.stem, workgroup=self.workgroup.id,
                  database=props.database, description=describe(path),
                  query=path.read_text(encoding="utf-8"))
            for path in props.query_files]

    def query_statements(self) -> tuple[Statement, ...]:
        """What an analyst or a job needs to run queries in this workgroup (not the catalog or
        the data: grant those beside it)."""
        props = self._props
        return (
            Statement(sid="QueryInWorkgroup",
                      actions=("athena:StartQueryExecution", "athena:GetQueryExecution",
                               "athena:GetQueryResults", "athena:StopQueryExecution",
                               "athena:GetWorkGroup", "athena:GetNamedQuery",
                               "athena:ListNamedQueries"),
                      resources=(self.workgroup_arn,)),
            Statement(sid="WriteQueryResults",
                      actions=("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"),
                      resources=(f"{props.results_bucket_arn}/*",)),
            Statement(sid="LocateResultsBucket", actions=("s3:GetBucketLocation", "s3:ListBucket"),
                      resources=(props.results_bucket_arn,)),
        )
