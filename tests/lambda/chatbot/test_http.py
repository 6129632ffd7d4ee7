"""chatbot_core.http against a local HTTP server: the retry policy, timeouts, 401, 429 with
Retry-After, 5xx then success, non-repeatable calls and the time budget."""

from __future__ import annotations

import socket

import pytest

from chatbot_core import http
from chatbot_core.errors import (UpstreamError, UpstreamTimeout, UpstreamUnauthorized,
                                 UpstreamUnavailable)


@pytest.fixture
def client(kit):
    sleeps: list[float] = []
    made = http.HttpClient("test API", kit.FAST, sleep=lambda s: sleeps.append(s))
    made.sleeps = sleeps
    return made


def test_5xx_then_success_retries_with_backoff(remote, client, kit):
    remote.script("/r", kit.Reply(500), kit.Reply(502), kit.Reply(200, {"ok": True}))
    response = client.request("GET", f"{remote.url}/r")
    assert response.status == 200 and response.json() == {"ok": True}
    assert len(remote.calls("/r")) == 3
    assert client.sleeps == [0.01, 0.02]  # backoff * 2**n, capped at backoff_max


def test_429_honours_retry_after_capped(remote, client, kit):
    remote.script("/r", kit.Reply(429, headers={"Retry-After": "30"}), kit.Reply(200, {"n": 1}))
    assert client.request("GET", f"{remote.url}/r").json() == {"n": 1}
    assert client.sleeps == [kit.FAST.retry_after_max]
    remote.script("/d", kit.Reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
                  kit.Reply(200))
    client.request("GET", f"{remote.url}/d")
    assert client.sleeps[-1] == kit.FAST.backoff  # an HTTP date falls back to the backoff


def test_401_is_not_retried(remote, client, kit):
    remote.script("/r", kit.Reply(401))
    with pytest.raises(UpstreamUnauthorized):
        client.request("GET", f"{remote.url}/r")
    assert len(remote.calls("/r")) == 1 and client.sleeps == []


@pytest.mark.parametrize("status", [400, 403, 409, 422])
def test_other_4xx_are_not_retried(remote, client, kit, status):
    remote.script("/r", kit.Reply(status))
    with pytest.raises(UpstreamError) as error:
        client.request("GET", f"{remote.url}/r")
    assert error.value.upstream_status == status and error.value.status == 502
    assert len(remote.calls("/r")) == 1


def test_404_comes_back_to_the_caller(remote, client, kit):
    remote.script("/r", kit.Reply(404, {"error": "gone"}))
    assert client.request("GET", f"{remote.url}/r").status == 404


def test_persistent_503_gives_up_after_max_attempts(remote, client, kit):
    remote.script("/r", kit.Reply(503))
    with pytest.raises(UpstreamUnavailable) as error:
        client.request("GET", f"{remote.url}/r")
    assert error.value.status == 503 and error.value.upstream_status == 503
    assert len(remote.calls("/r")) == kit.FAST.max_attempts


def test_timeout_then_success(remote, client, kit):
    remote.script("/r", kit.Reply(200, {"late": True}, delay=1.0), kit.Reply(200, {"n": 2}))
    assert client.request("GET", f"{remote.url}/r").json() == {"n": 2}
    assert len(remote.calls("/r")) == 2


def test_persistent_timeout_answers_504(remote, client, kit):
    remote.script("/r", kit.Reply(200, delay=1.0))
    with pytest.raises(UpstreamTimeout) as error:
        client.request("GET", f"{remote.url}/r")
    assert error.value.status == 504 and len(remote.calls("/r")) == kit.FAST.max_attempts


def test_a_non_repeatable_call_is_retried_only_when_it_cannot_have_run(remote, client, kit):
    remote.script("/post", kit.Reply(500))
    with pytest.raises(UpstreamError):
        client.request("POST", f"{remote.url}/post", body=b"{}", repeatable=False)
    assert len(remote.calls("/post")) == 1
    remote.script("/slow", kit.Reply(200, delay=1.0))
    with pytest.raises(UpstreamTimeout):
        client.request("POST", f"{remote.url}/slow", body=b"{}", repeatable=False)
    assert len(remote.calls("/slow")) == 1
    remote.script("/busy", kit.Reply(429), kit.Reply(201, {"made": 1}))
    assert client.request("POST", f"{remote.url}/busy", body=b"{}",
                          repeatable=False).status == 201


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    client = http.HttpClient("test API", http.HttpPolicy(connect_timeout=0.3, read_timeout=0.3,
                                                         backoff=0.01), sleep=sleeps.append)
    with pytest.raises(UpstreamTimeout, match="unreachable"):
        client.request("POST", f"http://127.0.0.1:{port}/x", repeatable=False)
    assert len(sleeps) == 2  # refused connections were never sent, so even a POST is retried


def test_no_attempt_starts_that_could_not_finish_within_the_budget(remote, kit):
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
    policy = http.HttpPolicy(connect_timeout=1.0, read_timeout=4.0, max_attempts=5,
                             backoff=2.0, backoff_max=2.0, time_budget=12.0)
    client = http.HttpClient("test API", policy, sleep=sleep, clock=lambda: now[0])
    remote.script("/r", kit.Reply(500))
    with pytest.raises(UpstreamUnavailable):
        client.request("GET", f"{remote.url}/r")
    # 0 s: attempt 1; 2 s: attempt 2; 4 s: attempt 3; a 4th at 6 s could end at 11 s, but
    # 8 s (after the next wait) + 5 s is beyond 12 s.
    assert len(remote.calls("/r")) == 4


def test_production_policies_fit_api_gateways_29_seconds():
    from chatbot_core import completion, salesforce

    for policy in (completion.POLICY, salesforce.POLICY, http.HttpPolicy()):
        assert policy.time_budget < 29 and policy.max_attempts == 3
        assert policy.connect_timeout + policy.read_timeout <= policy.time_budget
