"""Async work layer (phase 3): the SQS work queues with their consumers, the two Step Functions
workflows and the Kinesis streams with their real-time consumer.

How the specification's open points are settled here:
- Queues, streams and the Lambdas' logs use the environment's phase-1 key (`data.key_arn`):
  the Lambdas, SQS, Kinesis and CloudWatch already use it, and the phase-3 purpose keys only
  allow their own services (the `s3` key is for the phase-3 buckets, see analytics.py).
- "Steps" of a workflow are the states of its success path (StartAt following Next to End):
  5 for the appointment workflow, 7 for onboarding. The failure path (an SNS message to the
  errors topic, then Fail) is extra. The timeouts are the whole execution's (5 and 10 min).
- The Lambda steps run in one function, `<prefix>-workflow-tasks-<env>` (one handler per step
  name); DynamoDB updates, queue messages, the wait and the SNS notification are Step
  Functions' own integrations, so no Lambda holds those grants.
- The events stream is fed by the async-task, notification and workflow Lambdas (one event
  per thing done); its consumer aggregates per minute into the metrics stream; both are
  archived to S3 by Firehose (analytics.py). Kinesis Data Analytics, also named as a consumer,
  is not built: the per-minute aggregation is done by the consumer Lambda and hourly by Glue,
  and the service is not in the specification's service list or cost table.
- Shards are provisioned as specified (2 and 1); the metrics stream's 7 days are extended
  retention, billed per shard-hour beyond 24 h.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.action_function import ActionFunction
from modules.kinesis_stream import KinesisStream, KinesisStreamProps
from modules.lambda_package import build_function_package
from modules.policy import Statement, kms_via_service
from modules.queue import Queue, QueueProps, QueueTrigger, QueueTriggerProps
from modules.state_machine import (LAMBDA_TRANSIENT, Catch, Retry, StateMachine,
                                   StateMachineProps, Workflow, fail, lambda_task,
                                   service_task, sns_publish, wait)
from modules.stacks.system_stack import SystemStack
from modules.stream_trigger import StreamTrigger, StreamTriggerProps
from modules.topic import Topic, TopicProps
from systems.scheduling.catalog import Sources
from systems.scheduling.data import Data
from systems.scheduling.functions import base_environment, lambda_function, pf360_environment
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

DAY = 86400
PF360 = ("pf360",)  # VPC reach of the Lambdas that call PF360 (functions.VPC_REACH)
WORKFLOW_TASK_TIMEOUT = 60
SQS_SEND = "arn:aws:states:::sqs:sendMessage"
# Step Functions' errors of a service integration that failed on the service side.
SERVICE_RETRY = (Retry(("States.TaskFailed",), interval_seconds=2, max_attempts=3),)


@dataclass(frozen=True)
class AsyncWork:
    queues: dict[str, Queue]
    functions: dict[str, ActionFunction]
    workflows: dict[str, StateMachine]
    streams: dict[str, KinesisStream]
    notifications_topic: Topic


def _address(resource) -> str:
    return f"{resource.terraform_resource_type}.{resource.friendly_unique_id}"


def _after(resource, *others) -> None:
    """Order `resource` after `others` (IAM principals must exist before a resource policy
    names them; an event source mapping checks its role's permissions when created)."""
    resource.add_override("depends_on", [_address(o) for o in others])


def _policy_of(function: ActionFunction):
    """The function's inline role policy (construct id "policy" inside ActionFunction)."""
    return function.node.find_child("policy")


def build_async(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                data: Data, errors_topic: Topic, sources: Sources) -> AsyncWork:
    env, config, key = stack.env, settings.queues, data.key_arn
    streams = _streams(stack, settings, names, key)
    # By name: the work queues redrive to the dead-letter queue, so they are created after it.
    sources_arns = tuple(f"arn:aws:sqs:{env.region}:{env.account_id}:{names.queue(part)}"
                         for part in ("async-tasks", "appointment-notifications"))
    dlq = Queue(stack, "queue_dlq", QueueProps(
        name=names.queue("dlq"), kms_key_arn=key, region=env.region, grant_id="DeadLetters",
        redrive_source_arns=sources_arns))
    # Six times the consumer timeout: SQS's advice for queues polled by Lambda.
    visibility = 6 * settings.functions.timeout_seconds
    queues = {"dlq": dlq}
    for part, grant in (("async-tasks", "AsyncTasks"),
                        ("appointment-notifications", "Notifications")):
        queues[part] = Queue(stack, f"queue_{part.replace('-', '_')}", QueueProps(
            name=names.queue(part), kms_key_arn=key, region=env.region, grant_id=grant,
            retention_seconds=config.retention_days * DAY,
            visibility_timeout_seconds=visibility, dead_letter_queue_arn=dlq.queue_arn,
            max_receive_count=config.max_receive_count))
    if key is None:
        excuse([q.queue for q in queues.values()], ("CKV_AWS_27",), NO_CUSTOMER_KEY)

    events = streams["events"]
    consumer_role = names.service_role("appointment-notifications")
    topic = Topic(stack, "topic_customer_notifications", TopicProps(
        name=names.topic("customer-notifications"), kms_key_arn=key, account_id=env.account_id,
        region=env.region, allow_cloudwatch_alarms=False, grant_id="CustomerNotifications",
        publisher_role_arns=(f"arn:aws:iam::{env.account_id}:role/{consumer_role}",),
        display_name=f"Scheduling customer notifications ({env.environment})"))
    if key is None:
        excuse([topic.topic], ("CKV_AWS_26",), NO_CUSTOMER_KEY)

    def function(folder: str, description: str, statements: tuple[Statement, ...],
                 variables: dict[str, str], reach: tuple[str, ...] = PF360,
                 timeout: int | None = None) -> ActionFunction:
        part = folder.replace("_", "-")
        name = names.service_function(part)
        pf360 = data.pf360_secret.read_statements() if reach and data.pf360_secret else ()
        return lambda_function(
            stack, settings, data, f"function_{folder}",
            build_function_package(folder, sources.lambda_root, action_group=False),
            function_name=name, role_name=names.service_role(part),
            policy_name=names.service_policy(part),
            environment={**base_environment(stack, settings, name, names),
                         **(pf360_environment(settings, data) if reach else {}), **variables},
            statements=(*statements, *pf360), description=description,
            dead_letter_queue=dlq, timeout_seconds=timeout, reach=reach)

    events_env = {"EVENTS_STREAM": events.stream_arn}
    functions = {
        "async_tasks": function(
            "async_tasks", "Async tasks from the queue: notes, project reports",
            (*queues["async-tasks"].consume_statements(), *events.write_statements()),
            events_env),
        "appointment_notifications": function(
            "appointment_notifications", "Appointment messages from the queue to the topic",
            (*queues["appointment-notifications"].consume_statements(),
             *events.write_statements(), *topic.publish_statements()),
            {**events_env, "NOTIFICATIONS_TOPIC": topic.topic_arn}),
    }
    _after(topic.node.find_child("policy"), functions["appointment_notifications"].node
           .find_child("role"))
    for folder, part in (("async_tasks", "async-tasks"),
                         ("appointment_notifications", "appointment-notifications")):
        trigger = QueueTrigger(stack, f"trigger_{folder}", QueueTriggerProps(
            function_name=functions[folder].function_name, queue_arn=queues[part].queue_arn,
            batch_size=config.batch_size,
            maximum_concurrency=min(config.max_concurrency,
                                    max(2, settings.functions.reserved_concurrency))))
        _after(trigger.mapping, _policy_of(functions[folder]))

    sessions = data.tables["session-state"]
    functions["workflow_tasks"] = function(
        "workflow_tasks", "Lambda steps of the appointment and onboarding workflows",
        events.write_statements(),
        {**events_env, "SESSION_IDLE_DAYS": str(settings.settings.session_idle_days)},
        timeout=WORKFLOW_TASK_TIMEOUT)
    workflows = _workflows(stack, settings, names, data, functions["workflow_tasks"], queues,
                           sessions, errors_topic)
    _after(errors_topic.node.find_child("policy"), *(w.role for w in workflows.values()))

    functions["events_consumer"] = function(
        "events_consumer", "Aggregates the events stream per minute into the metrics stream",
        (*events.read_statements(), *streams["metrics"].write_statements()),
        {"METRICS_STREAM": streams["metrics"].stream_arn}, reach=())
    trigger = StreamTrigger(stack, "trigger_events_consumer", StreamTriggerProps(
        function_name=functions["events_consumer"].function_name, source_arn=events.stream_arn,
        batch_size=settings.streams.batch_size, max_batching_window_seconds=5,
        bisect_on_error=True, maximum_retry_attempts=settings.streams.maximum_retry_attempts,
        maximum_record_age_seconds=3600, on_failure_destination_arn=dlq.queue_arn,
        starting_position="LATEST"))
    _after(trigger.mapping, _policy_of(functions["events_consumer"]))
    return AsyncWork(queues=queues, functions=functions, workflows=workflows, streams=streams,
                     notifications_topic=topic)


def _streams(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
             key: str | None) -> dict[str, KinesisStream]:
    config = settings.streams
    return {part: KinesisStream(stack, f"stream_{part}", KinesisStreamProps(
        name=names.stream(part), retention_hours=hours, on_demand=False, shard_count=shards,
        kms_key_arn=key))
        for part, shards, hours in (("events", config.events_shards, config.events_retention_hours),
                                    ("metrics", config.metrics_shards,
                                     config.metrics_retention_hours))}


def _workflows(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
               data: Data, tasks: ActionFunction, queues: dict[str, Queue], sessions,
               errors_topic: Topic) -> dict[str, StateMachine]:
    env, config = stack.env, settings.workflows
    fn = tasks.function_arn
    to_failure = (Catch("NotifyFailure"),)
    pf360_retry = (Retry(LAMBDA_TRANSIENT),
                   Retry(("UpstreamUnavailable",), interval_seconds=5, max_attempts=3))
    notifications, async_tasks = queues["appointment-notifications"], queues["async-tasks"]

    def failure_path(kind: str) -> tuple:
        return (sns_publish("NotifyFailure", errors_topic.topic_arn, f"{kind} workflow failed",
                            next="Failed", message_path="States.JsonToString($)",
                            retry=SERVICE_RETRY),
                fail("Failed", f"{kind.replace(' ', '')}WorkflowFailed",
                     "The error and the workflow's data went to the errors topic"))

    def send(name: str, queue: Queue, body: dict, next: str | None) -> object:
        return service_task(name, SQS_SEND, {"QueueUrl": queue.queue_url, "MessageBody": body},
                            next=next, retry=SERVICE_RETRY, catch=to_failure)

    booking = "$.booking.value"

    def customer_of(path: str) -> dict[str, str]:
        return {"customer_id.$": f"{path}.customer_id", "client_id.$": f"{path}.client_id"}

    appointment = Workflow(
        comment="Book an appointment: validate, check the slot, confirm, record, notify",
        start_at="ValidateRequest", timeout_seconds=config.appointment_timeout_seconds,
        states=(
            lambda_task("ValidateRequest", fn, {"task": "validate_booking", "input.$": "$"},
                        next="CheckAvailability", result_path="$.booking", catch=to_failure),
            lambda_task("CheckAvailability", fn, {"task": "check_slot", "input.$": booking},
                        next="ConfirmAppointment", result_path="$.availability",
                        retry=pf360_retry, catch=to_failure),
            # Only throttling is retried: the function did not run, so nothing was booked.
            lambda_task("ConfirmAppointment", fn, {"task": "confirm_booking", "input.$": booking},
                        next="RecordOnSession", result_path="$.appointment",
                        retry=(Retry(("Lambda.TooManyRequestsException",)),), catch=to_failure),
            # The booking stands even when its chat session is gone or the write fails.
            service_task("RecordOnSession", "arn:aws:states:::dynamodb:updateItem", {
                "TableName": sessions.table_name,
                "Key": {"session_id": {"S.$": f"{booking}.session_id"}},
                "UpdateExpression": "SET last_confirmation = :c",
                "ConditionExpression": "attribute_exists(session_id)",
                "ExpressionAttributeValues": {
                    ":c": {"S.$": "$.appointment.value.confirmation_number"}},
            }, next="QueueConfirmation", retry=(
                Retry(("DynamoDB.ProvisionedThroughputExceededException",
                       "DynamoDB.ThrottlingException")),),
                catch=(Catch("QueueConfirmation", result_path="$.session_not_updated"),)),
            send("QueueConfirmation", notifications,
                 {"kind": "confirmation", **customer_of(booking),
                  "project_id.$": f"{booking}.project_id"}, next=None),
            *failure_path("Appointment"),
        ))
    customer = "$.customer.value"
    onboarding = Workflow(
        comment="Onboard a customer: validate, load projects, open a session, report, welcome",
        start_at="ValidateCustomer", timeout_seconds=config.onboarding_timeout_seconds,
        states=(
            lambda_task("ValidateCustomer", fn, {"task": "validate_customer", "input.$": "$"},
                        next="LoadProjects", result_path="$.customer", catch=to_failure),
            lambda_task("LoadProjects", fn, {"task": "load_projects", "input.$": customer},
                        next="CreateSession", result_path="$.projects", retry=pf360_retry,
                        catch=to_failure),
            # A customer onboarded before keeps the session they have.
            service_task("CreateSession", "arn:aws:states:::dynamodb:putItem", {
                "TableName": sessions.table_name,
                "Item": {"session_id": {"S.$": f"{customer}.session_id"},
                         "customer_id": {"S.$": f"{customer}.customer_id"},
                         "client_id": {"S.$": f"{customer}.client_id"},
                         "created_at": {"N.$": f"{customer}.now"},
                         "updated_at": {"N.$": f"{customer}.now"},
                         "expires_at": {"N.$": f"{customer}.expires_at"}},
                "ConditionExpression": "attribute_not_exists(session_id)",
            }, next="QueueProjectReport", retry=(
                Retry(("DynamoDB.ProvisionedThroughputExceededException",
                       "DynamoDB.ThrottlingException")),),
                catch=(Catch("QueueProjectReport",
                             errors=("DynamoDB.ConditionalCheckFailedException",),
                             result_path="$.session_exists"), *to_failure)),
            send("QueueProjectReport", async_tasks,
                 {"task": "project_report", **customer_of(customer)}, next="WaitBeforeWelcome"),
            wait("WaitBeforeWelcome", config.welcome_wait_seconds, next="QueueWelcome"),
            send("QueueWelcome", notifications, {"kind": "welcome", **customer_of(customer)},
                 next="RecordOnboarded"),
            lambda_task("RecordOnboarded", fn, {"task": "record_onboarded", "input.$": customer},
                        next=None, result_path="$.onboarded", catch=to_failure),
            *failure_path("Onboarding"),
        ))
    table_key = (kms_via_service("UseSessionTableKey", data.key_arn, "dynamodb", env.region,
                                 actions=("kms:Decrypt", "kms:DescribeKey")),) \
        if data.key_arn else ()
    grants = {
        "appointment-workflow": (
            (appointment, "Appointment booking"),
            (Statement(sid="RecordOnSession", actions=("dynamodb:UpdateItem",),
                       resources=(sessions.table_arn,)), *table_key,
             *notifications.send_statements())),
        "customer-onboarding": (
            (onboarding, "Customer onboarding"),
            (Statement(sid="CreateSession", actions=("dynamodb:PutItem",),
                       resources=(sessions.table_arn,)), *table_key,
             *notifications.send_statements(), *async_tasks.send_statements())),
    }
    machines = {}
    for part, ((workflow, title), statements) in grants.items():
        machine = StateMachine(stack, f"workflow_{part.replace('-', '_')}", StateMachineProps(
            name=names.state_machine(part), role_name=names.state_machine_role(part),
            policy_name=names.service_policy(part), log_group_name=names.state_machine_log_group(part),
            workflow=workflow, account_id=env.account_id, region=env.region,
            kms_key_arn=data.key_arn, log_retention_days=settings.functions.log_retention_days,
            function_arns=(tasks.function_arn,),
            extra_statements=(*statements, *errors_topic.publish_statements())))
        if data.key_arn is None:
            excuse([machine.log_group], ("CKV_AWS_158",), NO_CUSTOMER_KEY)
        machines[part] = machine
    return machines
