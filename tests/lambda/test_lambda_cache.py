"""Phase 2 read-through cache of PF360 answers (CACHE_TABLE): the cache itself against moto's
DynamoDB, the action functions in PF360 mode (pytest-httpserver) reading through it and
emptying it on changes, its failures degrading to direct PF360 calls, and the refresh_cache
function."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from pytest_httpserver import HTTPServer

REGION = "us-east-1"




@functools.cache
def _session() -> Any:
    return boto3.session.Session()  # one for the module: a session per test reloads the models


def AWS(service: str) -> Any:  # noqa: N802 - reads like a constructor
    """A client for the test's own calls to moto."""
    return _session().client(service, region_name=REGION)
CLIENT_ID = "09PF05VD"
PROJECTS_PATH = "/api/v1/customers/CUST001/projects"
PROJECT = {
    "project_id": "P-77",
    "project_type": "Windows",
    "description": "Replace bay window",
    "status": "ready_to_schedule",
    "address": "1 Elm St",
    "appointment": None,
}


def key(pf: SimpleNamespace, operation: str = "list_projects", project_id: str = "", **query: str) -> Any:
    return pf.cache.CacheKey.of("CUST001", CLIENT_ID, operation, project_id, query)


def items(table: str) -> list[dict[str, Any]]:
    return AWS("dynamodb").scan(TableName=table)["Items"]


def own_records(logs: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in logs.records if line.startswith("{")]


@pytest.fixture
def cache_table(aws_mock: None, helpers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> str:
    helpers.create_tables("CACHE_TABLE")
    table = helpers.table_names["CACHE_TABLE"]
    monkeypatch.setenv("CACHE_TABLE", table)
    return table


@pytest.fixture
def clock() -> list[float]:
    return [1_700_000_000.0]


@pytest.fixture
def cache(pf: SimpleNamespace, cache_table: str, clock: list[float]) -> Any:
    return pf.cache.ResponseCache(cache_table, ttl_seconds=900, clock=lambda: clock[0])


class TestResponseCache:
    def test_round_trip_and_item_layout(self, pf: SimpleNamespace, cache: Any, cache_table: str) -> None:
        slots_key = key(pf, "time_slots", "PRJ-1001", date="2025-01-07")
        assert cache.get(slots_key) is pf.cache.MISS
        assert cache.put(slots_key, {"time_slots": [{"start_time": "09:00", "end_time": "10:00"}]})
        assert cache.get(slots_key) == {"time_slots": [{"start_time": "09:00", "end_time": "10:00"}]}
        (item,) = items(cache_table)
        assert item["customer_id"] == {"S": "CUST001"}
        assert item["project_id"] == {"S": "PRJ-1001#time_slots#09PF05VD#date=2025-01-07"}
        assert item["operation"] == {"S": "time_slots"} and item["query"] == {"S": "date=2025-01-07"}
        assert item["expires_at"] == {"N": "1700000900"}
        assert json.loads(item["payload"]["S"])["time_slots"][0]["start_time"] == "09:00"
        assert key(pf).sort_key == "*#list_projects#09PF05VD"

    def test_an_expired_item_is_a_miss(self, pf: SimpleNamespace, cache: Any, clock: list[float]) -> None:
        cache.put(key(pf), {"projects": []})
        clock[0] += 899
        assert cache.get(key(pf)) == {"projects": []}
        clock[0] += 1  # DynamoDB deletes expired items late: the cache itself must not serve them
        assert cache.get(key(pf)) is pf.cache.MISS

    def test_tenants_do_not_share_answers(self, pf: SimpleNamespace, cache: Any) -> None:
        cache.put(key(pf), {"projects": ["mine"]})
        other_tenant = pf.cache.CacheKey.of("CUST001", "OTHERCLIENT", "list_projects", None, None)
        assert cache.get(other_tenant) is pf.cache.MISS

    def test_invalidate_deletes_every_item_of_the_customer_only(
        self, pf: SimpleNamespace, cache: Any, cache_table: str
    ) -> None:
        cache.put(key(pf), {"projects": []})
        cache.put(key(pf, "get_project", "PRJ-1001"), PROJECT)
        cache.put(key(pf, "time_slots", "PRJ-1003", date="2025-01-07"), {"time_slots": []})
        other = pf.cache.CacheKey.of("CUST002", CLIENT_ID, "list_projects", None, None)
        cache.put(other, {"projects": []})
        assert cache.invalidate("CUST001") == 3
        assert [item["customer_id"]["S"] for item in items(cache_table)] == ["CUST002"]

    def test_invalidate_handles_more_than_one_batch(self, pf: SimpleNamespace, cache: Any, cache_table: str) -> None:
        for day in range(1, 31):
            cache.put(key(pf, "time_slots", "PRJ-1001", date=f"2025-01-{day:02d}"), {"time_slots": []})
        assert cache.invalidate("CUST001") == 30
        assert items(cache_table) == []

    def test_expiring_selects_the_refresh_candidates(
        self, pf: SimpleNamespace, cache: Any, clock: list[float]
    ) -> None:
        start = clock[0]
        cache.put(key(pf, "get_project", "OLD"), PROJECT, origin_at=int(start - 2 * 86400))  # nobody read it lately
        cache.put(key(pf, "get_project", "SOON"), PROJECT)
        cache.put(key(pf, "time_slots", "SOON", date="2025-01-07"), {"time_slots": []})
        clock[0] += 3000
        cache.put(key(pf, "get_project", "LATER"), PROJECT)  # expires at start + 3900
        clock[0] = start + 100
        found = sorted(
            (item.key.project_id, item.key.operation, item.key.query_dict)
            for item in cache.expiring(within_seconds=3600, refresh_horizon_seconds=86400)
        )
        assert found == [("SOON", "get_project", {}), ("SOON", "time_slots", {"date": "2025-01-07"})]

    def test_a_missing_table_degrades_with_a_warning_and_opens_the_breaker(
        self, pf: SimpleNamespace, aws_mock: None, capture_logs: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        cache = pf.cache.ResponseCache("no-such-table", ttl_seconds=900)
        calls: list[str] = []
        real_client = pf.aws.client

        def counting(service: str, region: str | None = None) -> Any:
            calls.append(service)
            return real_client(service, region)

        monkeypatch.setattr(pf.aws, "client", counting)
        with capture_logs(own_only=True) as logs:
            assert cache.get(key(pf)) is pf.cache.MISS
            assert cache.put(key(pf), {"projects": []}) is False
            assert cache.get(key(pf)) is pf.cache.MISS
            assert cache.invalidate("CUST001") == 0
        warnings = [r for r in own_records(logs) if r["level"] == "WARNING"]
        assert [w["cache_action"] for w in warnings] == ["get", "invalidate"]
        assert {w["message"] for w in warnings} == {"Cache unavailable, calling PF360 directly"}
        assert {w["error_code"] for w in warnings} == {"ResourceNotFoundException"}
        assert calls == ["dynamodb", "dynamodb"]  # the breaker skipped put and get, not invalidate

    def test_throttling_degrades_to_a_miss(
        self, pf: SimpleNamespace, cache: Any, monkeypatch: pytest.MonkeyPatch, capture_logs: Callable[..., Any]
    ) -> None:
        dynamodb = AWS("dynamodb")
        stubber = Stubber(dynamodb)
        stubber.add_client_error("get_item", "ProvisionedThroughputExceededException", http_status_code=400)
        stubber.activate()
        monkeypatch.setattr(pf.aws, "client", lambda service, region=None: dynamodb)
        with capture_logs(own_only=True) as logs:
            assert cache.get(key(pf)) is pf.cache.MISS
        assert "ProvisionedThroughputExceededException" in logs.text

    def test_current_cache_follows_the_environment_and_the_feature_flag(
        self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, cache_table: str
    ) -> None:
        chosen = pf.cache.current_cache()
        assert chosen is not None and chosen.table == cache_table and chosen.ttl_seconds == 900
        assert pf.cache.current_cache() is chosen  # kept for warm starts (its breaker too)
        flags_off = pf.app_settings.AppSettings(feature_flags={"use_cache": False})
        monkeypatch.setattr(pf.app_settings, "current", lambda: flags_off)
        assert pf.cache.current_cache() is None
        monkeypatch.setattr(pf.app_settings, "current", lambda: pf.app_settings.DEFAULTS)
        monkeypatch.delenv("CACHE_TABLE")
        assert pf.cache.current_cache() is None


# The action functions in PF360 mode, reading through the cache.


def expect_login(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/auth/login", method="POST").respond_with_json(
        {"access_token": "tok", "expires_in": 3600}
    )


def calls_to(httpserver: HTTPServer, path: str, method: str = "GET") -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path and request.method == method)


@pytest.fixture
def pf360_mode(aws_mock: None, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> None:
    secret = json.dumps({"username": "u", "password": "p"})
    arn = AWS("secretsmanager").create_secret(Name="pf360", SecretString=secret)["ARN"]
    monkeypatch.setenv("USE_MOCK_API", "false")
    monkeypatch.setenv("PF360_API_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("PF360_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PF360_CREDENTIALS_SECRET_ARN", arn)
    expect_login(httpserver)


@pytest.fixture
def call(handlers: dict[str, ModuleType], helpers: SimpleNamespace) -> Callable[..., tuple[int, Any]]:
    def run(function: str, path: str, method: str = "GET", params=None, body=None) -> tuple[int, Any]:
        event = helpers.event(path, method, params, body)
        response = handlers[function].lambda_handler(event, None)
        helpers.assert_well_formed(response, event)
        return helpers.status(response), helpers.body(response)

    return run


def book(call: Callable[..., tuple[int, Any]], pf: SimpleNamespace) -> tuple[int, Any]:
    day = pf.schedule_rules.bookable_dates(pf.schedule_rules.utc_today())[0].isoformat()
    return call("scheduling", "/projects/{project_id}/appointment", "POST", {"project_id": "P-77"},
                {"date": day, "start_time": "09:00"})


@pytest.mark.usefixtures("pf360_mode", "cache_table")
class TestActionsReadThroughTheCache:
    def test_a_second_read_is_served_from_the_cache(
        self, call: Callable[..., Any], httpserver: HTTPServer, cache_table: str
    ) -> None:
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [PROJECT]})
        first = call("information", "/projects")
        second = call("scheduling", "/projects")  # another function, same table
        assert first == second and first[0] == 200
        assert calls_to(httpserver, PROJECTS_PATH) == 1
        (item,) = items(cache_table)
        assert item["project_id"]["S"] == "*#list_projects#09PF05VD"

    @pytest.mark.parametrize("change", ["book", "note"])
    def test_a_change_empties_the_customers_cache(
        self, change: str, call: Callable[..., Any], httpserver: HTTPServer, pf: SimpleNamespace, cache_table: str
    ) -> None:
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [PROJECT]})
        httpserver.expect_request(PROJECTS_PATH + "/P-77").respond_with_json(PROJECT)
        call("information", "/projects")
        call("information", "/projects/{project_id}", params={"project_id": "P-77"})
        assert len(items(cache_table)) == 2
        if change == "book":
            day = pf.schedule_rules.bookable_dates(pf.schedule_rules.utc_today())[0].isoformat()
            httpserver.expect_request(PROJECTS_PATH + "/P-77/appointment", method="POST").respond_with_json(
                {"confirmation_number": "C-1", "project_id": "P-77", "date": day, "start_time": "09:00",
                 "end_time": "10:00", "status": "confirmed"}
            )
            assert book(call, pf)[0] == 200
        else:
            httpserver.expect_request(PROJECTS_PATH + "/P-77/notes", method="POST").respond_with_json(
                {"note_id": "N-1", "project_id": "P-77", "text": "Gate 4321", "created_at": "2025-01-06T10:00:00Z"}
            )
            assert call("notes", "/projects/{project_id}/notes", "POST", {"project_id": "P-77"},
                        {"text": "Gate 4321"})[0] == 200
        assert items(cache_table) == []
        call("information", "/projects")
        assert calls_to(httpserver, PROJECTS_PATH) == 2  # read again from PF360

    def test_a_refused_change_empties_the_cache_too(
        self, call: Callable[..., Any], httpserver: HTTPServer, pf: SimpleNamespace, cache_table: str
    ) -> None:
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [PROJECT]})
        call("information", "/projects")
        httpserver.expect_request(PROJECTS_PATH + "/P-77/appointment", method="POST").respond_with_json(
            {"message": "slot taken"}, status=409
        )
        assert book(call, pf)[0] == 409  # the cached availability was stale: forget it
        assert items(cache_table) == []

    def test_each_read_operation_is_cached(
        self, call: Callable[..., Any], httpserver: HTTPServer, pf: SimpleNamespace, cache_table: str
    ) -> None:
        day = pf.schedule_rules.bookable_dates(pf.schedule_rules.utc_today())[0].isoformat()
        httpserver.expect_request(PROJECTS_PATH + "/P-77").respond_with_json(PROJECT)
        httpserver.expect_request(PROJECTS_PATH + "/P-77/available-dates").respond_with_json(
            {"available_dates": [day]}
        )
        httpserver.expect_request(PROJECTS_PATH + "/P-77/time-slots").respond_with_json(
            {"time_slots": [{"start_time": "09:00", "end_time": "10:00"}]}
        )
        httpserver.expect_request(PROJECTS_PATH + "/P-77/notes").respond_with_json({"notes": []})
        requests = [
            ("information", "/projects/{project_id}", {"project_id": "P-77"}),
            ("information", "/projects/{project_id}/appointment", {"project_id": "P-77"}),
            ("scheduling", "/projects/{project_id}/available-dates", {"project_id": "P-77"}),
            ("scheduling", "/projects/{project_id}/time-slots", {"project_id": "P-77", "date": day}),
            ("notes", "/projects/{project_id}/notes", {"project_id": "P-77"}),
        ]
        answers = [call(function, path, params=params) for function, path, params in requests]
        assert answers == [call(function, path, params=params) for function, path, params in requests]
        assert all(status == 200 for status, _ in answers)
        assert len(httpserver.log) == 5  # login + 4 reads; getAppointmentStatus reused get_project
        assert sorted(item["operation"]["S"] for item in items(cache_table)) == [
            "available_dates", "get_project", "list_notes", "time_slots"
        ]

    def test_an_unusable_cached_answer_is_replaced(
        self, call: Callable[..., Any], httpserver: HTTPServer, pf: SimpleNamespace
    ) -> None:
        pf.cache.current_cache().put(key(pf), {"projects": [{"project_id": 5}]})
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [PROJECT]})
        status, body = call("information", "/projects")
        assert status == 200 and body["projects"][0]["project_id"] == "P-77"
        assert pf.cache.current_cache().get(key(pf)) == {"projects": [PROJECT]}

    def test_a_pf360_failure_is_not_cached_and_is_counted(
        self,
        call: Callable[..., Any],
        httpserver: HTTPServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
        cache_table: str,
    ) -> None:
        monkeypatch.setenv("ENVIRONMENT", "dev")
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [{"project_id": 5}]})
        assert call("information", "/projects")[0] == 502
        assert items(cache_table) == []
        assert helpers.emitted(capsys.readouterr().out) == {"PF360ApiErrors": 1.0}

    def test_a_missing_table_never_fails_the_action(
        self,
        call: Callable[..., Any],
        httpserver: HTTPServer,
        monkeypatch: pytest.MonkeyPatch,
        capture_logs: Callable[..., Any],
    ) -> None:
        monkeypatch.setenv("CACHE_TABLE", "pf-cache-deleted")
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [PROJECT]})
        with capture_logs(own_only=True) as logs:
            assert call("information", "/projects")[0] == 200
            assert call("information", "/projects")[0] == 200
        assert calls_to(httpserver, PROJECTS_PATH) == 2
        warnings = [r for r in own_records(logs) if r["message"] == "Cache unavailable, calling PF360 directly"]
        assert len(warnings) == 1 and warnings[0]["level"] == "WARNING"  # then the breaker is open

    def test_the_feature_flag_switches_the_cache_off(
        self, call: Callable[..., Any], httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, cache_table: str
    ) -> None:
        AWS("ssm").put_parameter(
            Name="/pf/test/feature_flags", Value='{"use_cache": false}', Type="String"
        )
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", "/pf/test/")
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [PROJECT]})
        call("information", "/projects")
        call("information", "/projects")
        assert calls_to(httpserver, PROJECTS_PATH) == 2 and items(cache_table) == []


def test_mock_mode_never_touches_the_cache(
    call: Callable[..., Any], pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CACHE_TABLE", "pf-cache-test")

    def no_aws(*_: Any, **__: Any) -> Any:
        raise AssertionError("mock mode must not call AWS")

    monkeypatch.setattr(pf.aws, "client", no_aws)
    assert call("information", "/projects")[0] == 200
    assert call("notes", "/projects/{project_id}/notes", "POST", {"project_id": "PRJ-1003"}, {"text": "hi"})[0] == 200


# refresh_cache


@pytest.mark.usefixtures("pf360_mode")
class TestRefreshCache:
    def test_expiring_items_are_fetched_again(
        self,
        phase2: dict[str, ModuleType],
        pf: SimpleNamespace,
        httpserver: HTTPServer,
        cache_table: str,
        fake_context: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        import time

        now = time.time()
        soon = pf.cache.ResponseCache(cache_table, ttl_seconds=600)  # expires within the hour
        soon.put(key(pf), {"projects": []})
        soon.put(key(pf, "get_project", "P-77"), PROJECT)
        soon.put(key(pf, "get_project", "P-GONE"), PROJECT)
        soon.put(key(pf, "list_notes", "P-OLD"), {"notes": []}, origin_at=int(now - 3 * 86400))
        pf.cache.ResponseCache(cache_table, ttl_seconds=7200).put(key(pf, "get_project", "P-LATER"), PROJECT)

        updated = {**PROJECT, "status": "scheduled"}
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [updated]})
        httpserver.expect_request(PROJECTS_PATH + "/P-77").respond_with_json(updated)
        httpserver.expect_request(PROJECTS_PATH + "/P-GONE").respond_with_json({"message": "gone"}, status=404)

        summary = phase2["refresh_cache"].lambda_handler({"source": "aws.events"}, fake_context)
        assert summary == {"status": "ok", "scanned": 3, "refreshed": 2, "failed": 1}
        cache = pf.cache.current_cache()
        assert cache.get(key(pf)) == {"projects": [updated]}
        assert cache.get(key(pf, "get_project", "P-77")) == updated
        refreshed = {item["project_id"]["S"]: item for item in items(cache_table)}
        expires = int(refreshed["P-77#get_project#09PF05VD"]["expires_at"]["N"])
        assert now + 900 - 5 <= expires <= time.time() + 900  # cache_ttl_seconds from now
        origin = int(refreshed["P-77#get_project#09PF05VD"]["origin_at"]["N"])
        assert abs(origin - now) <= 2  # still the customer's read: the refresh does not extend the horizon
        assert calls_to(httpserver, PROJECTS_PATH + "/P-OLD/notes") == 0
        assert calls_to(httpserver, PROJECTS_PATH + "/P-LATER") == 0

    def test_skipped_without_a_table_or_in_mock_mode(
        self, phase2: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch, cache_table: str
    ) -> None:
        handler = phase2["refresh_cache"].lambda_handler
        monkeypatch.setenv("USE_MOCK_API", "true")
        assert handler({}, None)["status"] == "skipped"
        monkeypatch.setenv("USE_MOCK_API", "false")
        monkeypatch.delenv("CACHE_TABLE")
        assert handler({}, None)["status"] == "skipped"

    def test_a_scan_failure_is_reported_not_raised(
        self,
        phase2: dict[str, ModuleType],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        monkeypatch.setenv("CACHE_TABLE", "no-such-table")
        monkeypatch.setenv("ENVIRONMENT", "dev")
        summary = phase2["refresh_cache"].lambda_handler({}, None)
        assert summary["status"] == "error"
        assert helpers.emitted(capsys.readouterr().out) == {"LambdaErrors": 1.0}

    def test_a_misconfigured_pf360_mode_is_reported_not_raised(
        self, phase2: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch, cache_table: str
    ) -> None:
        monkeypatch.delenv("PF360_API_BASE_URL")
        assert phase2["refresh_cache"].lambda_handler({}, None)["status"] == "error"
