"""modules/websocket_api.py: a WebSocket API with Lambda-proxy routes, IAM on $connect only,
a stage with access logs and throttling, route-scoped invoke permissions and the management
API grant."""

from __future__ import annotations

import json

import pytest

from modules.suppressions import suppressions_of
from modules.websocket_api import RouteTarget, WebSocketApi, WebSocketApiProps
from tests.conftest import one, resources, synth_construct

TARGET = RouteTarget("arn:aws:lambda:us-east-1:111122223333:function:ws", "ws")
ROUTES = {"$connect": TARGET, "$disconnect": TARGET, "$default": TARGET}


def props(**change) -> WebSocketApiProps:
    return WebSocketApiProps(**{"name": "pf-ws-dev", "stage_name": "dev",
                                "access_log_group_name": "/aws/apigateway/pf-ws-dev",
                                "routes": ROUTES, "account_id": "111122223333",
                                "region": "us-east-1", "kms_key_arn": "arn:key", **change})


@pytest.fixture(scope="module")
def built():
    holder = {}

    def build(stack):
        holder["api"] = WebSocketApi(stack, "ws", props(throttling_rate_limit=5, throttling_burst_limit=7))
        holder["suppressions"] = suppressions_of(stack)
    return synth_construct(build), holder


def test_api_routes_and_auth(built):
    stack, holder = built
    api = one(stack, "aws_apigatewayv2_api")
    assert (api["protocol_type"], api["route_selection_expression"]) == ("WEBSOCKET", "$request.body.action")
    routes = {r["route_key"]: r for r in resources(stack, "aws_apigatewayv2_route").values()}
    assert sorted(routes) == ["$connect", "$default", "$disconnect"]
    assert routes["$connect"]["authorization_type"] == "AWS_IAM"
    assert {routes[k]["authorization_type"] for k in ("$default", "$disconnect")} == {"NONE"}
    # Only the routes that cannot carry an authorizer are excused from CKV_AWS_309.
    excused = {s.address for s in holder["suppressions"] if s.check_id == "CKV_AWS_309"}
    assert excused == {f"aws_apigatewayv2_route.{key}" for key, r in
                       resources(stack, "aws_apigatewayv2_route").items()
                       if r["route_key"] in ("$default", "$disconnect")}
    integrations = resources(stack, "aws_apigatewayv2_integration").values()
    assert {i["integration_type"] for i in integrations} == {"AWS_PROXY"}
    assert all(TARGET.function_arn in i["integration_uri"] for i in integrations)


def test_stage_logs_and_throttles(built):
    stack, _ = built
    stage = one(stack, "aws_apigatewayv2_stage")
    assert stage["auto_deploy"] is True and stage["name"] == "dev"
    assert stage["default_route_settings"]["throttling_rate_limit"] == 5
    assert stage["default_route_settings"]["throttling_burst_limit"] == 7
    assert "routeKey" in json.loads(stage["access_log_settings"]["format"])
    group = one(stack, "aws_cloudwatch_log_group")
    assert group["kms_key_id"] == "arn:key" and group["name"] == "/aws/apigateway/pf-ws-dev"
    assert stage["access_log_settings"]["destination_arn"].startswith("${aws_cloudwatch_log_group.")


def test_permissions_are_per_route(built):
    stack, _ = built
    permissions = resources(stack, "aws_lambda_permission").values()
    assert sorted(p["source_arn"].rsplit("/", 1)[1] for p in permissions) == [
        "$connect", "$default", "$disconnect"]
    assert all(p["principal"] == "apigateway.amazonaws.com" and "/dev/" in p["source_arn"]
               for p in permissions)


def test_grants(built):
    _, holder = built
    (post,) = holder["api"].manage_connections_statements()
    assert post.actions == ("execute-api:ManageConnections",)
    assert post.resources[0].endswith("/dev/*/@connections/*")
    (connect,) = holder["api"].connect_statements()
    assert connect.resources[0].endswith("/dev/$connect")


@pytest.mark.parametrize("change, message", [
    ({"routes": {"$connect": TARGET}}, "are required"),
    ({"connect_authorization": "JWT"}, "connect_authorization"),
    ({"throttling_rate_limit": 0}, "throttling"),
    ({"access_log_retention_days": 2}, "retention")])
def test_bad_props(change, message):
    with pytest.raises(ValueError, match=message):
        props(**change)
