"""modules/rest_api_routes.py and modules/rest_api_tree.py: what a route may be, the names
derived from its path, and the fingerprint that redeploys the API."""

from __future__ import annotations

import pytest

from modules.rest_api_routes import MethodAuthorization, Route, model_name, slug
from modules.rest_api_tree import RouteTreeProps, fingerprint


def test_defaults():
    route = Route("/sessions/{session_id}/messages", "GET")
    assert route.api_key_required is True and route.request_model is None
    assert route.segments == ("sessions", "{session_id}", "messages")
    assert route.path_parameters == ("session_id",)
    assert Route("/", "GET").segments == ()
    assert MethodAuthorization() == MethodAuthorization("NONE", None, ())


@pytest.mark.parametrize("path", ["chat", "/chat/", "//chat", "/chat?x=1", "/{1id}", "/{proxy+}",
                                  "/a b"])
def test_malformed_paths_are_refused(path):
    with pytest.raises(ValueError, match="path must be"):
        Route(path, "GET")


@pytest.mark.parametrize("route, message", [
    (dict(path="/a/{id}/b/{id}", method="GET"), "appears twice"),
    (dict(path="/chat", method="get"), "method must be one of"),
    (dict(path="/chat", method="HEAD"), "method must be one of"),
    (dict(path="/chat", method="GET", request_model={"type": "object"}), "GET request has no body"),
    (dict(path="/chat", method="GET", api_key_required=False), "open_reason"),
    (dict(path="/chat", method="GET", api_key_required=False, open_reason="short"), "open_reason"),
])
def test_invalid_routes_are_refused_with_the_route_named(route, message):
    with pytest.raises(ValueError, match=message) as error:
        Route(**route)
    assert f"route {route['method']} {route['path']}" in str(error.value)


def test_open_route_with_reason_is_accepted():
    assert not Route("/health", "GET", api_key_required=False,
                     open_reason="Uptime probe; returns no data.").api_key_required


def test_names_derived_from_paths():
    assert slug("/") == "root"
    assert slug("/sessions/{session_id}") == "sessions__session_id"
    assert slug("/a-b/c.d") == "a_b__c_d"
    assert model_name(Route("/sessions/{session_id}", "POST")) == "PostSessionsSessionIdBody"
    assert model_name(Route("/", "PUT")) == "PutBody"


def tree(**changes) -> RouteTreeProps:
    values = dict(rest_api_id="api", root_resource_id="root", integration_uri="uri",
                  routes=(Route("/chat", "POST", request_model={"type": "object"}),
                          Route("/sessions/{session_id}", "GET")))
    return RouteTreeProps(**{**values, **changes})


def test_fingerprint_changes_with_what_is_deployed_only():
    base = fingerprint(tree())
    assert fingerprint(tree(routes=tuple(reversed(tree().routes)))) == base
    assert fingerprint(tree(rest_api_id="other", integration_uri="other")) == base
    assert fingerprint(tree(routes=(Route("/chat", "POST", request_model={"type": "string"}),
                                    Route("/sessions/{session_id}", "GET")))) != base
    assert fingerprint(tree(routes=(Route("/chat", "POST"),
                                    Route("/sessions/{session_id}", "GET")))) != base
    assert fingerprint(tree(cors_allow_origins=("https://a.example",))) != base
    assert fingerprint(tree(integration_timeout_ms=10000)) != base
    assert fingerprint(tree(authorization=MethodAuthorization("COGNITO_USER_POOLS", "x"))) != base
