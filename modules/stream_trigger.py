"""A Lambda event source mapping on a Kinesis (or DynamoDB) stream: batching, bisect on error,
bounded retries and record age, partial batch responses, and a failure destination."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module

STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON")


@dataclass(frozen=True)
class StreamTriggerProps:
    function_name: str
    source_arn: str
    #: Records per invocation (1-10000).
    batch_size: int = 100
    #: Seconds to gather a batch before invoking (0-300).
    max_batching_window_seconds: int = 5
    #: Split a failing batch in two and retry each half, isolating the bad record.
    bisect_on_error: bool = True
    #: Retries of a failing batch (0-10000); bounded so one bad record cannot block a shard.
    maximum_retry_attempts: int = 3
    #: Records older than this are skipped to the failure destination (60-604800, or -1).
    maximum_record_age_seconds: int = 3600
    #: SQS queue or SNS topic receiving the metadata of batches that exhausted their retries.
    on_failure_destination_arn: str | None = None
    starting_position: str = "LATEST"
    #: Concurrent batches per shard (1-10).
    parallelization_factor: int = 1

    def __post_init__(self) -> None:
        checks = (
            ("batch_size", self.batch_size, 1 <= self.batch_size <= 10000, "1-10000"),
            ("max_batching_window_seconds", self.max_batching_window_seconds,
             0 <= self.max_batching_window_seconds <= 300, "0-300"),
            ("maximum_retry_attempts", self.maximum_retry_attempts,
             0 <= self.maximum_retry_attempts <= 10000, "0-10000"),
            ("maximum_record_age_seconds", self.maximum_record_age_seconds,
             self.maximum_record_age_seconds == -1 or 60 <= self.maximum_record_age_seconds <= 604800,
             "60-604800 or -1 (no limit)"),
            ("parallelization_factor", self.parallelization_factor,
             1 <= self.parallelization_factor <= 10, "1-10"),
            ("starting_position", self.starting_position,
             self.starting_position in STARTING_POSITIONS, " or ".join(STARTING_POSITIONS)),
        )
        for field_name, value, ok, allowed in checks:
            if not ok:
                raise ValueError(f"stream trigger of {self.function_name}: {field_name} is "
                                 f"{value!r}; {allowed}")


class StreamTrigger(Construct):
    """Exposes `mapping` (the `aws_lambda_event_source_mapping`). The function's role needs the
    stream's `read_statements()` and, with a destination, the right to send to it."""

    def __init__(self, scope: Construct, construct_id: str, props: StreamTriggerProps) -> None:
        super().__init__(scope, construct_id)
        destination = props.on_failure_destination_arn
        self.mapping = provider_module("lambda_event_source_mapping").LambdaEventSourceMapping(
            self, "mapping",
            function_name=props.function_name,
            event_source_arn=props.source_arn,
            starting_position=props.starting_position,
            batch_size=props.batch_size,
            maximum_batching_window_in_seconds=props.max_batching_window_seconds,
            bisect_batch_on_function_error=props.bisect_on_error,
            maximum_retry_attempts=props.maximum_retry_attempts,
            maximum_record_age_in_seconds=props.maximum_record_age_seconds,
            parallelization_factor=props.parallelization_factor,
            # The handler reports the records it could not process; only those are retried.
            function_response_types=["ReportBatchItemFailures"],
            destination_config={"on_failure": {"destination_arn": destination}}
            if destination else None,
        )
