"""Phase 2 on the emulator: `staging-scheduling` (DynamoDB with auto scaling, secrets, SSM
parameters, SNS, EventBridge schedules, SQS dead-letter queues, alarms, the REST API) applied
after the bootstrap the session already did, then planned again.

The apply and the second plan run in the session's staging job (tests/integration/conftest.py),
beside the `dev-scheduling` apply of `cli_apply`; the module fixture only waits for it. What is
checked here is what the emulator now holds, against the synthesized configuration.
"""

from __future__ import annotations

import json

import pytest
from modules.backend import load_backend_settings
from modules.local_aws.local_apply import (
    BEDROCK_REASON,
    EMULATOR_GAPS,
    OVERRIDE_FILE,
    format_summary,
)

pytestmark = pytest.mark.integration

STACK = "staging-scheduling"
SETTINGS = load_backend_settings()
KEY = SETTINGS.state_key("staging", "scheduling")  # pf/staging/scheduling/terraform.tfstate
PARAMETER_PATH = "/pf/staging/scheduling/"


@pytest.fixture(scope="module")
def staging(cli_apply, staging_job):
    """The staging job, finished: `.result` (the apply), `.plan` (the second plan)."""
    return staging_job.wait()


@pytest.fixture(scope="module")
def config(staging):
    return staging.local.config(STACK)


@pytest.fixture(scope="module")
def selection(staging):
    return staging.local.selection(STACK)


def bodies(config: dict, resource_type: str) -> dict[str, dict]:
    return {f"{resource_type}.{name}": body
            for name, body in config["resource"].get(resource_type, {}).items()}


def reference(expression: str) -> str:
    """`${aws_x.name.attr}` -> `aws_x.name`."""
    return ".".join(expression.strip("${}").split(".")[:2])


# -- what was applied, what was skipped ---------------------------------------------------------

def test_every_supported_resource_is_applied_and_in_the_staging_state(staging, selection, aws):
    result = staging.result
    assert result.applied == sorted(selection.targets)
    assert result.changes == (f"Apply complete! Resources: {len(selection.targets)} added, "
                              "0 changed, 0 destroyed.")
    assert result.state_location == f"s3://{SETTINGS.bucket}/{KEY}"
    state = json.loads(aws("s3").get_object(Bucket=SETTINGS.bucket, Key=KEY)["Body"].read())
    assert sorted(f"{r['type']}.{r['name']}" for r in state["resources"]
                  if r["mode"] == "managed") == result.applied
    applied_types = set(result.applied_types())
    assert {"aws_dynamodb_table", "aws_appautoscaling_target", "aws_appautoscaling_policy",
            "aws_secretsmanager_secret", "aws_ssm_parameter", "aws_sns_topic",
            "aws_sns_topic_policy", "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target",
            "aws_sqs_queue", "aws_sqs_queue_policy", "aws_cloudwatch_metric_alarm",
            "aws_api_gateway_rest_api", "aws_api_gateway_resource", "aws_api_gateway_method",
            "aws_api_gateway_model", "aws_api_gateway_request_validator",
            "aws_api_gateway_api_key"} <= applied_types
    assert not any(t.startswith("aws_bedrock") for t in applied_types)


def test_second_plan_shows_no_changes(staging):
    code, output = staging.plan
    assert code == 0, output[-4000:]
    assert "No changes." in output


def test_summary_lists_every_skipped_resource_with_its_reason(staging, config, selection):
    summary = format_summary([staging.result], staging.local.endpoint)
    assert f"[{STACK}] Apply complete!" in summary
    assert f"applied (now in state): {len(selection.targets)} resource(s)" in summary
    (line,) = [x for x in summary.splitlines() if x.startswith("  skipped: ")]
    bedrock = sum(s.reason == BEDROCK_REASON for s in selection.skipped)
    assert line.startswith(f"  skipped: {len(selection.skipped)} resource(s) (")
    for part in (f"{bedrock} Bedrock resource type",
                 f"{len(selection.skipped) - bedrock - 1} depend on a skipped resource",
                 "1 moto gap"):
        assert part in line, line
    for skipped in selection.skipped:
        assert f"    {skipped.address}: {skipped.reason}" in summary

    skipped = {s.address: s.reason for s in selection.skipped}
    for address in skipped:
        if address.startswith(("aws_bedrock_", "aws_bedrockagent_")):
            assert skipped[address] == BEDROCK_REASON
    # The X-Ray sampling rule: a moto gap of its own.
    (rule,) = bodies(config, "aws_xray_sampling_rule")
    assert skipped[rule] == EMULATOR_GAPS["aws_xray_sampling_rule"]
    # The chat Lambda names the supervisor agent and alias: it and everything behind it
    # (the API's integrations, deployment, stage, usage plan, the dashboards and its alarms).
    chat = next(a for a in bodies(config, "aws_lambda_function") if "chat_api" in a)
    assert skipped[chat].startswith("depends on aws_bedrockagent_agent")
    for resource_type in ("aws_api_gateway_integration", "aws_api_gateway_deployment",
                          "aws_api_gateway_stage", "aws_api_gateway_method_settings",
                          "aws_api_gateway_usage_plan", "aws_api_gateway_usage_plan_key",
                          "aws_cloudwatch_dashboard"):
        for address in bodies(config, resource_type):
            assert skipped[address].startswith("depends on aws_bedrock"), (address, skipped)
    non_bedrock = {a for a in skipped if not a.startswith("aws_bedrock")}
    assert all(skipped[a].startswith("depends on aws_bedrock") for a in non_bedrock - {rule})


# -- what the emulator holds --------------------------------------------------------------------

def test_tables_have_their_key_schema_throughput_and_auto_scaling(staging, config, aws):
    tables = bodies(config, "aws_dynamodb_table")
    assert len(tables) == 4
    for body in tables.values():
        table = aws("dynamodb").describe_table(TableName=body["name"])["Table"]
        keys = [{"AttributeName": body["hash_key"], "KeyType": "HASH"}]
        if body.get("range_key"):
            keys.append({"AttributeName": body["range_key"], "KeyType": "RANGE"})
        assert table["KeySchema"] == keys
        assert table["BillingModeSummary"]["BillingMode"] == body["billing_mode"] == "PROVISIONED"
        throughput = table["ProvisionedThroughput"]
        assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == \
            (body["read_capacity"], body["write_capacity"])
        assert table["SSEDescription"]["Status"] == "ENABLED"

    scaling = aws("application-autoscaling")
    registered = {(t["ResourceId"], t["ScalableDimension"]): t for t in
                  scaling.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]}
    targets = bodies(config, "aws_appautoscaling_target")
    assert len(targets) == 8
    for body in targets.values():
        table = tables[reference(body["resource_id"].removeprefix("table/"))]["name"]
        target = registered[(f"table/{table}", body["scalable_dimension"])]
        assert (target["MinCapacity"], target["MaxCapacity"]) == \
            (body["min_capacity"], body["max_capacity"])
        tags = scaling.list_tags_for_resource(ResourceARN=target["ScalableTargetARN"])["Tags"]
        assert tags.get("Environment") == "staging", tags
    # The emulator also holds the dev stacks' policies (one account): staging's tables only.
    staging_tables = {f"table/{t['name']}" for t in tables.values()}
    policies = scaling.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"]
    assert sorted(p["PolicyName"] for p in policies if p["ResourceId"] in staging_tables) == \
        sorted(b["name"] for b in bodies(config, "aws_appautoscaling_policy").values())


def test_parameters_and_secrets_exist(staging, config, aws):
    wanted = {b["name"]: b["insecure_value"] for b in bodies(config, "aws_ssm_parameter").values()}
    assert len(wanted) == 6 and all(n.startswith(PARAMETER_PATH) for n in wanted)
    found = aws("ssm").get_parameters_by_path(Path=PARAMETER_PATH, Recursive=True)["Parameters"]
    assert {p["Name"]: p["Value"] for p in found} == wanted

    secrets = [b["name"] for b in bodies(config, "aws_secretsmanager_secret").values()]
    assert len(secrets) == 3
    for name in secrets:
        assert aws("secretsmanager").describe_secret(SecretId=name)["Name"] == name


def test_rules_have_their_schedules_and_targets(staging, config, aws):
    rules = bodies(config, "aws_cloudwatch_event_rule")
    functions = bodies(config, "aws_lambda_function")
    queues = bodies(config, "aws_sqs_queue")
    assert len(rules) == 3
    by_rule = {reference(b["rule"]): b
               for b in bodies(config, "aws_cloudwatch_event_target").values()}
    for address, body in rules.items():
        rule = aws("events").describe_rule(Name=body["name"])
        assert rule["ScheduleExpression"] == body["schedule_expression"]
        assert rule["State"] == body["state"] == "ENABLED"
        wanted = by_rule[address]
        (target,) = aws("events").list_targets_by_rule(Rule=body["name"])["Targets"]
        function = functions[reference(wanted["arn"])]["function_name"]
        assert target["Arn"] == \
            aws("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
        queue = queues[reference(wanted["dead_letter_config"]["arn"])]["name"]
        url = aws("sqs").get_queue_url(QueueName=queue)["QueueUrl"]
        queue_arn = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        assert target["DeadLetterConfig"]["Arn"] == queue_arn["Attributes"]["QueueArn"]
        # The function's own dead-letter queue (moto_server gap 2) is the rule's queue too.
        configuration = aws("lambda").get_function(FunctionName=function)["Configuration"]
        assert configuration["DeadLetterConfig"]["TargetArn"] == target["DeadLetterConfig"]["Arn"]


def test_topics_and_queues_exist_with_their_policies(staging, config, aws):
    topics = {t["TopicArn"].rsplit(":", 1)[1]: t["TopicArn"]
              for t in aws("sns").list_topics()["Topics"]}
    for body in bodies(config, "aws_sns_topic").values():
        attributes = aws("sns").get_topic_attributes(TopicArn=topics[body["name"]])["Attributes"]
        assert json.loads(attributes["Policy"])["Statement"]
        assert attributes["KmsMasterKeyId"]
    queues = bodies(config, "aws_sqs_queue")
    assert len(queues) == 3
    for body in queues.values():
        url = aws("sqs").get_queue_url(QueueName=body["name"])["QueueUrl"]
        attributes = aws("sqs").get_queue_attributes(QueueUrl=url,
                                                     AttributeNames=["All"])["Attributes"]
        assert int(attributes["MessageRetentionPeriod"]) == body["message_retention_seconds"]
        assert json.loads(attributes["Policy"])["Statement"]


def test_alarms_exist_except_those_on_the_chat_function(staging, config, selection, aws):
    alarms = bodies(config, "aws_cloudwatch_metric_alarm")
    applied = {alarms[a]["alarm_name"] for a in selection.targets if a in alarms}
    skipped = {alarms[s.address]["alarm_name"] for s in selection.skipped if s.address in alarms}
    assert len(applied) + len(skipped) == len(alarms) == 26
    found = {a["AlarmName"]: a for page in
             aws("cloudwatch").get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
             for a in page["MetricAlarms"]}
    assert applied <= set(found)
    assert not skipped & set(found)
    # Metric math alarms keep their queries.
    for address, body in alarms.items():
        if body["alarm_name"] in applied and body.get("metric_query"):
            assert len(found[body["alarm_name"]]["Metrics"]) == len(body["metric_query"])


def test_rest_api_is_applied_up_to_the_chat_integration(staging, config, aws):
    (api_body,) = bodies(config, "aws_api_gateway_rest_api").values()
    (api,) = [a for a in aws("apigateway").get_rest_apis()["items"]
              if a["name"] == api_body["name"]]
    resources = aws("apigateway").get_resources(restApiId=api["id"], embed=["methods"])["items"]
    paths = {r["path"]: set(r.get("resourceMethods", {})) for r in resources}
    assert len(paths) == 1 + len(bodies(config, "aws_api_gateway_resource"))
    methods = {b["http_method"] for b in bodies(config, "aws_api_gateway_method").values()}
    assert set().union(*paths.values()) == methods
    validators = aws("apigateway").get_request_validators(restApiId=api["id"])["items"]
    assert len(validators) == len(bodies(config, "aws_api_gateway_request_validator"))
    # No deployment, no stage: both wait for the chat Lambda (Bedrock).
    assert aws("apigateway").get_deployments(restApiId=api["id"])["items"] == []
    assert aws("apigateway").get_stages(restApiId=api["id"])["item"] == []


def test_the_work_copy_points_the_phase_2_services_at_the_emulator(staging):
    """Every service of an applied resource has an emulator endpoint; X-Ray (only its skipped
    sampling rule) has none, and the dead proxy keeps it away from AWS anyway."""
    override = json.loads((staging.result.workdir / OVERRIDE_FILE).read_text())
    endpoints = override["provider"]["aws"][0]["endpoints"][0]
    assert {"apigateway", "applicationautoscaling", "cloudwatch", "dynamodb", "events",
            "secretsmanager", "sns", "sqs", "ssm"} <= set(endpoints)
    assert set(endpoints.values()) == {staging.local.endpoint}
    assert "xray" not in endpoints
