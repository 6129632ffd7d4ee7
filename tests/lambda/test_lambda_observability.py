"""Phase 2 observability and settings: EMF metrics (names, namespaces, the one Environment
dimension), SSM settings (defaults, parsing, caching, failures) and their effect on the action
functions, the Tracer stand-in, and that none of it changes Phase 1 behaviour."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

PATH = "/pf/test/scheduling/"
REGION = "us-east-1"




@functools.cache
def _session() -> Any:
    return boto3.session.Session()  # one for the module: a session per test reloads the models


def AWS(service: str) -> Any:  # noqa: N802 - reads like a constructor
    """A client for the test's own calls to moto."""
    return _session().client(service, region_name=REGION)


def put_parameters(values: dict[str, str], path: str = PATH) -> None:
    ssm = AWS("ssm")
    for name, value in values.items():
        ssm.put_parameter(Name=path + name, Value=value, Type="String", Overwrite=True)


def records_of(logs: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in logs.records if line.startswith("{")]


class TestMetrics:
    @pytest.mark.parametrize(
        ("name", "namespace", "unit"),
        [
            ("AgentInvocationCount", "PF/Bedrock", "Count"),
            ("AgentResponseTime", "PF/Bedrock", "Milliseconds"),
            ("SessionAttributeFailures", "PF/Bedrock", "Count"),
            ("PF360ApiErrors", "PF/Lambda", "Count"),
            ("LambdaErrors", "PF/Lambda", "Count"),
        ],
    )
    def test_emf_record_has_exactly_one_dimension_environment(
        self,
        pf: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        name: str,
        namespace: str,
        unit: str,
        helpers: SimpleNamespace,
    ) -> None:
        monkeypatch.setenv("ENVIRONMENT", "dev")
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "pf-dev-chat-api")  # must not become a dimension
        monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Wrong/Namespace")
        pf.metrics.emit(name, 42.5)
        (record,) = helpers.emf_records(capsys.readouterr().out)
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive == {
            "Namespace": namespace,
            "Dimensions": [["Environment"]],
            "Metrics": [{"Name": name, "Unit": unit}],
        }
        assert record["Environment"] == "dev" and "service" not in record
        assert record[name] == [42.5]
        assert isinstance(record["_aws"]["Timestamp"], int)

    def test_secret_age_has_environment_and_secret_name(
        self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        monkeypatch.setenv("ENVIRONMENT", "prod")
        pf.metrics.emit("SecretAgeDays", 12.25, SecretName="pf/pf360-credentials")
        (record,) = helpers.emf_records(capsys.readouterr().out)
        assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Environment", "SecretName"]]
        assert (record["Environment"], record["SecretName"], record["SecretAgeDays"]) == (
            "prod",
            "pf/pf360-credentials",
            [12.25],
        )

    def test_nothing_is_emitted_without_environment(
        self, pf: SimpleNamespace, capsys: pytest.CaptureFixture[str]
    ) -> None:
        pf.metrics.count("LambdaErrors")
        assert capsys.readouterr().out == ""

    def test_a_broken_metric_never_raises(
        self,
        pf: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        helpers: SimpleNamespace,
    ) -> None:
        monkeypatch.setenv("ENVIRONMENT", "dev")
        pf.metrics.emit("NotAMetricOfTheContract")  # unknown name: logged, not raised
        pf.metrics.emit("LambdaErrors", float("nan"))
        pf.metrics.emit("AgentResponseTime", float("inf"))
        assert helpers.emf_records(capsys.readouterr().out) == []


class TestActionMetrics:
    def test_unexpected_error_in_a_route_counts_lambda_errors(
        self,
        pf: SimpleNamespace,
        handlers: dict[str, ModuleType],
        helpers: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.setenv("ENVIRONMENT", "dev")

        def explode(*_: Any) -> Any:
            raise RuntimeError("boom")

        monkeypatch.setattr(pf.mock_data.STORE, "list_projects", explode)
        response = handlers["scheduling"].lambda_handler(helpers.event("/projects"), None)
        assert helpers.status(response) == 500
        assert helpers.emitted(capsys.readouterr().out) == {"LambdaErrors": 1.0}

    def test_resolver_failure_counts_lambda_errors(
        self,
        handlers: dict[str, ModuleType],
        helpers: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.setenv("ENVIRONMENT", "dev")
        handler = handlers["notes"]

        def broken(*_: Any, **__: Any) -> Any:
            raise RuntimeError("resolver bug")

        monkeypatch.setattr(handler.app, "resolve", broken)
        assert helpers.status(handler.lambda_handler(helpers.event("/projects"), None)) == 500
        assert helpers.emitted(capsys.readouterr().out) == {"LambdaErrors": 1.0}

    def test_misconfiguration_counts_lambda_errors_but_client_errors_do_not(
        self,
        handlers: dict[str, ModuleType],
        helpers: SimpleNamespace,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.setenv("ENVIRONMENT", "dev")
        handlers["information"].lambda_handler(helpers.event("/nowhere"), None)  # 404
        handlers["information"].lambda_handler(helpers.event("/projects", session={}), None)  # 400
        assert capsys.readouterr().out == ""
        monkeypatch.setenv("USE_MOCK_API", "maybe")
        assert helpers.status(handlers["information"].lambda_handler(helpers.event("/projects"), None)) == 500
        assert helpers.emitted(capsys.readouterr().out) == {"LambdaErrors": 1.0}


@pytest.mark.usefixtures("aws_mock")
class TestSettings:
    def test_without_a_path_the_defaults_apply_and_boto3_is_not_needed(
        self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def no_client(*_: Any, **__: Any) -> Any:
            raise AssertionError("SSM must not be called without SETTINGS_PARAMETER_PATH")

        monkeypatch.setattr(pf.aws, "client", no_client)
        assert pf.app_settings.current() is pf.app_settings.DEFAULTS
        defaults = pf.app_settings.DEFAULTS
        assert (defaults.opens_at.hour, defaults.closes_at.hour, defaults.booking_window_days) == (8, 17, 30)
        assert (defaults.cache_ttl_seconds, defaults.session_idle_days, dict(defaults.feature_flags)) == (900, 30, {})

    def test_values_are_read_from_the_path(self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
        put_parameters(
            {
                "business_hours": "09:00-15:00",
                "booking_window_days": "14",
                "cache_ttl_seconds": "120",
                "session_idle_days": "7",
                "feature_flags": '{"use_cache": false, "beta": true}',
            }
        )
        put_parameters({"unrelated": "x"}, "/pf/test/other/")
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", PATH)
        settings = pf.app_settings.current()
        assert (settings.opens_at.hour, settings.closes_at.hour) == (9, 15)
        assert (settings.booking_window_days, settings.cache_ttl_seconds, settings.session_idle_days) == (14, 120, 7)
        assert dict(settings.feature_flags) == {"use_cache": False, "beta": True}
        assert not settings.flag("use_cache", default=True) and settings.flag("beta")

    @pytest.mark.parametrize(
        ("name", "raw"),
        [
            ("business_hours", "9-5"),
            ("business_hours", "17:00-08:00"),
            ("business_hours", "08:30-17:00"),
            ("business_hours", "08:00-24:00"),
            ("booking_window_days", "0"),
            ("booking_window_days", "thirty"),
            ("cache_ttl_seconds", "-5"),
            ("session_idle_days", "1.5"),
            ("feature_flags", "[true]"),
            ("feature_flags", '{"use_cache": "yes"}'),
            ("feature_flags", "{not json"),
        ],
    )
    def test_invalid_values_fall_back_with_a_warning(
        self, pf: SimpleNamespace, capture_logs: Callable[[], Any], name: str, raw: str
    ) -> None:
        values = {
            "business_hours": "10:00-16:00",
            "booking_window_days": "10",
            "cache_ttl_seconds": "60",
            "session_idle_days": "5",
            "feature_flags": "{}",
            name: raw,
        }
        with capture_logs(own_only=True) as logs:
            settings = pf.app_settings.parse(values)
        default = pf.app_settings.DEFAULTS
        if name == "business_hours":
            assert (settings.opens_at, settings.closes_at) == (default.opens_at, default.closes_at)
        else:
            assert getattr(settings, name) == getattr(default, name)
            assert settings.opens_at.hour == 10  # the valid ones still apply
        (warning,) = [r for r in records_of(logs) if r["level"] == "WARNING"]
        assert warning["message"] == "Setting invalid, using the default" and warning["setting"] == name
        assert raw not in warning["reason"]  # the reason, never the value (it may be a SecureString)

    def test_missing_values_fall_back_with_a_warning_each(
        self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, capture_logs: Callable[[], Any]
    ) -> None:
        put_parameters({"booking_window_days": "21"})
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", PATH.rstrip("/"))  # with or without the slash
        with capture_logs(own_only=True) as logs:
            settings = pf.app_settings.current()
        assert settings.booking_window_days == 21 and settings.cache_ttl_seconds == 900
        missing = sorted(r["setting"] for r in records_of(logs) if r["message"] == "Setting missing, using the default")
        assert missing == ["business_hours", "cache_ttl_seconds", "feature_flags", "session_idle_days"]

    def test_secure_values_never_reach_the_logs(
        self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, capture_logs: Callable[[], Any]
    ) -> None:
        secret_flags = '{"secret-flag-7f3a": true'  # SecureString, and invalid: warned about
        AWS("ssm").put_parameter(
            Name=PATH + "feature_flags", Value=secret_flags, Type="SecureString"
        )
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", PATH)
        monkeypatch.setenv("LOG_LEVEL", "DEBUG")
        with capture_logs() as logs:
            pf.app_settings.current()
        assert "Response body" not in logs.text  # botocore's body logging is held at INFO
        assert "secret-flag-7f3a" not in logs.text

    def test_values_are_cached_then_read_again(self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
        put_parameters({"booking_window_days": "21"})
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", PATH)
        clock = [1000.0]
        monkeypatch.setattr(pf.app_settings, "_CACHE", pf.app_settings._SettingsCache(clock=lambda: clock[0]))
        assert pf.app_settings.current().booking_window_days == 21
        put_parameters({"booking_window_days": "7"})
        clock[0] += 299
        assert pf.app_settings.current().booking_window_days == 21  # still cached (300 s)
        clock[0] += 2
        assert pf.app_settings.current().booking_window_days == 7
        monkeypatch.setenv("SETTINGS_CACHE_SECONDS", "0")  # from the next read on: no caching
        clock[0] += 301
        assert pf.app_settings.current().booking_window_days == 7
        put_parameters({"booking_window_days": "9"})
        assert pf.app_settings.current().booking_window_days == 9

    def test_ssm_failure_gives_the_defaults_with_a_warning_and_is_retried_soon(
        self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, capture_logs: Callable[[], Any]
    ) -> None:
        ssm = AWS("ssm")
        stubber = Stubber(ssm)
        stubber.add_client_error("get_parameters_by_path", "AccessDeniedException", http_status_code=400)
        stubber.activate()
        monkeypatch.setattr(pf.aws, "client", lambda service, region=None: ssm)
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", PATH)
        clock = [0.0]
        monkeypatch.setattr(pf.app_settings, "_CACHE", pf.app_settings._SettingsCache(clock=lambda: clock[0]))
        with capture_logs(own_only=True) as logs:
            assert pf.app_settings.current() == pf.app_settings.DEFAULTS
        (warning,) = [r for r in records_of(logs) if r["level"] == "WARNING"]
        assert warning["error_code"] == "AccessDeniedException"
        stubber.add_response(
            "get_parameters_by_path", {"Parameters": [{"Name": PATH + "booking_window_days", "Value": "3"}]}
        )
        clock[0] += 30
        assert pf.app_settings.current() == pf.app_settings.DEFAULTS  # not before a minute
        clock[0] += 31
        assert pf.app_settings.current().booking_window_days == 3
        stubber.assert_no_pending_responses()


@pytest.mark.usefixtures("aws_mock")
class TestSettingsInTheActions:
    def test_business_hours_and_window_come_from_ssm(
        self, handlers: dict[str, ModuleType], helpers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        put_parameters({"business_hours": "10:00-14:00", "booking_window_days": "10"})
        monkeypatch.setenv("SETTINGS_PARAMETER_PATH", PATH)
        hours = helpers.body(handlers["information"].lambda_handler(helpers.event("/business-hours"), None))
        assert hours["days"][0] == {"day": "Monday", "open": True, "opens_at": "10:00", "closes_at": "14:00"}
        assert hours["booking_window_days"] == 10

        scheduling = handlers["scheduling"]
        dates = helpers.body(
            scheduling.lambda_handler(
                helpers.event("/projects/{project_id}/available-dates", params={"project_id": "PRJ-1003"}), None
            )
        )["available_dates"]
        assert max(dates) <= "2025-01-16"  # today (2025-01-06) + 10 days
        slots = helpers.body(
            scheduling.lambda_handler(
                helpers.event(
                    "/projects/{project_id}/time-slots", params={"project_id": "PRJ-1003", "date": "2025-01-07"}
                ),
                None,
            )
        )["time_slots"]
        assert {slot["start_time"] for slot in slots} <= {"10:00", "11:00", "12:00", "13:00"}
        booking = helpers.event(
            "/projects/{project_id}/appointment",
            "POST",
            {"project_id": "PRJ-1003"},
            {"date": "2025-01-07", "start_time": "09:00"},
        )
        response = scheduling.lambda_handler(booking, None)
        assert helpers.status(response) == 400 and "10:00-14:00" in helpers.body(response)["message"]


class TestTracing:
    def test_outside_lambda_the_stand_in_is_used(self, pf: SimpleNamespace) -> None:
        assert isinstance(pf.tracing._make(), pf.tracing._NoTracer)

    def test_in_lambda_with_the_sdk_the_powertools_tracer_is_used(
        self, pf: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, helpers: SimpleNamespace
    ) -> None:
        pytest.importorskip("aws_xray_sdk")
        from aws_lambda_powertools import Tracer

        monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
        tracer = pf.tracing._make()
        assert isinstance(tracer, Tracer) and tracer.disabled
        handler = tracer.capture_lambda_handler(lambda event, context: {"ok": event}, capture_response=False)
        assert handler(1, None) == {"ok": 1}

    def test_the_stand_in_keeps_handlers_working(self, pf: SimpleNamespace) -> None:
        stand_in = pf.tracing._NoTracer()
        assert stand_in.capture_lambda_handler(len)("abc") == 3
        assert stand_in.capture_method()(len)("ab") == 2
        assert stand_in.put_annotation("k", "v") is None
