"""modules/rest_api_authorizer.py with modules/rest_api.py: Cognito and Lambda authorizers,
routes that stay open, extra backends and APIs without an API key."""

from __future__ import annotations

import hashlib
import json

import pytest

from modules.rest_api import RestApi, RestApiProps
from modules.rest_api_authorizer import Authorizer
from modules.rest_api_routes import Backend, Route, source_path
from modules.rest_api_tree import RouteTreeProps, fingerprint
from modules.suppressions import suppressions_of
from tests.conftest import one, resources, synth_construct

REGION = "eu-west-1"
FUNCTION = "arn:aws:lambda:eu-west-1:111122223333:function:t-api"
AUTH_FUNCTION = "arn:aws:lambda:eu-west-1:111122223333:function:t-authorizer"
CHAT_FUNCTION = "arn:aws:lambda:eu-west-1:111122223333:function:t-chat"
POOL = "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_AbC123"
API = "${aws_api_gateway_rest_api.api_4F59AA66"
HEALTH = Route("/health", "GET", api_key_required=False, authorize=False,
               open_reason="Uptime probe; returns no data.")
ROUTES = (Route("/sessions/{session_id}", "GET"), HEALTH)


def props(**changes) -> RestApiProps:
    values = dict(api_name="t-api", stage_name="dev", function_arn=FUNCTION,
                  function_name="t-api", routes=ROUTES, access_log_group_name="/aws/apigateway/t",
                  account_id="111122223333", region=REGION)
    return RestApiProps(**{**values, **changes})


def build(**changes) -> tuple[dict, RestApi, list]:
    captured: dict = {}

    def add(stack):
        captured["api"] = RestApi(stack, "api", props(**changes))
        captured["suppressions"] = suppressions_of(stack)
    return synth_construct(add), captured["api"], captured["suppressions"]


def methods(stack: dict) -> dict[tuple[str, str], dict]:
    """(http method, resource logical id or 'root') -> method, for non-OPTIONS methods."""
    return {(m["http_method"], m["resource_id"]): m
            for m in resources(stack, "aws_api_gateway_method").values()
            if m["http_method"] != "OPTIONS"}


@pytest.fixture(scope="module")
def cognito():
    return build(authorizer=Authorizer.cognito("users", (POOL,), scopes=("chat/read",)))


@pytest.fixture(scope="module")
def token():
    return build(
        authorizer=Authorizer.lambda_token(
            "jwt", AUTH_FUNCTION, "t-authorizer", result_ttl_seconds=60,
            identity_validation_expression=r"^Bearer [-0-9A-Za-z_.]+$"),
        api_key_usage_plan=False, cors_allow_origins=("https://chat.example.com",),
        routes=(Route("/sessions/{session_id}", "GET", api_key_required=False,
                      open_reason="Callers authenticate with a bearer token, not an API key."),
                Route("/chat", "POST", api_key_required=False, backend="chat",
                      open_reason="Callers authenticate with a bearer token, not an API key."),
                HEALTH),
        backends=(Backend("chat", CHAT_FUNCTION, "t-chat"),))


def test_cognito_authorizer_guards_every_route_but_the_open_one(cognito):
    stack, api, suppressions = cognito
    authorizer = one(stack, "aws_api_gateway_authorizer")
    assert authorizer["type"] == "COGNITO_USER_POOLS" and authorizer["provider_arns"] == [POOL]
    assert authorizer["identity_source"] == "method.request.header.Authorization"
    assert "authorizer_uri" not in authorizer
    by_auth = {m["authorization"]: m for m in methods(stack).values()}
    assert set(by_auth) == {"COGNITO_USER_POOLS", "NONE"}
    guarded = by_auth["COGNITO_USER_POOLS"]
    assert guarded["authorizer_id"].startswith("${aws_api_gateway_authorizer.")
    assert guarded["authorization_scopes"] == ["chat/read"] and guarded["api_key_required"]
    assert "authorizer_id" not in by_auth["NONE"]
    # The open route is the only one checkov may flag, with the route's reason.
    assert [(s.check_id, s.reason) for s in suppressions if s.check_id == "CKV_AWS_59"] == [
        ("CKV_AWS_59", HEALTH.open_reason)]
    # A Cognito authorizer invokes no function: only the backend's permission exists.
    assert len(resources(stack, "aws_lambda_permission")) == 1
    assert api.authorizer_id and api.api_key_id
    assert one(stack, "aws_api_gateway_deployment")["triggers"]["authorizer"]


def test_lambda_token_authorizer_and_its_scoped_permission(token):
    stack, api, suppressions = token
    authorizer = one(stack, "aws_api_gateway_authorizer")
    assert authorizer["type"] == "TOKEN" and authorizer["authorizer_result_ttl_in_seconds"] == 60
    assert authorizer["authorizer_uri"] == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{AUTH_FUNCTION}"
        "/invocations")
    assert authorizer["identity_validation_expression"] == r"^Bearer [-0-9A-Za-z_.]+$"
    permissions = {p["statement_id"]: p for p in resources(stack, "aws_lambda_permission").values()}
    auth_permission = permissions["AllowApiGatewayAuthorizer"]
    assert auth_permission["function_name"] == "t-authorizer"
    assert auth_permission["principal"] == "apigateway.amazonaws.com"
    assert auth_permission["source_arn"].startswith(f"{API}.execution_arn}}/authorizers/"
                                                    "${aws_api_gateway_authorizer.")
    guarded = [m for m in methods(stack).values() if m["authorization"] == "CUSTOM"]
    assert len(guarded) == 2 and not any(m["api_key_required"] for m in guarded)
    assert all("authorization_scopes" not in m for m in guarded)
    # Authorized routes without a key are not findings: only /health is suppressed.
    assert [s.check_id for s in suppressions if s.check_id == "CKV_AWS_59"] == ["CKV_AWS_59"]
    # No key and no usage plan.
    assert api.api_key_id is None
    assert "aws_api_gateway_usage_plan" not in stack["resource"]
    assert "aws_api_gateway_api_key" not in stack["resource"]


def test_extra_backend_serves_only_its_routes(token):
    stack, _, _ = token
    uris = sorted(i["uri"] for i in resources(stack, "aws_api_gateway_integration").values()
                  if i["type"] == "AWS_PROXY")
    assert [CHAT_FUNCTION in u for u in uris].count(True) == 1
    assert [FUNCTION in u for u in uris].count(True) == 2  # /sessions/{id} and /health
    permissions = {p["statement_id"]: p for p in resources(stack, "aws_lambda_permission").values()}
    chat = permissions["AllowApiGateway_post_chat"]
    assert chat["function_name"] == "t-chat"
    assert chat["source_arn"] == f"{API}.execution_arn}}/dev/POST/chat"
    assert one(stack, "aws_api_gateway_deployment")["triggers"]["backends"] == CHAT_FUNCTION


def test_without_authorizer_nothing_changes():
    tree = dict(rest_api_id="a", root_resource_id="r", integration_uri="u")
    plain = (Route("/sessions/{session_id}", "GET"),)
    # The fingerprint of routes that use no new field is what it was before they existed.
    before = {"routes": [["/sessions/{session_id}", "GET", True, None]], "cors": [],
              "timeout": 29000, "authorization": ["NONE", []]}
    assert fingerprint(RouteTreeProps(**tree, routes=plain)) == hashlib.sha256(
        json.dumps(before, sort_keys=True).encode()).hexdigest()
    assert fingerprint(RouteTreeProps(**tree, routes=plain)) != fingerprint(RouteTreeProps(
        **tree, routes=plain + (HEALTH,)))
    open_health = (Route("/health", "GET", api_key_required=False,
                         open_reason="Uptime probe; returns no data."),)
    assert fingerprint(RouteTreeProps(**tree, routes=open_health)) != fingerprint(
        RouteTreeProps(**tree, routes=(HEALTH,)))


def test_source_path_masks_parameters():
    assert source_path(Route("/sessions/{session_id}/messages", "GET")) == "sessions/*/messages"
    assert source_path(Route("/", "GET")) == ""


@pytest.mark.parametrize("make, message", [
    (lambda: Authorizer.cognito("users", ()), "1-1000 user_pool_arns"),
    (lambda: Authorizer.cognito("users", ("arn:aws:iam::111122223333:role/x",)),
     "not a Cognito user pool ARN"),
    (lambda: Authorizer.cognito("users", (POOL,), scopes=("a b",)), "scopes"),
    (lambda: Authorizer.cognito("bad name", (POOL,)), "name must be"),
    (lambda: Authorizer.lambda_token("jwt", "t-authorizer", "t-authorizer"),
     "not a Lambda function ARN"),
    (lambda: Authorizer.lambda_token("jwt", AUTH_FUNCTION, ""), "needs function_name"),
    (lambda: Authorizer.lambda_token("jwt", AUTH_FUNCTION, "f", result_ttl_seconds=3601),
     "result_ttl_seconds"),
    (lambda: Authorizer.lambda_token("jwt", AUTH_FUNCTION, "f", identity_source="Authorization"),
     "identity_source must be"),
    (lambda: Authorizer.lambda_token("jwt", AUTH_FUNCTION, "f", identity_source=(
        "method.request.header.A,method.request.header.B")), "exactly one"),
    (lambda: Authorizer.lambda_request("jwt", AUTH_FUNCTION, "f", identity_sources=()),
     "needs an identity_source"),
    (lambda: Authorizer(name="jwt", type="REQUEST", function_arn=AUTH_FUNCTION,
                        function_name="f", identity_validation_expression="x"), "TOKEN only"),
    (lambda: Authorizer(name="jwt", type="JWT"), "type must be one of"),
    (lambda: Authorizer(name="jwt", type="TOKEN", function_arn=AUTH_FUNCTION, function_name="f",
                        user_pool_arns=(POOL,)), "for Cognito"),
])
def test_bad_authorizers_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_request_authorizer_reads_several_sources_and_references_resolve_later():
    authorizer = Authorizer.lambda_request(
        "req", "${aws_lambda_function.x.arn}", "x",
        identity_sources=("method.request.header.Authorization", "context.sourceIp"))
    assert authorizer.identity_source == "method.request.header.Authorization,context.sourceIp"
    assert authorizer.authorization == "CUSTOM"
    assert Authorizer.lambda_request("req", AUTH_FUNCTION, "f", identity_sources=(),
                                     result_ttl_seconds=0).identity_source == ""


@pytest.mark.parametrize("changes, message", [
    (dict(api_key_usage_plan=False), "leaves no key"),
    (dict(backends=(Backend("chat", CHAT_FUNCTION, "t-chat"),)), "no route uses"),
    (dict(routes=(Route("/chat", "POST", backend="chat"),)), "does not have"),
    (dict(routes=(Route("/chat", "POST", backend="chat"),),
          backends=(Backend("chat", CHAT_FUNCTION, "a"), Backend("chat", CHAT_FUNCTION, "b"))),
     "share one key"),
])
def test_inconsistent_props_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        build(**changes)


def test_open_route_needs_a_reason():
    with pytest.raises(ValueError, match="outside the authorizer needs an open_reason"):
        Route("/health", "GET", authorize=False)
    with pytest.raises(ValueError, match="backend key"):
        Backend("Chat", CHAT_FUNCTION, "t-chat")
