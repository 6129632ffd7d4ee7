"""Cognito on the synthesized dev stack: the user pool and its public app client, the REST
API's routes behind the pool, and the identity pool whose authenticated role may call the
API's routes and open WebSocket connections, nothing else; guests are denied."""

from __future__ import annotations

from tests.conftest import one, resources, statements_of


def test_user_pool_and_client(allocation_dev):
    pool = one(allocation_dev, "aws_cognito_user_pool")
    assert pool["name"] == "pf-allocation-users-dev"
    assert pool["mfa_configuration"] == "OPTIONAL"
    assert pool["password_policy"]["minimum_length"] == 12
    assert pool["deletion_protection"] == "INACTIVE"  # dev
    client = one(allocation_dev, "aws_cognito_user_pool_client")
    assert client["name"] == "pf-allocation-web-client-dev"
    assert client.get("generate_secret") in (None, False)


def test_rest_api_routes_use_the_pool(allocation_dev):
    authorizer = one(allocation_dev, "aws_api_gateway_authorizer")
    assert authorizer["type"] == "COGNITO_USER_POOLS"
    assert authorizer["provider_arns"][0].startswith("${aws_cognito_user_pool.")
    methods = resources(allocation_dev, "aws_api_gateway_method").values()
    routes = [m for m in methods if m["http_method"] != "OPTIONS"]
    assert routes and {m["authorization"] for m in routes} == {"COGNITO_USER_POOLS"}


def test_identity_pool_roles(allocation_dev):
    pool = one(allocation_dev, "aws_cognito_identity_pool")
    assert pool["allow_unauthenticated_identities"] is False
    authenticated = statements_of(allocation_dev, "pf-allocation-identity-authenticated-role-dev")
    assert sorted(authenticated) == ["CallOptimizationApi", "OpenStatusConnections"]
    api = authenticated["CallOptimizationApi"]["resources"]
    assert [r.rsplit("/", 2)[-2:] for r in api] == [["POST", "optimize"], ["jobs", "*"]]
    (connect,) = authenticated["OpenStatusConnections"]["resources"]
    assert connect.startswith("${aws_apigatewayv2_api.") and connect.endswith("/dev/$connect")
    guests = statements_of(allocation_dev, "pf-allocation-identity-unauthenticated-role-dev")
    assert guests["NoApiForGuests"]["effect"] == "Deny"


def test_api_authorizer_can_be_left_out(tmp_path):
    from tests.systems.allocation.conftest import synth_allocation

    stack = synth_allocation(tmp_path, overrides={"systems": {"allocation": {
        "users": {"api_authorizer": False}, "agents": {"enabled": False}}}})
    assert resources(stack, "aws_api_gateway_authorizer") == {}
    assert one(stack, "aws_cognito_user_pool")
