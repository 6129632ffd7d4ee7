"""Phase 3 async work and analytics on staging's synthesized JSON: the specification's queues,
workflows, streams, Glue jobs and Athena workgroup, with their sizes, schedules, encryption and
least-privilege roles. The offline plan and the gate are in test_phase3_async_plan.py."""

from __future__ import annotations

import json

import pytest

from systems.scheduling.names import SchedulingNames
from tests.conftest import one, policy_statements, resources, statements_of, trust_of
from tests.systems.scheduling.conftest import load_stack, synth_scheduling

ENV, ACCOUNT = "staging", "618048437522"
NAMES = SchedulingNames(prefix="pf", environment=ENV, account_id=ACCOUNT)


@pytest.fixture(scope="module")
def stack(phase3_stack) -> dict:
    return phase3_stack


def by_name(stack: dict, resource_type: str, key: str = "name") -> dict[str, dict]:
    return {r[key]: r for r in resources(stack, resource_type).values()}


def logical(stack: dict, resource_type: str, name: str, key: str = "name") -> str:
    return next(k for k, r in resources(stack, resource_type).items() if r.get(key) == name)


def definition(stack: dict, part: str) -> dict:
    return json.loads(by_name(stack, "aws_sfn_state_machine")[NAMES.state_machine(part)]["definition"])


def success_path(asl: dict) -> list[str]:
    path, name = [], asl["StartAt"]
    while name and name not in path:
        path.append(name)
        name = asl["States"][name].get("Next")
    return path


def test_queues_redrive_to_the_dead_letter_queue_after_three_receives(stack):
    queues = by_name(stack, "aws_sqs_queue")
    dlq_id = logical(stack, "aws_sqs_queue", "pf-dlq-staging")
    for name in ("pf-async-tasks-staging", "pf-appointment-notifications-staging"):
        queue = queues[name]
        assert queue["kms_master_key_id"].startswith("${aws_kms_key.kms_key")
        assert queue["visibility_timeout_seconds"] == 6 * 30
        qid = logical(stack, "aws_sqs_queue", name)
        (redrive,) = [r for r in resources(stack, "aws_sqs_queue_redrive_policy").values()
                      if qid in r["queue_url"]]
        assert f"aws_sqs_queue.{dlq_id}.arn" in redrive["redrive_policy"]
        assert "\"maxReceiveCount\"=3" in redrive["redrive_policy"].replace(" ", "")  # plan-checked too
    assert queues["pf-dlq-staging"]["message_retention_seconds"] == 14 * 86400
    (allow,) = resources(stack, "aws_sqs_queue_redrive_allow_policy").values()
    assert "byQueue" in allow["redrive_allow_policy"] and "pf-async-tasks-staging" in allow["redrive_allow_policy"]


def test_every_phase3_queue_policy_denies_plain_http(stack):
    ids = {logical(stack, "aws_sqs_queue", NAMES.queue(q)) for q in ("async-tasks", "appointment-notifications", "dlq")}
    for policy in resources(stack, "aws_sqs_queue_policy").values():
        if any(i in policy["queue_url"] for i in ids):
            deny = policy_statements(stack, policy["policy"])[0]
            assert deny["effect"] == "Deny" and deny["condition"][0]["variable"] == "aws:SecureTransport"


def test_queue_consumers_report_batch_item_failures_with_bounded_concurrency(stack):
    mappings = resources(stack, "aws_lambda_event_source_mapping").values()
    sqs = [m for m in mappings if "aws_sqs_queue" in m["event_source_arn"]]
    assert len(sqs) == 2
    for mapping in sqs:
        assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
        assert mapping["batch_size"] == 10 and mapping["scaling_config"]["maximum_concurrency"] == 5
        assert any(d.startswith("aws_iam_role_policy.") for d in mapping["depends_on"])


def test_consumer_roles_are_least_privilege(stack):
    tasks = statements_of(stack, NAMES.service_role("async-tasks"))
    assert set(tasks["ConsumeAsyncTasks"]["actions"]) == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}
    assert "ConsumeNotifications" not in tasks and "PublishCustomerNotifications" not in tasks
    notes = statements_of(stack, NAMES.service_role("appointment-notifications"))
    assert notes["PublishCustomerNotifications"]["actions"] == ["sns:Publish"]
    assert "ConsumeAsyncTasks" not in notes
    consumer = statements_of(stack, NAMES.service_role("events-consumer"))
    assert consumer["WritePfMetricsStreamStaging"]["actions"] == ["kinesis:PutRecord", "kinesis:PutRecords"]
    assert "kinesis:GetRecords" in consumer["ReadPfEventsStreamStaging"]["actions"]


def test_workflows_have_the_specified_steps_and_timeouts(stack):
    for part, steps, timeout in (("appointment-workflow", 5, 300), ("customer-onboarding", 7, 600)):
        asl = definition(stack, part)
        assert len(success_path(asl)) == steps, success_path(asl)
        assert asl["TimeoutSeconds"] == timeout
        states = asl["States"]
        for name, state in states.items():  # every transition lands on a state
            for target in [state.get("Next")] + [c["Next"] for c in state.get("Catch", [])]:
                assert target is None or target in states, (name, target)
        assert states["NotifyFailure"]["Resource"] == "arn:aws:states:::sns:publish"
        assert "aws_sns_topic.topic_errors" in states["NotifyFailure"]["Parameters"]["TopicArn"]
        assert states["Failed"]["Type"] == "Fail"
        lambdas = [s for s in states.values() if s.get("Resource") == "arn:aws:states:::lambda:invoke"]
        assert lambdas and all(s["Catch"][-1]["Next"] == "NotifyFailure" for s in lambdas)
        assert all(any(r["BackoffRate"] == 2.0 for r in s["Retry"]) for s in lambdas)
    onboarding = definition(stack, "customer-onboarding")["States"]
    assert onboarding["WaitBeforeWelcome"] == {"Type": "Wait", "Seconds": 60, "Next": "QueueWelcome"}
    assert onboarding["CreateSession"]["Resource"] == "arn:aws:states:::dynamodb:putItem"


def test_workflows_log_everything_encrypted_and_trace(stack):
    for part in NAMES.WORKFLOWS:
        machine = by_name(stack, "aws_sfn_state_machine")[NAMES.state_machine(part)]
        assert machine["logging_configuration"]["level"] == "ALL"
        assert machine["logging_configuration"]["include_execution_data"] is True
        assert machine["tracing_configuration"] == {"enabled": True}
        group = by_name(stack, "aws_cloudwatch_log_group")[NAMES.state_machine_log_group(part)]
        assert group["kms_key_id"].startswith("${aws_kms_key.kms_key")


def test_workflow_roles_invoke_only_their_task_function_and_publish_only_to_errors(stack):
    tasks_fn = logical(stack, "aws_lambda_function", NAMES.service_function("workflow-tasks"), "function_name")
    errors = logical(stack, "aws_sns_topic", NAMES.topic("errors"))
    for part in NAMES.WORKFLOWS:
        role = NAMES.state_machine_role(part)
        trust = trust_of(stack, role)
        assert trust["principals"][0]["identifiers"] == ["states.amazonaws.com"]
        conditions = {c["variable"]: c["values"] for c in trust["condition"]}
        assert conditions["aws:SourceArn"] == [
            f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{NAMES.state_machine(part)}"]
        statements = statements_of(stack, role)
        invoke = statements["InvokeTaskFunctions"]["resources"]
        assert all(tasks_fn in r for r in invoke) and len(invoke) == 2
        assert statements["PublishTopic"]["resources"] == [f"${{aws_sns_topic.{errors}.arn}}"]
    onboarding = statements_of(stack, NAMES.state_machine_role("customer-onboarding"))
    assert onboarding["CreateSession"]["actions"] == ["dynamodb:PutItem"]
    appointment = statements_of(stack, NAMES.state_machine_role("appointment-workflow"))
    assert appointment["RecordOnSession"]["actions"] == ["dynamodb:UpdateItem"]
    assert "SendAsyncTasks" not in appointment


def test_errors_topic_lets_exactly_the_workflow_roles_publish_once_they_exist(stack):
    errors = logical(stack, "aws_sns_topic", NAMES.topic("errors"))
    policy = next(p for p in resources(stack, "aws_sns_topic_policy").values() if errors in p["arn"])
    allow = next(s for s in policy_statements(stack, policy["policy"]) if s.get("sid") == "AllowPublishFromRoles")
    assert sorted(allow["principals"][0]["identifiers"]) == sorted(
        NAMES.state_machine_role_arn(w) for w in NAMES.WORKFLOWS)
    assert len(policy["depends_on"]) == 2 and all(d.startswith("aws_iam_role.") for d in policy["depends_on"])


def test_streams_have_the_specified_shards_retention_and_key(stack):
    streams = by_name(stack, "aws_kinesis_stream")
    for name, shards, hours in (("pf-events-stream-staging", 2, 24), ("pf-metrics-stream-staging", 1, 168)):
        stream = streams[name]
        assert (stream["shard_count"], stream["retention_period"]) == (shards, hours)
        assert stream["stream_mode_details"]["stream_mode"] == "PROVISIONED"
        assert stream["encryption_type"] == "KMS" and stream["kms_key_id"].startswith("${aws_kms_key.kms_key")


def test_stream_consumer_bisects_retries_a_bounded_number_and_fails_over_to_a_queue(stack):
    dlq = logical(stack, "aws_sqs_queue", "pf-dlq-staging")
    (mapping,) = [m for m in resources(stack, "aws_lambda_event_source_mapping").values()
                  if "aws_kinesis_stream" in m["event_source_arn"]]
    assert mapping["bisect_batch_on_function_error"] is True and mapping["maximum_retry_attempts"] == 3
    assert mapping["batch_size"] == 100 and mapping["maximum_batching_window_in_seconds"] == 5
    assert dlq in mapping["destination_config"]["on_failure"]["destination_arn"]
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]


def test_firehose_archives_both_streams_to_dated_prefixes_with_kms(stack):
    archives = by_name(stack, "aws_kinesis_firehose_delivery_stream")
    for part in ("events", "metrics"):
        archive = archives[NAMES.delivery_stream(part)]
        s3 = archive["extended_s3_configuration"]
        assert s3["prefix"].startswith(f"raw/{part}/year=!{{timestamp:yyyy}}/")
        assert s3["error_output_prefix"].startswith(f"errors/{part}/")
        assert s3["kms_key_arn"].startswith("${aws_kms_key.kms_s3_key")
        assert s3["cloudwatch_logging_options"]["enabled"] is True
        assert s3["compression_format"] == "GZIP" and s3["buffering_interval"] == 300
        assert "aws_kinesis_stream.stream_" + part in archive["kinesis_source_configuration"]["kinesis_stream_arn"]


def test_buckets_carry_the_account_and_the_s3_key(stack):
    buckets = {b["bucket"] for b in resources(stack, "aws_s3_bucket").values()}
    for part in ("analytics-data", "glue-scripts", "query-results"):
        assert f"pf-{part}-staging-{ACCOUNT}" in buckets
    keys = [r["rule"][0]["apply_server_side_encryption_by_default"]["kms_master_key_id"]
            for k, r in resources(stack, "aws_s3_bucket_server_side_encryption_configuration").items()
            if k.startswith(("bucket_analytics_data", "bucket_glue_scripts", "bucket_query_results"))]
    assert len(keys) == 3 and all(k.startswith("${aws_kms_key.kms_s3_key") for k in keys)


def test_glue_jobs_schedules_scripts_and_security(stack):
    jobs = by_name(stack, "aws_glue_job")
    triggers = by_name(stack, "aws_glue_trigger")
    security = one(stack, "aws_glue_security_configuration")
    config = security["encryption_configuration"]
    assert config["s3_encryption"]["s3_encryption_mode"] == "SSE-KMS"
    assert config["cloudwatch_encryption"]["cloudwatch_encryption_mode"] == "SSE-KMS"
    assert config["job_bookmarks_encryption"]["job_bookmarks_encryption_mode"] == "CSE-KMS"
    objects = by_name(stack, "aws_s3_object", "key")
    for job, schedule, script in (("conversations-to-s3", "cron(0 2 * * ? *)", "conversations_to_s3.py"),
                                  ("metrics-aggregation", "cron(15 * * * ? *)", "metrics_aggregation.py")):
        spec = jobs[f"pf-{job}-staging"]
        assert spec["command"]["name"] == "pythonshell" and spec["max_capacity"] == 0.0625
        assert spec["command"]["script_location"].endswith(f"/glue/{script}")
        assert spec["security_configuration"] == "${aws_glue_security_configuration." + \
            logical(stack, "aws_glue_security_configuration", "pf-analytics-staging") + ".name}"
        trigger = triggers[f"pf-{job}-schedule-staging"]
        assert trigger["type"] == "SCHEDULED" and trigger["schedule"] == schedule
        upload = objects[f"glue/{script}"]
        assert len(upload["source_hash"]) == 64 and upload["kms_key_id"].startswith("${aws_kms_key.kms_s3_key")
    metrics = jobs["pf-metrics-aggregation-staging"]["default_arguments"]
    assert metrics["--SOURCE_PREFIX"] == "raw/metrics/"  # the Firehose archive, not CloudWatch Logs


def test_glue_roles_reach_only_their_sources_and_targets(stack):
    export = statements_of(stack, NAMES.service_role("conversations-to-s3"))
    assert export["WriteConversationTables"]["resources"][0].endswith("/curated/conversations/*")
    assert not any("metrics" in r for s in export.values() for r in s.get("resources", []) if "s3" in r)
    aggregate = statements_of(stack, NAMES.service_role("metrics-aggregation"))
    assert aggregate["ReadArchivedMetrics"]["resources"][0].endswith("/raw/metrics/*")
    assert not any(a.startswith("dynamodb:") for s in aggregate.values() for a in s["actions"])
    crawler = one(stack, "aws_glue_crawler")
    assert [t["path"].split("/", 3)[3] for t in crawler["s3_target"]] == [
        "raw/events/", "raw/metrics/", "curated/conversations/", "curated/metrics_hourly/"]
    assert one(stack, "aws_glue_catalog_database")["name"] == "pf_analytics_staging"


def test_athena_workgroup_is_enforced_encrypted_with_three_named_queries(stack):
    workgroup = one(stack, "aws_athena_workgroup")
    assert workgroup["name"] == "pf-analytics-staging"
    config = workgroup["configuration"]
    assert config["enforce_workgroup_configuration"] is True
    result = config["result_configuration"]
    assert result["output_location"] == f"s3://${{aws_s3_bucket.{logical(stack, 'aws_s3_bucket', f'pf-query-results-staging-{ACCOUNT}', 'bucket')}.bucket}}/results/"
    assert result["encryption_configuration"]["encryption_option"] == "SSE_KMS"
    queries = resources(stack, "aws_athena_named_query").values()
    assert sorted(q["name"] for q in queries) == [
        "agent_performance", "appointment_booking_trends", "customer_engagement"]
    assert all(q["database"] == "pf_analytics_staging" and "SELECT" in q["query"] for q in queries)


def test_phase3_names_are_checked_by_the_name_rules():
    from modules.naming import first_violation

    names = NAMES.async_analytics_names()
    assert first_violation(names) is None
    assert len({(rule.service, n) for rule, n in names}) == len(names)  # none listed twice


def test_phase2_staging_has_none_of_it(tmp_path_factory):
    phase2 = load_stack(synth_scheduling(tmp_path_factory.mktemp("p3c-p2"), ENV))
    for resource_type in ("aws_sfn_state_machine", "aws_kinesis_stream", "aws_glue_job",
                          "aws_athena_workgroup", "aws_lambda_event_source_mapping"):
        assert not resources(phase2, resource_type), resource_type
