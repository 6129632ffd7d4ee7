"""modules/glue_catalog.py, glue_job.py and glue_security.py alone: database and crawler with a
catalog-scoped role, a Python shell job whose script is uploaded with a content hash and run on
a schedule, and a security configuration encrypting S3, logs and bookmarks."""

from __future__ import annotations

import hashlib

import pytest

from modules.glue_catalog import GlueCatalog, GlueCatalogProps
from modules.glue_job import GlueJob, GlueJobProps
from modules.glue_security import GlueSecurity, GlueSecurityProps
from tests.conftest import one, policy_statements, resources, synth_construct

KEY = "arn:aws:kms:us-east-1:111122223333:key/k"
BUCKET = "arn:aws:s3:::data"


def job_props(script, **overrides) -> GlueJobProps:
    return GlueJobProps(**{
        "name": "job-dev", "role_name": "job-role", "policy_name": "job-policy", "trigger_name": "job-schedule",
        "account_id": "111122223333", "region": "us-east-1", "script": script, "scripts_bucket": "scripts",
        "scripts_bucket_arn": "arn:aws:s3:::scripts", "script_key": "glue/job.py", "scripts_kms_key_arn": KEY,
        "security_configuration": "sec", "schedule": "cron(0 2 * * ? *)", "arguments": {"TABLE": "t"},
        **overrides})


def test_catalog_security_and_job(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("print('hi')\n")
    captured = {}

    def add(stack):
        security = GlueSecurity(stack, "sec", GlueSecurityProps(
            name="sec", s3_kms_key_arn=KEY, logs_kms_key_arn=KEY, bookmarks_kms_key_arn=KEY,
            account_id="111122223333", region="us-east-1"))
        captured["job"] = security.job_statements()
        catalog = GlueCatalog(stack, "cat", GlueCatalogProps(
            database_name="db_dev", crawler_name="crawl-dev", role_name="crawl-role", policy_name="crawl-policy",
            account_id="111122223333", region="us-east-1", bucket_arn=BUCKET, bucket_name="data",
            prefixes=("raw/a/",), kms_key_arn=KEY, security_configuration="sec"))
        captured["read"] = catalog.read_statements()
        GlueJob(stack, "job", job_props(script))

    stack = synth_construct(add)
    config = one(stack, "aws_glue_security_configuration")["encryption_configuration"]
    assert config["job_bookmarks_encryption"] == {"job_bookmarks_encryption_mode": "CSE-KMS", "kms_key_arn": KEY}
    crawler = one(stack, "aws_glue_crawler")
    assert crawler["s3_target"] == [{"path": "s3://data/raw/a/"}] and crawler["schedule"] == "cron(0 4 * * ? *)"
    assert crawler["schema_change_policy"]["delete_behavior"] == "LOG"
    roles = {r["name"]: k for k, r in resources(stack, "aws_iam_role").items()}
    policies = {p["role"].split(".")[1]: p for p in resources(stack, "aws_iam_role_policy").values()}
    crawl = {s["sid"]: s for s in policy_statements(stack, policies[roles["crawl-role"]]["policy"])}
    assert crawl["ReadCrawledObjects"]["resources"] == [f"{BUCKET}/raw/a/*"]
    assert "arn:aws:glue:us-east-1:111122223333:table/db_dev/*" in crawl["MaintainOwnTables"]["resources"]
    job = one(stack, "aws_glue_job")
    assert job["command"] == {"name": "pythonshell", "python_version": "3.9", "script_location": "s3://scripts/glue/job.py"}
    assert job["default_arguments"]["--TABLE"] == "t" and job["max_capacity"] == 0.0625
    assert job["security_configuration"] == "sec" and job["execution_property"] == {"max_concurrent_runs": 1}
    upload = one(stack, "aws_s3_object")
    assert upload["source_hash"] == hashlib.sha256(script.read_bytes()).hexdigest()
    assert upload["kms_key_id"] == KEY and upload["key"] == "glue/job.py"
    trigger = one(stack, "aws_glue_trigger")
    assert trigger["type"] == "SCHEDULED" and trigger["schedule"] == "cron(0 2 * * ? *)"
    job_id = next(iter(resources(stack, "aws_glue_job")))
    assert trigger["actions"] == [{"job_name": f"${{aws_glue_job.{job_id}.name}}"}]
    job_policy = {s["sid"]: s for s in policy_statements(stack, policies[roles["job-role"]]["policy"])}
    assert job_policy["ReadOwnScript"]["resources"] == ["arn:aws:s3:::scripts/glue/job.py"]
    logs, bookmarks = captured["job"]
    assert "logs:AssociateKmsKey" in logs.actions and bookmarks.resources == (KEY,)
    assert captured["read"][0].actions[0] == "glue:GetDatabase"


def test_bad_job_props_are_refused(tmp_path):
    with pytest.raises(ValueError, match="is missing"):
        job_props(tmp_path / "nope.py")
    script = tmp_path / "job.py"
    script.write_text("")
    with pytest.raises(ValueError, match="max_capacity"):
        job_props(script, max_capacity=2.0)
