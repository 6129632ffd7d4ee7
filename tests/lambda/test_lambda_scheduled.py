"""The scheduled Phase 2 functions against moto: cleanup_sessions (idle sessions and their
turns) and daily_metrics (yesterday's agent usage into METRICS_TABLE, SecretAgeDays).
refresh_cache is tested with the cache, in test_lambda_cache.py."""

from __future__ import annotations

import datetime as dt
import functools
import time
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
DAY = 86400


@functools.cache
def _session() -> Any:
    return boto3.session.Session()


def AWS(service: str) -> Any:  # noqa: N802 - reads like a constructor
    return _session().client(service, region_name=REGION)


def put_session(table: str, session_id: str, updated_at: float, customer_id: str = "CUST001") -> None:
    AWS("dynamodb").put_item(
        TableName=table,
        Item={
            "session_id": {"S": session_id},
            "customer_id": {"S": customer_id},
            "client_id": {"S": "09PF05VD"},
            "created_at": {"N": str(int(updated_at))},
            "updated_at": {"N": str(int(updated_at))},
            "expires_at": {"N": str(int(updated_at) + 30 * DAY)},
        },
    )


def put_turns(table: str, session_id: str, count: int) -> None:
    for index in range(count):
        AWS("dynamodb").put_item(
            TableName=table,
            Item={
                "session_id": {"S": session_id},
                "timestamp": {"N": str(1_700_000_000_000 + index)},
                "role": {"S": "user" if index % 2 == 0 else "assistant"},
                "text": {"S": f"turn {index}"},
            },
        )


def session_ids(table: str) -> set[str]:
    return {item["session_id"]["S"] for item in AWS("dynamodb").scan(TableName=table)["Items"]}


class TestCleanupSessions:
    def test_idle_sessions_and_their_turns_are_deleted(
        self, phase2: dict[str, ModuleType], tables: dict[str, str], fake_context: Any
    ) -> None:
        now = time.time()
        put_session(tables["SESSION_TABLE"], "idle-1", now - 31 * DAY)
        put_session(tables["SESSION_TABLE"], "idle-2", now - 90 * DAY)
        put_session(tables["SESSION_TABLE"], "active", now - 29 * DAY)
        put_turns(tables["CONVERSATION_TABLE"], "idle-1", 30)  # more than one BatchWriteItem
        put_turns(tables["CONVERSATION_TABLE"], "idle-2", 2)
        put_turns(tables["CONVERSATION_TABLE"], "active", 4)

        summary = phase2["cleanup_sessions"].lambda_handler({"source": "aws.events"}, fake_context)
        assert {k: v for k, v in summary.items() if k != "cutoff"} == {
            "status": "ok",
            "sessions_scanned": 2,
            "sessions_deleted": 2,
            "turns_deleted": 32,
            "errors": 0,
        }
        assert abs(summary["cutoff"] - (now - 30 * DAY)) < 5
        assert session_ids(tables["SESSION_TABLE"]) == {"active"}
        assert session_ids(tables["CONVERSATION_TABLE"]) == {"active"}

    def test_the_idle_period_comes_from_ssm(
        self, phase2: dict[str, ModuleType], tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        AWS("ssm").put_parameter(Name="/pf/dev/scheduling/session_idle_days", Value="7", Type="String")
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", "/pf/dev/scheduling/")
        put_session(tables["SESSION_TABLE"], "week-old", time.time() - 8 * DAY)
        assert phase2["cleanup_sessions"].lambda_handler({}, None)["sessions_deleted"] == 1

    def test_a_session_used_again_meanwhile_is_kept(
        self, phase2: dict[str, ModuleType], tables: dict[str, str], pf: SimpleNamespace, monkeypatch: Any
    ) -> None:
        put_session(tables["SESSION_TABLE"], "comeback", time.time() - 40 * DAY)
        put_turns(tables["CONVERSATION_TABLE"], "comeback", 2)
        scan = pf.conversations.ConversationStore.idle_sessions

        def scan_then_customer_returns(self: Any, cutoff: int) -> Any:
            for session_id in scan(self, cutoff):
                put_session(tables["SESSION_TABLE"], session_id, time.time())  # a chat just renewed it
                yield session_id

        monkeypatch.setattr(pf.conversations.ConversationStore, "idle_sessions", scan_then_customer_returns)
        summary = phase2["cleanup_sessions"].lambda_handler({}, None)
        assert (summary["sessions_scanned"], summary["sessions_deleted"], summary["turns_deleted"]) == (1, 0, 0)
        assert session_ids(tables["CONVERSATION_TABLE"]) == {"comeback"}

    def test_it_stops_when_time_runs_out(self, phase2: dict[str, ModuleType], tables: dict[str, str]) -> None:
        for index in range(3):
            put_session(tables["SESSION_TABLE"], f"idle-{index}", time.time() - 40 * DAY)
        almost_out = SimpleNamespace(aws_request_id="r", get_remaining_time_in_millis=lambda: 5_000)
        summary = phase2["cleanup_sessions"].lambda_handler({}, almost_out)
        assert summary["status"] == "partial" and summary["sessions_deleted"] == 0

    def test_one_failed_session_is_counted_and_the_rest_go_on(
        self,
        phase2: dict[str, ModuleType],
        tables: dict[str, str],
        pf: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        from botocore.exceptions import ClientError

        monkeypatch.setenv("ENVIRONMENT", "dev")
        for index in range(3):
            put_session(tables["SESSION_TABLE"], f"idle-{index}", time.time() - 40 * DAY)
        real = pf.conversations.ConversationStore.delete_turns

        def flaky(self: Any, session_id: str) -> int:
            if session_id == "idle-1":
                raise ClientError({"Error": {"Code": "InternalServerError"}}, "Query")
            return real(self, session_id)

        monkeypatch.setattr(pf.conversations.ConversationStore, "delete_turns", flaky)
        summary = phase2["cleanup_sessions"].lambda_handler({}, None)
        assert (summary["status"], summary["sessions_deleted"], summary["errors"]) == ("ok", 3, 1)
        assert helpers.emitted(capsys.readouterr().out) == {"LambdaErrors": 1.0}

    def test_missing_tables_are_reported_not_raised(
        self, phase2: dict[str, ModuleType], pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def no_aws(*_: Any, **__: Any) -> Any:
            raise AssertionError("nothing to do without the tables")

        monkeypatch.setattr(pf.aws, "client", no_aws)
        summary = phase2["cleanup_sessions"].lambda_handler({}, None)
        assert (summary["status"], summary["errors"]) == ("error", 1)

    def test_a_missing_table_in_aws_is_reported_not_raised(
        self, phase2: dict[str, ModuleType], aws_mock: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("SESSION_TABLE", "gone")
        monkeypatch.setenv("CONVERSATION_TABLE", "gone-too")
        assert phase2["cleanup_sessions"].lambda_handler({}, None)["status"] == "error"


def put_usage(environment: str, at: dt.datetime, response_times: list[float]) -> None:
    dimensions = [{"Name": "Environment", "Value": environment}]
    data = [
        {"MetricName": "AgentInvocationCount", "Dimensions": dimensions, "Value": 1.0, "Unit": "Count", "Timestamp": at}
        for _ in response_times
    ] + [
        {"MetricName": "AgentResponseTime", "Dimensions": dimensions, "Value": value, "Unit": "Milliseconds",
         "Timestamp": at}
        for value in response_times
    ]
    AWS("cloudwatch").put_metric_data(Namespace="PF/Bedrock", MetricData=data)


def metrics_items(table: str) -> list[dict[str, Any]]:
    return AWS("dynamodb").scan(TableName=table)["Items"]


@pytest.fixture
def metrics_env(tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("ENVIRONMENT", "dev")
    return tables


@pytest.mark.usefixtures("metrics_env")
class TestDailyMetrics:
    def test_yesterdays_usage_is_written_per_agent(
        self, phase2: dict[str, ModuleType], tables: dict[str, str], fake_context: Any
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        yesterday = now.date() - dt.timedelta(days=1)
        noon = dt.datetime.combine(yesterday, dt.time(12), tzinfo=dt.UTC)
        put_usage("dev", noon, [100.0, 200.0, 600.0])
        put_usage("prod", noon, [5000.0])  # another environment: not counted
        put_usage("dev", noon - dt.timedelta(days=1), [9999.0])  # the day before: not counted

        summary = phase2["daily_metrics"].lambda_handler({"detail-type": "Scheduled Event"}, fake_context)
        assert summary["status"] == "ok" and summary["day"] == yesterday.isoformat()
        (item,) = metrics_items(tables["METRICS_TABLE"])
        day_start = int(dt.datetime.combine(yesterday, dt.time(), tzinfo=dt.UTC).timestamp())
        assert item["agent_id"] == {"S": "supervisor"} and item["timestamp"] == {"N": str(day_start)}
        assert item["day"] == {"S": yesterday.isoformat()} and item["environment"] == {"S": "dev"}
        assert item["invocations"] == {"N": "3"} and float(item["avg_response_ms"]["N"]) == 300.0

    def test_a_day_without_usage_is_written_as_zero(
        self, phase2: dict[str, ModuleType], tables: dict[str, str]
    ) -> None:
        assert phase2["daily_metrics"].lambda_handler({}, None)["status"] == "ok"
        (item,) = metrics_items(tables["METRICS_TABLE"])
        assert (item["invocations"], item["avg_response_ms"]) == ({"N": "0"}, {"N": "0.0"})

    def test_a_backfill_day_and_the_event_time_choose_the_day(
        self, phase2: dict[str, ModuleType], tables: dict[str, str], pf: SimpleNamespace
    ) -> None:
        now = dt.datetime(2025, 1, 10, 9, 0, 5, tzinfo=dt.UTC)
        report_day = phase2["daily_metrics"].report_day
        assert report_day({}, now) == dt.date(2025, 1, 9)
        assert report_day({"time": "2025-01-08T09:00:00Z"}, now) == dt.date(2025, 1, 7)  # a late delivery
        assert report_day({"time": "2030-01-01T09:00:00Z"}, now) == dt.date(2025, 1, 9)  # not trusted
        assert report_day({"detail": {"day": "2025-01-02"}}, now) == dt.date(2025, 1, 2)
        for bad in ("2025-01-10", "2025-13-01", 20250101, "2021-01-01"):
            with pytest.raises(Exception, match="day must be"):
                report_day({"day": bad}, now)

    def test_an_invalid_backfill_request_is_reported_not_raised(
        self, phase2: dict[str, ModuleType], tables: dict[str, str]
    ) -> None:
        summary = phase2["daily_metrics"].lambda_handler({"day": "tomorrow"}, None)
        assert (summary["status"], summary["agents_written"]) == ("error", 0)
        assert metrics_items(tables["METRICS_TABLE"]) == []

    def test_secret_ages_are_emitted_per_secret(
        self,
        phase2: dict[str, ModuleType],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        first = AWS("secretsmanager").create_secret(Name="pf/pf360-credentials", SecretString="x")["ARN"]
        second = AWS("secretsmanager").create_secret(Name="pf/other", SecretString="y")["ARN"]
        missing = first.replace("pf360-credentials", "gone")
        monkeypatch.setenv("SECRET_ARNS", f" {first},{second},, {missing}")
        summary = phase2["daily_metrics"].lambda_handler({}, None)
        assert (summary["secrets_reported"], summary["errors"], summary["status"]) == (2, 1, "error")
        records = [r for r in helpers.emf_records(capsys.readouterr().out) if "SecretAgeDays" in r]
        assert sorted(r["SecretName"] for r in records) == ["pf/other", "pf/pf360-credentials"]
        for record in records:
            directive = record["_aws"]["CloudWatchMetrics"][0]
            assert directive["Namespace"] == "PF/Lambda"
            assert directive["Dimensions"] == [["Environment", "SecretName"]]
            assert 0 <= record["SecretAgeDays"][0] < 0.01  # just created

    def test_secret_age_uses_last_changed_else_created(
        self, phase2: dict[str, ModuleType], pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
        answers = {
            "changed": {"Name": "a", "LastChangedDate": now - dt.timedelta(days=45, hours=12),
                        "CreatedDate": now - dt.timedelta(days=400)},
            "created": {"Name": "b", "CreatedDate": now - dt.timedelta(days=10)},
        }
        fake = SimpleNamespace(describe_secret=lambda SecretId: answers[SecretId])  # noqa: N803
        monkeypatch.setattr(pf.aws, "client", lambda service, region=None: fake)
        secret_age = phase2["daily_metrics"].secret_age
        assert secret_age("changed", now) == ("a", 45.5)
        assert secret_age("created", now) == ("b", 10.0)

    def test_missing_configuration_is_reported_not_raised(
        self, phase2: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("METRICS_TABLE")
        summary = phase2["daily_metrics"].lambda_handler({}, None)
        assert (summary["status"], summary["agents_written"]) == ("error", 0)
