"""modules/state_machine.py: the typed ASL builder refuses broken definitions, counts the success
path, and the construct gives a least-privilege role, encrypted ALL-level logs and X-Ray."""

from __future__ import annotations

import json

import pytest

from modules.policy import Statement
from modules.state_machine import (Catch, Retry, StateMachine, StateMachineProps, Workflow, fail,
                                   lambda_task, service_task, sns_publish, succeed, wait)
from tests.conftest import one, policy_statements, resources, synth_construct

FN = "arn:aws:lambda:us-east-1:111122223333:function:f"
TOPIC = "arn:aws:sns:us-east-1:111122223333:t"


def flow(**overrides) -> Workflow:
    states = (
        lambda_task("A", FN, {"task": "a", "input.$": "$"}, next="B", catch=(Catch("Notify"),)),
        wait("B", 5, next="C"),
        service_task("C", "arn:aws:states:::dynamodb:putItem", {"TableName": "t"}, next=None),
        sns_publish("Notify", TOPIC, "failed", next="Failed", message_path="States.JsonToString($)"),
        fail("Failed", "Oops", "see topic"),
    )
    return Workflow(**{"comment": "c", "start_at": "A", "states": states, "timeout_seconds": 60,
                       **overrides})


def test_steps_are_the_success_path_and_asl_is_complete():
    workflow = flow()
    assert workflow.steps() == ["A", "B", "C"]
    asl = workflow.to_asl()
    assert asl["TimeoutSeconds"] == 60 and asl["StartAt"] == "A"
    a = asl["States"]["A"]
    assert a["Resource"] == "arn:aws:states:::lambda:invoke" and a["Next"] == "B"
    assert a["Retry"][0]["BackoffRate"] == 2.0 and "Lambda.ServiceException" in a["Retry"][0]["ErrorEquals"]
    assert a["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "Notify", "ResultPath": "$.error"}]
    assert asl["States"]["C"]["End"] is True and asl["States"]["C"]["ResultPath"] is None
    assert asl["States"]["Notify"]["Parameters"]["Message.$"] == "States.JsonToString($)"
    assert json.loads(workflow.to_json()) == asl


@pytest.mark.parametrize("states, problem", [
    ((wait("A", 1, next="Nowhere"),), "Next/Catch target 'Nowhere'"),
    ((wait("A", 1, next="B"), succeed("B"), succeed("B")), "appears twice"),
    ((wait("A", 1, next=None), succeed("Lonely")), "'Lonely' is unreachable"),
    ((lambda_task("A", FN, {}, next=None, catch=(Catch("Gone"),)),), "target 'Gone'"),
    ((fail("A", "E", "c").__class__("A", "Fail", next="B", fields={}), succeed("B")), "has no Next or End"),
    ((wait("A", 1, next="B"), wait("B", 1, next="A")), "no terminal state"),
    ((service_task("A", "", {}, next=None),), "a Task needs a Resource"),
])
def test_broken_definitions_are_refused(states, problem):
    with pytest.raises(ValueError, match=problem):
        Workflow("c", "A", states, 60).validate()


def test_a_missing_start_or_timeout_is_refused():
    with pytest.raises(ValueError, match="StartAt 'Z'"):
        flow(start_at="Z").validate()
    with pytest.raises(ValueError, match="timeout_seconds"):
        flow(timeout_seconds=0).validate()


def test_construct_role_logs_and_tracing():
    captured = {}

    def add(stack):
        machine = StateMachine(stack, "m", StateMachineProps(
            name="wf-dev", role_name="wf-role-dev", policy_name="wf-policy", log_group_name="/aws/vendedlogs/states/wf-dev",
            workflow=flow(), account_id="111122223333", region="us-east-1", kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/k",
            function_arns=(FN,), extra_statements=(Statement(sid="Publish", actions=("sns:Publish",), resources=(TOPIC,)),)))
        captured["start"] = machine.start_statements()

    stack = synth_construct(add)
    machine = one(stack, "aws_sfn_state_machine")
    assert machine["type"] == "STANDARD" and machine["tracing_configuration"] == {"enabled": True}
    assert machine["logging_configuration"]["level"] == "ALL"
    assert machine["logging_configuration"]["log_destination"].endswith(".arn}:*")
    assert json.loads(machine["definition"])["States"]["A"]["Parameters"]["FunctionName"] == FN
    assert one(stack, "aws_cloudwatch_log_group")["kms_key_id"].endswith("key/k")
    role = one(stack, "aws_iam_role")
    (trust,) = policy_statements(stack, role["assume_role_policy"])
    assert {c["variable"]: c["values"] for c in trust["condition"]} == {
        "aws:SourceAccount": ["111122223333"],
        "aws:SourceArn": ["arn:aws:states:us-east-1:111122223333:stateMachine:wf-dev"]}
    statements = {s["sid"]: s for s in policy_statements(stack, one(stack, "aws_iam_role_policy")["policy"])}
    assert statements["InvokeTaskFunctions"]["resources"] == [FN, f"{FN}:*"]
    assert statements["Publish"]["resources"] == [TOPIC]
    assert set(statements) == {"InvokeTaskFunctions", "DeliverExecutionLogs", "WriteTraces", "Publish"}
    assert any(d.startswith("aws_iam_role_policy.") for d in machine["depends_on"])
    start, describe = captured["start"]
    assert start.actions == ("states:StartExecution",)
    assert describe.resources == ("arn:aws:states:us-east-1:111122223333:execution:wf-dev:*",)


def test_retry_and_catch_serialize():
    assert Retry(("X",), 1, 2, 1.5).to_asl() == {"ErrorEquals": ["X"], "IntervalSeconds": 1,
                                                 "MaxAttempts": 2, "BackoffRate": 1.5}
    assert not resources(synth_construct(lambda stack: None), "aws_sfn_state_machine")
