"""A Step Functions state machine built from typed Python data: the Amazon States Language
definition (checked before synthesis), its role, its KMS-encrypted log group (level ALL) and
X-Ray tracing.

The definition is a `Workflow` of `State`s made by the small factories below (`lambda_task`,
`service_task`, `wait`, `sns_publish`, `fail`, `succeed`). `Workflow.validate()` refuses a
definition Step Functions would refuse or that could hang: an unknown `Next` or `Catch` target,
a state that is neither terminal nor followed, an unreachable state, a duplicate name, a
missing timeout. `Workflow.steps()` is the success path (StartAt, following `Next` to `End`);
states reached only through a `Catch` are the failure path.

Resource ARNs inside the definition may be Terraform tokens (a function ARN): the definition
is then only known at apply time, and Terraform's plan does not call Step Functions'
definition validation for it (it does for a fully known definition).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
# Lambda's own transient failures: worth retrying with backoff.
LAMBDA_TRANSIENT = ("Lambda.ServiceException", "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException", "Lambda.TooManyRequestsException")
STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail")
TERMINAL_TYPES = ("Succeed", "Fail")
MAX_STATE_NAME = 80


@dataclass(frozen=True)
class Retry:
    errors: tuple[str, ...]
    interval_seconds: int = 2
    max_attempts: int = 3
    backoff_rate: float = 2.0

    def to_asl(self) -> dict[str, Any]:
        return {"ErrorEquals": list(self.errors), "IntervalSeconds": self.interval_seconds,
                "MaxAttempts": self.max_attempts, "BackoffRate": self.backoff_rate}


@dataclass(frozen=True)
class Catch:
    next: str
    errors: tuple[str, ...] = ("States.ALL",)
    #: Where the error object goes in the state's input (kept beside the original input).
    result_path: str = "$.error"

    def to_asl(self) -> dict[str, Any]:
        return {"ErrorEquals": list(self.errors), "Next": self.next,
                "ResultPath": self.result_path}


@dataclass(frozen=True)
class State:
    name: str
    type: str
    next: str | None = None
    end: bool = False
    #: The type's own fields (Resource, Parameters, Seconds, Error, ...), in ASL spelling.
    fields: dict[str, Any] = field(default_factory=dict)
    retry: tuple[Retry, ...] = ()
    catch: tuple[Catch, ...] = ()

    def to_asl(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Type": self.type, **self.fields}
        if self.retry:
            body["Retry"] = [r.to_asl() for r in self.retry]
        if self.catch:
            body["Catch"] = [c.to_asl() for c in self.catch]
        if self.next:
            body["Next"] = self.next
        if self.end:
            body["End"] = True
        return body


def _flow(next: str | None) -> dict[str, Any]:
    return {"next": next, "end": next is None}


def lambda_task(name: str, function_arn: str, payload: dict[str, Any], *, next: str | None,
                result_path: str | None = "$.result", retry: tuple[Retry, ...] | None = None,
                catch: tuple[Catch, ...] = (), timeout_seconds: int = 60) -> State:
    """Invoke a Lambda with `payload` (ASL paths allowed: `"key.$": "$.x"`); its answer goes
    to `result_path`. Lambda's transient errors are retried with backoff by default."""
    return State(name, "Task", **_flow(next), fields={
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "ResultSelector": {"value.$": "$.Payload"},
        "ResultPath": result_path,
        "TimeoutSeconds": timeout_seconds,
    }, retry=(Retry(LAMBDA_TRANSIENT),) if retry is None else retry, catch=catch)


def service_task(name: str, resource: str, parameters: dict[str, Any], *, next: str | None,
                 retry: tuple[Retry, ...] = (), catch: tuple[Catch, ...] = ()) -> State:
    """An optimized service integration (`arn:aws:states:::dynamodb:putItem`, ...); its answer
    is discarded (ResultPath null) so the workflow's data stays what the tasks produced."""
    return State(name, "Task", **_flow(next), fields={
        "Resource": resource, "Parameters": parameters, "ResultPath": None,
    }, retry=retry, catch=catch)


def sns_publish(name: str, topic_arn: str, subject: str, *, next: str | None,
                message_path: str = "$", retry: tuple[Retry, ...] = ()) -> State:
    return service_task(name, SNS_PUBLISH, {
        "TopicArn": topic_arn, "Subject": subject, "Message.$": message_path,
    }, next=next, retry=retry)


def wait(name: str, seconds: int, *, next: str | None) -> State:
    return State(name, "Wait", **_flow(next), fields={"Seconds": seconds})


def fail(name: str, error: str, cause: str) -> State:
    return State(name, "Fail", fields={"Error": error, "Cause": cause})


def succeed(name: str) -> State:
    return State(name, "Succeed")


@dataclass(frozen=True)
class Workflow:
    comment: str
    start_at: str
    states: tuple[State, ...]
    #: The whole execution's limit; Step Functions fails it with States.Timeout after.
    timeout_seconds: int

    def validate(self) -> None:
        problems = self._problems()
        if problems:
            raise ValueError(f"workflow '{self.comment}': " + "; ".join(problems))

    def _problems(self) -> list[str]:
        names = [s.name for s in self.states]
        by_name = {s.name: s for s in self.states}
        problems = [f"state name {n!r} appears twice" for n in sorted(set(names))
                    if names.count(n) > 1]
        if not 1 <= self.timeout_seconds <= 31_536_000:
            problems.append(f"timeout_seconds is {self.timeout_seconds}; 1-31536000")
        if self.start_at not in by_name:
            problems.append(f"StartAt {self.start_at!r} is not a state")
        for state in self.states:
            where = f"state {state.name!r}"
            if not 1 <= len(state.name) <= MAX_STATE_NAME:
                problems.append(f"{where}: names are 1-{MAX_STATE_NAME} characters")
            if state.type not in STATE_TYPES:
                problems.append(f"{where}: type {state.type!r} is not one of {', '.join(STATE_TYPES)}")
            if state.type in TERMINAL_TYPES:
                if state.next or state.end:
                    problems.append(f"{where}: a {state.type} state has no Next or End")
            elif bool(state.next) == state.end:
                problems.append(f"{where}: needs exactly one of Next and End")
            if state.type == "Task" and not state.fields.get("Resource"):
                problems.append(f"{where}: a Task needs a Resource")
            for target in (state.next, *(c.next for c in state.catch)):
                if target and target not in by_name:
                    problems.append(f"{where}: Next/Catch target {target!r} is not a state")
        if problems:
            return problems
        reached = self._reachable(by_name)
        problems += [f"state {n!r} is unreachable from StartAt" for n in names if n not in reached]
        if not any(by_name[n].end or by_name[n].type in TERMINAL_TYPES for n in reached):
            problems.append("no terminal state (End, Succeed or Fail) is reachable")
        path = self.steps()
        if len(path) != len(set(path)):
            problems.append("the success path loops")
        return problems

    def _reachable(self, by_name: dict[str, State]) -> set[str]:
        seen: set[str] = set()
        todo = [self.start_at]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            state = by_name[name]
            todo += [t for t in (state.next, *(c.next for c in state.catch)) if t]
        return seen

    def steps(self) -> list[str]:
        """The success path: StartAt, then each `Next`, up to the state that ends it."""
        by_name = {s.name: s for s in self.states}
        path, name = [], self.start_at
        while name in by_name and name not in path:
            path.append(name)
            name = by_name[name].next
        return path

    def to_asl(self) -> dict[str, Any]:
        self.validate()
        return {"Comment": self.comment, "StartAt": self.start_at,
                "TimeoutSeconds": self.timeout_seconds,
                "States": {s.name: s.to_asl() for s in self.states}}

    def to_json(self) -> str:
        # Compact and key-ordered as written: the same data always gives the same string.
        return json.dumps(self.to_asl(), separators=(",", ":"))


@dataclass(frozen=True)
class StateMachineProps:
    name: str
    role_name: str
    policy_name: str
    log_group_name: str
    workflow: Workflow
    account_id: str
    region: str
    #: Encrypts the log group; None uses CloudWatch's own encryption.
    kms_key_arn: str | None = None
    log_retention_days: int = 365
    #: Functions the workflow's Lambda tasks invoke (and nothing else).
    function_arns: tuple[str, ...] = ()
    #: What the service tasks need (a topic's publish grant, a table's write grant, ...).
    extra_statements: tuple[Statement, ...] = ()


class StateMachine(Construct):
    """Exposes `state_machine` and `log_group` (L1 resources), `state_machine_arn`, `role`,
    `role_arn` and `start_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: StateMachineProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        definition = props.workflow.to_json()  # validates
        arn = f"arn:aws:states:{props.region}:{props.account_id}:stateMachine:{props.name}"
        log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=props.log_group_name,
            retention_in_days=props.log_retention_days, kms_key_id=props.kms_key_arn)
        trust = policy_document(self, "trust", [service_trust(
            "states.amazonaws.com", account_id=props.account_id, source_arn_pattern=arn)])
        self.role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Execution role of the state machine {props.name}")
        statements = [
            # Log delivery and X-Ray APIs have no resource-level permissions.
            Statement(sid="DeliverExecutionLogs",
                      actions=("logs:CreateLogDelivery", "logs:GetLogDelivery",
                               "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
                               "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                               "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"),
                      resources=("*",)),
            Statement(sid="WriteTraces",
                      actions=("xray:PutTraceSegments", "xray:PutTelemetryRecords",
                               "xray:GetSamplingRules", "xray:GetSamplingTargets"),
                      resources=("*",)),
            *props.extra_statements,
        ]
        if props.function_arns:
            # `<arn>:*` covers a published version or alias of the same function.
            statements.insert(0, Statement(
                sid="InvokeTaskFunctions", actions=("lambda:InvokeFunction",),
                resources=tuple(r for a in props.function_arns for r in (a, f"{a}:*"))))
        policy = policy_document(self, "policy_document", statements)
        role_policy = provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=self.role.id, policy=policy.json)
        self.policy_document = policy
        self.state_machine = provider_module("sfn_state_machine").SfnStateMachine(
            self, "state_machine", name=props.name, role_arn=self.role.arn, type="STANDARD",
            definition=definition,
            logging_configuration={"level": "ALL", "include_execution_data": True,
                                   "log_destination": f"{log_group.arn}:*"},
            tracing_configuration={"enabled": True},
            # The role must be able to deliver logs before the machine is created.
            depends_on=[role_policy, log_group])
        self.log_group = log_group
        self.state_machine_arn: str = self.state_machine.arn
        self.role_arn: str = self.role.arn

    def start_statements(self) -> tuple[Statement, ...]:
        """What a caller needs to start executions of this state machine and read them."""
        props = self._props
        executions = f"arn:aws:states:{props.region}:{props.account_id}:execution:{props.name}:*"
        return (Statement(sid="StartWorkflow", actions=("states:StartExecution",),
                          resources=(self.state_machine_arn,)),
                Statement(sid="DescribeWorkflowExecutions", actions=("states:DescribeExecution",),
                          resources=(executions,)))
