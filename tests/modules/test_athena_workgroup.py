"""modules/athena_workgroup.py alone: enforced configuration, SSE_KMS results, scan limit,
named queries from SQL files, and the query grant."""

from __future__ import annotations

import pytest

from modules.athena_workgroup import AthenaWorkgroup, AthenaWorkgroupProps
from tests.conftest import one, resources, synth_construct

KEY = "arn:aws:kms:us-east-1:111122223333:key/k"


def props(files=(), **overrides) -> AthenaWorkgroupProps:
    return AthenaWorkgroupProps(**{
        "name": "wg", "output_location": "s3://results/q/", "results_bucket_arn": "arn:aws:s3:::results",
        "kms_key_arn": KEY, "account_id": "111122223333", "region": "us-east-1", "database": "db",
        "query_files": tuple(files), **overrides})


def test_workgroup_and_named_queries(tmp_path):
    (tmp_path / "top_customers.sql").write_text("-- The busiest customers.\nSELECT 1;\n")
    (tmp_path / "daily.sql").write_text("SELECT 2;\n")
    captured = {}

    def add(stack):
        workgroup = AthenaWorkgroup(stack, "a", props(sorted(tmp_path.glob("*.sql"))))
        captured["grant"] = workgroup.query_statements()

    stack = synth_construct(add)
    config = one(stack, "aws_athena_workgroup")["configuration"]
    assert config["enforce_workgroup_configuration"] is True
    assert config["bytes_scanned_cutoff_per_query"] == 10 * 1024**3
    assert config["result_configuration"]["encryption_configuration"] == {"encryption_option": "SSE_KMS", "kms_key_arn": KEY}
    queries = {q["name"]: q for q in resources(stack, "aws_athena_named_query").values()}
    assert queries["top_customers"]["description"] == "The busiest customers."
    assert queries["daily"]["description"] == "daily" and queries["daily"]["database"] == "db"
    query, results, locate = captured["grant"]
    assert "athena:StartQueryExecution" in query.actions and results.resources == ("arn:aws:s3:::results/*",)


@pytest.mark.parametrize("overrides, message", [
    (dict(output_location="results/"), "output_location"),
    (dict(bytes_scanned_cutoff_per_query=1), "10 MB"),
])
def test_bad_props_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        props(**overrides)


def test_query_file_names_are_checked(tmp_path):
    bad = tmp_path / "Top Customers.sql"
    bad.write_text("SELECT 1;")
    with pytest.raises(ValueError, match="lowercase_name"):
        props([bad])
