"""PF360 mode: the HTTP client against a local server, credentials from (moto) Secrets Manager,
the handlers end to end with USE_MOCK_API=false, and no secrets in the logs."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

PASSWORD = "pw-Sup3r$ecret-7781"
USERNAME = "pf-agent-user"
TOKEN = "tok-abc123-sensitive"
CLIENT_ID = "09PF05VD"
PROJECTS_PATH = "/api/v1/customers/CUST001/projects"
PROJECT = {
    "project_id": "P-77",
    "project_type": "Windows",
    "description": "Replace bay window",
    "status": "scheduled",
    "address": "1 Elm St",
    "appointment": None,
    "crew": "B",  # a field we do not model: ignored
}


@pytest.fixture
def fast_policy(pf: SimpleNamespace) -> Any:
    return pf.pf360_client.HttpPolicy(
        connect_timeout=0.5,
        read_timeout=0.3,
        attempt_timeout=0.5,
        time_budget=2.0,
        max_retries=2,
        backoff_factor=0.01,
        retry_after_max=0,
    )


@pytest.fixture
def auth_failures() -> list[int]:
    return []


@pytest.fixture
def make_client(
    pf: SimpleNamespace, httpserver: HTTPServer, fast_policy: Any, auth_failures: list[int]
) -> Callable[..., Any]:
    def make(policy: Any = None, base_url: str | None = None) -> Any:
        return pf.pf360_client.Pf360Client(
            base_url or httpserver.url_for(""),
            CLIENT_ID,
            login=pf.pf360_api.ENDPOINTS["login"],
            credentials=lambda: pf.credentials.Pf360Credentials(USERNAME, PASSWORD),
            on_auth_failure=lambda: auth_failures.append(1),
            policy=policy or fast_policy,
        )

    return make


def expect_login(httpserver: HTTPServer, token: str = TOKEN, times: str = "permanent") -> None:
    body = {"username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID}
    handler = httpserver.expect_oneshot_request if times == "oneshot" else httpserver.expect_request
    handler("/api/v1/auth/login", method="POST", json=body).respond_with_json(
        {"access_token": token, "expires_in": 3600}
    )


def requests_to(httpserver: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in httpserver.log if request.path == path]


def endpoint(pf: SimpleNamespace, name: str) -> Any:
    return pf.pf360_api.ENDPOINTS[name]


class TestClient:
    def test_success_logs_in_once_and_sends_token_and_client(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(
            PROJECTS_PATH, method="GET", headers={"Authorization": f"Bearer {TOKEN}", "X-Client-Id": CLIENT_ID}
        ).respond_with_json({"projects": [PROJECT]})
        client = make_client()
        for _ in range(2):
            data = client.call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
            assert data == {"projects": [PROJECT]}
        assert len(requests_to(httpserver, "/api/v1/auth/login")) == 1  # token reused
        assert len(requests_to(httpserver, PROJECTS_PATH)) == 2

    def test_path_values_are_encoded(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(re.compile(r".*/notes$")).respond_with_json({"notes": []})
        data = make_client().call(
            endpoint(pf, "list_notes"), path_params={"customer_id": "C/../x", "project_id": "a b"}
        )
        assert data == {"notes": []}
        sent = httpserver.log[-1][0].environ["RAW_URI"]
        assert sent == "/api/v1/customers/C%2F..%2Fx/projects/a%20b/notes"  # cannot climb to another path

    def test_expired_token_is_renewed_once_then_401_is_an_error(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any], auth_failures: list[int]
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"message": "token expired"}, status=401)
        with pytest.raises(pf.errors.UpstreamError) as caught:
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        assert caught.value.status == 502 and "credentials" in caught.value.message
        assert len(requests_to(httpserver, "/api/v1/auth/login")) == 2
        assert len(requests_to(httpserver, PROJECTS_PATH)) == 2
        assert auth_failures == [1]  # cached secret dropped: it may have been rotated

    def test_rejected_login_is_an_error_without_retry(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any], auth_failures: list[int]
    ) -> None:
        httpserver.expect_request("/api/v1/auth/login").respond_with_json({"message": "bad password"}, status=401)
        with pytest.raises(pf.errors.UpstreamError):
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        assert len(httpserver.log) == 1 and auth_failures == [1]

    def test_404_is_not_found_with_our_message(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH + "/P-1").respond_with_data("nope", status=404)
        with pytest.raises(pf.errors.NotFoundError) as caught:
            make_client().call(
                endpoint(pf, "get_project"),
                path_params={"customer_id": "CUST001", "project_id": "P-1"},
                not_found="No project P-1.",
            )
        assert caught.value.message == "No project P-1."
        assert len(requests_to(httpserver, PROJECTS_PATH + "/P-1")) == 1  # 4xx: no retry

    @pytest.mark.parametrize(
        ("status", "error", "fragment"),
        [
            (400, "InvalidInputError", "date must be a weekday"),
            (409, "ConflictError", "date must be a weekday"),
            (418, "UpstreamError", "HTTP 418"),
        ],
    )
    def test_other_4xx_are_mapped_without_retry(
        self,
        pf: SimpleNamespace,
        httpserver: HTTPServer,
        make_client: Callable[..., Any],
        status: int,
        error: str,
        fragment: str,
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH).respond_with_json(
            {"message": "date must be\na weekday"}, status=status
        )
        with pytest.raises(getattr(pf.errors, error)) as caught:
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        assert fragment in caught.value.message
        assert len(requests_to(httpserver, PROJECTS_PATH)) == 1

    def test_429_is_retried_then_reported_as_busy(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH).respond_with_data(
            "slow down", status=429, headers={"Retry-After": "1"}
        )
        with pytest.raises(pf.errors.UpstreamUnavailableError) as caught:
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        assert caught.value.status == 503 and "busy" in caught.value.message
        assert len(requests_to(httpserver, PROJECTS_PATH)) == 3  # 1 + max_retries

    def test_5xx_then_success(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_oneshot_request(PROJECTS_PATH).respond_with_data("boom", status=503)
        httpserver.expect_oneshot_request(PROJECTS_PATH).respond_with_data("boom", status=500)
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": []})
        data = make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        assert data == {"projects": []}
        assert len(requests_to(httpserver, PROJECTS_PATH)) == 3

    def test_persistent_5xx_is_a_502(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH).respond_with_data("boom", status=500)
        with pytest.raises(pf.errors.UpstreamError) as caught:
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        assert caught.value.status == 502
        assert len(requests_to(httpserver, PROJECTS_PATH)) == 3

    def test_a_booking_is_never_repeated_after_a_5xx(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)
        path = PROJECTS_PATH + "/P-1/appointment"
        httpserver.expect_request(path, method="POST").respond_with_data("boom", status=503)
        with pytest.raises(pf.errors.UpstreamError):
            make_client().call(
                endpoint(pf, "confirm_appointment"),
                path_params={"customer_id": "CUST001", "project_id": "P-1"},
                body={"date": "2025-01-07", "start_time": "09:00"},
            )
        assert len(requests_to(httpserver, path)) == 1

    def test_timeouts_are_retried_within_the_budget(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        expect_login(httpserver)

        def slow(_: Request) -> Response:
            time.sleep(0.4)  # longer than the 0.3 s read timeout
            return Response("{}", content_type="application/json")

        httpserver.expect_request(PROJECTS_PATH).respond_with_handler(slow)
        started = time.monotonic()
        with pytest.raises(pf.errors.UpstreamTimeoutError) as caught:
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        elapsed = time.monotonic() - started
        assert caught.value.status == 504 and "in time" in caught.value.message
        assert 0.9 <= elapsed < 2.0  # three attempts of ~0.3 s, all inside the 2 s budget

    def test_the_budget_stops_retries_early(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any], fast_policy: Any
    ) -> None:
        expect_login(httpserver)

        def slow(_: Request) -> Response:
            time.sleep(0.4)
            return Response("{}", content_type="application/json")

        httpserver.expect_request(PROJECTS_PATH).respond_with_handler(slow)
        policy = pf.pf360_client.HttpPolicy(**{**fast_policy.__dict__, "time_budget": 0.9})
        started = time.monotonic()
        with pytest.raises(pf.errors.UpstreamTimeoutError):
            make_client(policy).call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        assert time.monotonic() - started < 0.9

    def test_unreachable_server_is_a_503(self, pf: SimpleNamespace, make_client: Callable[..., Any]) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]  # closed again before the call: nothing listens
        with pytest.raises(pf.errors.UpstreamUnavailableError):
            make_client(base_url=f"http://127.0.0.1:{port}").call(
                endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"}
            )

    def test_unexpected_answers_are_502(
        self, pf: SimpleNamespace, httpserver: HTTPServer, make_client: Callable[..., Any]
    ) -> None:
        httpserver.expect_request("/api/v1/auth/login").respond_with_json({"token": "wrong-field"})
        with pytest.raises(pf.errors.UpstreamError):
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})
        httpserver.clear()
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH).respond_with_data("<html>", content_type="text/html")
        with pytest.raises(pf.errors.UpstreamError):
            make_client().call(endpoint(pf, "list_projects"), path_params={"customer_id": "CUST001"})


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


@pytest.fixture
def secret_arn(aws: Any) -> str:
    secret = json.dumps({"username": USERNAME, "password": PASSWORD})
    return aws.create_secret(Name="pf/pf360-credentials", SecretString=secret)["ARN"]


class TestCredentials:
    def test_loaded_once_and_cached(self, pf: SimpleNamespace, aws: Any, secret_arn: str) -> None:
        creds = pf.credentials.load_credentials(secret_arn)
        assert (creds.username, creds.password) == (USERNAME, PASSWORD)
        assert PASSWORD not in repr(creds)
        aws.delete_secret(SecretId=secret_arn, ForceDeleteWithoutRecovery=True)
        assert pf.credentials.load_credentials(secret_arn) is creds  # warm start: no second read
        pf.credentials.clear_credentials_cache()
        with pytest.raises(pf.errors.ConfigurationError) as caught:
            pf.credentials.load_credentials(secret_arn)
        assert "ResourceNotFoundException" in caught.value.message

    @pytest.mark.parametrize(
        "secret", ["not json " + PASSWORD, json.dumps({"username": USERNAME}), json.dumps([PASSWORD])]
    )
    def test_malformed_secret_is_reported_without_its_content(self, pf: SimpleNamespace, aws: Any, secret: str) -> None:
        arn = aws.create_secret(Name="pf/broken", SecretString=secret)["ARN"]
        with pytest.raises(pf.errors.ConfigurationError) as caught:
            pf.credentials.load_credentials(arn)
        assert PASSWORD not in caught.value.message and "username" in caught.value.message


@pytest.fixture
def pf360_mode(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer, secret_arn: str) -> None:
    monkeypatch.setenv("USE_MOCK_API", "false")
    monkeypatch.setenv("PF360_API_BASE_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("PF360_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PF360_CREDENTIALS_SECRET_ARN", secret_arn)


@pytest.mark.usefixtures("pf360_mode")
class TestHandlersInPf360Mode:
    def test_list_projects_through_pf360(
        self, handlers: dict[str, ModuleType], helpers: SimpleNamespace, httpserver: HTTPServer
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH, headers={"X-Client-Id": CLIENT_ID}).respond_with_json(
            {"projects": [PROJECT]}
        )
        event = helpers.event("/projects")
        response = handlers["information"].lambda_handler(event, None)
        helpers.assert_well_formed(response, event)
        assert helpers.status(response) == 200
        assert helpers.body(response)["projects"][0]["project_id"] == "P-77"
        assert "crew" not in helpers.body(response)["projects"][0]

    def test_booking_sends_the_checked_slot(
        self, handlers: dict[str, ModuleType], helpers: SimpleNamespace, httpserver: HTTPServer, pf: SimpleNamespace
    ) -> None:
        expect_login(httpserver)
        day = pf.schedule_rules.bookable_dates(pf.schedule_rules.utc_today())[0].isoformat()
        appointment = {
            "confirmation_number": "C-1",
            "project_id": "P-77",
            "date": day,
            "start_time": "14:00",
            "end_time": "15:00",
            "status": "confirmed",
        }
        httpserver.expect_request(
            PROJECTS_PATH + "/P-77/appointment", method="POST", json={"date": day, "start_time": "14:00"}
        ).respond_with_json(appointment)
        event = helpers.event(
            "/projects/{project_id}/appointment", "POST", {"project_id": "P-77"}, {"date": day, "start_time": "2 pm"}
        )
        response = handlers["scheduling"].lambda_handler(event, None)
        assert helpers.status(response) == 200, helpers.body(response)
        assert helpers.body(response)["appointment"] == appointment

    def test_pf360_failure_becomes_an_explainable_bedrock_error(
        self, handlers: dict[str, ModuleType], helpers: SimpleNamespace, httpserver: HTTPServer
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH + "/P-77/notes").respond_with_data("down", status=503)
        event = helpers.event(
            "/projects/{project_id}/notes",
            params={"project_id": "P-77"},
            session={"customer_id": "CUST001", "locale": "en-US"},
        )
        response = handlers["notes"].lambda_handler(event, None)
        helpers.assert_well_formed(response, event)
        assert helpers.status(response) == 502
        assert "try again" in helpers.body(response)["message"]
        assert response["sessionAttributes"] == {"customer_id": "CUST001", "locale": "en-US"}

    def test_a_malformed_pf360_answer_is_a_502(
        self, handlers: dict[str, ModuleType], helpers: SimpleNamespace, httpserver: HTTPServer
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"projects": [{"project_id": 5}]})
        response = handlers["scheduling"].lambda_handler(helpers.event("/projects"), None)
        assert helpers.status(response) == 502
        assert "unexpected format" in helpers.body(response)["message"]

    def test_logs_are_json_and_never_contain_secrets(
        self,
        handlers: dict[str, ModuleType],
        helpers: SimpleNamespace,
        httpserver: HTTPServer,
        capture_logs: Callable[[], Any],
    ) -> None:
        expect_login(httpserver)
        httpserver.expect_request(PROJECTS_PATH).respond_with_json({"message": "expired"}, status=401)
        with capture_logs() as logs:
            handlers["information"].lambda_handler(helpers.event("/projects"), None)
            handlers["information"].lambda_handler(helpers.event("/business-hours"), None)
        own = [json.loads(line) for line in logs.records if line.startswith("{")]
        assert any(r["message"] == "PF360 call" and r["endpoint"] == "login" for r in own)
        assert any(r["message"] == "Action completed" and r["status_code"] == 502 for r in own)
        assert all(r["service"] and r["level"] for r in own)
        for secret in (PASSWORD, TOKEN, USERNAME):
            assert secret not in logs.text
