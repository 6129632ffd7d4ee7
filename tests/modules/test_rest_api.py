"""modules/rest_api.py alone (with its route tree and usage plan): defaults, request models
and validators, CORS, the account logging role, redeployment and the key that stays secret."""

from __future__ import annotations

import json

import pytest

from modules.rest_api import ACCESS_LOG_FORMAT, RestApi, RestApiProps
from modules.rest_api_routes import Route
from modules.suppressions import suppressions_of
from tests.conftest import one, resources, synth_construct, trust_of

ACCOUNT, REGION = "111122223333", "eu-west-1"
FUNCTION = "arn:aws:lambda:eu-west-1:111122223333:function:t-chat"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
WAF_REASON = "The web ACL is associated by the edge stack through stage_arn."
#: Reference prefix of the REST API in a bare stack ("${aws_api_gateway_rest_api.<id>").
API = "${aws_api_gateway_rest_api.api_4F59AA66"
CHAT_SCHEMA = {"type": "object", "required": ["message"],
               "properties": {"message": {"type": "string"}}}
ROUTES = (Route("/chat", "POST", request_model=CHAT_SCHEMA),
          Route("/sessions/{session_id}", "GET"), Route("/sessions/{session_id}", "DELETE"))


def props(**changes) -> RestApiProps:
    values = dict(api_name="t-chat", stage_name="dev", function_arn=FUNCTION,
                  function_name="t-chat", routes=ROUTES, access_log_group_name="/aws/apigateway/t",
                  account_id=ACCOUNT, region=REGION)
    return RestApiProps(**{**values, **changes})


def build(**changes) -> tuple[dict, dict]:
    captured: dict = {}

    def add(stack):
        api = RestApi(stack, "api", props(**changes))
        captured.update(api=api, suppressions=suppressions_of(stack))
    return synth_construct(add), captured


def by(stack: dict, resource_type: str, key: str) -> dict[str, dict]:
    return {r[key]: r for r in resources(stack, resource_type).values()}


@pytest.fixture(scope="module")
def plain():
    return build()


@pytest.fixture(scope="module")
def full():
    return build(kms_key_arn=KEY, cors_allow_origins=("https://chat.example.com",),
                 manage_account_logging_role=True, account_logging_role_name="t-apigw-logs",
                 throttle_rate_per_second=5.0, throttle_burst=8, access_log_retention_days=90,
                 no_waf_reason=WAF_REASON,
                 routes=ROUTES + (Route("/health", "GET", api_key_required=False,
                                        open_reason="Uptime probe; returns no data."),))


def test_defaults(plain):
    stack, captured = plain
    api = one(stack, "aws_api_gateway_rest_api")
    assert api["name"] == "t-chat" and api["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert api["lifecycle"] == {"create_before_destroy": True}
    stage = one(stack, "aws_api_gateway_stage")
    assert stage["stage_name"] == "dev" and stage["xray_tracing_enabled"] is True
    assert stage["access_log_settings"]["format"] == ACCESS_LOG_FORMAT
    assert "cache_cluster_enabled" not in stage and "client_certificate_id" not in stage
    groups = {g["name"]: g for g in resources(stack, "aws_cloudwatch_log_group").values()}
    assert set(groups) == {"/aws/apigateway/t", f"API-Gateway-Execution-Logs_{API}.id}}/dev"}
    assert all(g["retention_in_days"] == 365 and "kms_key_id" not in g for g in groups.values())
    settings = one(stack, "aws_api_gateway_method_settings")
    assert settings["method_path"] == "*/*" and settings["settings"] == {
        "metrics_enabled": True, "logging_level": "INFO", "data_trace_enabled": False,
        "caching_enabled": False, "cache_data_encrypted": True,
        "throttling_rate_limit": 10, "throttling_burst_limit": 20}
    plan = one(stack, "aws_api_gateway_usage_plan")
    assert plan["throttle_settings"] == {"rate_limit": 10, "burst_limit": 20}
    assert "quota_settings" not in plan and len(plan["api_stages"]) == 1
    assert "aws_api_gateway_account" not in stack["resource"]
    assert "aws_iam_role" not in stack["resource"]
    assert "aws_api_gateway_gateway_response" not in stack["resource"]
    assert all(m["http_method"] != "OPTIONS"
               for m in resources(stack, "aws_api_gateway_method").values())
    for name in ("rest_api_id", "stage_name", "invoke_url", "execution_arn", "api_key_id",
                 "stage_arn"):
        assert getattr(captured["api"], name)


def test_every_route_invokes_the_function_through_a_proxy_integration(plain):
    stack, _ = plain
    integrations = resources(stack, "aws_api_gateway_integration").values()
    assert len(integrations) == 3
    uri = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION}"
           "/invocations")
    assert all(i["type"] == "AWS_PROXY" and i["integration_http_method"] == "POST"
               and i["uri"] == uri and i["timeout_milliseconds"] == 29000 for i in integrations)
    permission = one(stack, "aws_lambda_permission")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["function_name"] == "t-chat"
    assert permission["source_arn"] == f"{API}.execution_arn}}/dev/*/*"


def test_resource_tree_follows_the_paths(plain):
    stack, _ = plain
    tree = by(stack, "aws_api_gateway_resource", "path_part")
    assert set(tree) == {"chat", "sessions", "{session_id}"}
    assert tree["chat"]["parent_id"] == tree["sessions"]["parent_id"] == \
        f"{API}.root_resource_id}}"
    assert tree["{session_id}"]["parent_id"].startswith("${aws_api_gateway_resource.")


def test_methods_require_the_key_and_are_validated(plain):
    stack, captured = plain
    methods = by(stack, "aws_api_gateway_method", "http_method")
    assert all(m["api_key_required"] is True and m["authorization"] == "NONE"
               for m in methods.values())
    validators = {k: v for k, v in resources(stack, "aws_api_gateway_request_validator").items()}
    body = next(k for k, v in validators.items() if v["validate_request_body"])
    params = next(k for k, v in validators.items() if not v["validate_request_body"])
    assert validators[body]["name"] == "body-and-parameters"
    validator = "${{aws_api_gateway_request_validator.{}.id}}".format
    assert methods["POST"]["request_validator_id"] == validator(body)
    assert methods["GET"]["request_validator_id"] == validator(params)
    assert methods["GET"]["request_parameters"] == {"method.request.path.session_id": True}
    model = one(stack, "aws_api_gateway_model")
    assert model["name"] == "PostChatBody" and json.loads(model["schema"]) == CHAT_SCHEMA
    assert methods["POST"]["request_models"] == {
        "application/json": "${aws_api_gateway_model.api_routes_model_post_chat_5E18F9C6.name}"}
    assert [(s.check_id, s.address.split(".")[0]) for s in captured["suppressions"]] == [
        ("CKV_AWS_225", "aws_api_gateway_method_settings"),
        ("CKV2_AWS_51", "aws_api_gateway_stage"), ("CKV_AWS_120", "aws_api_gateway_stage")]


def test_deployment_follows_every_method_and_is_replaced_first(plain):
    stack, _ = plain
    deployment = one(stack, "aws_api_gateway_deployment")
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    assert deployment["triggers"]["backend"] == FUNCTION
    assert len(deployment["triggers"]["routes"]) == 64
    assert len([d for d in deployment["depends_on"] if ".aws_api_gateway_" in f".{d}"]) == 6


def test_a_route_change_changes_the_redeployment_trigger(plain):
    changed, _ = build(routes=ROUTES[:2])
    before = one(plain[0], "aws_api_gateway_deployment")["triggers"]["routes"]
    assert one(changed, "aws_api_gateway_deployment")["triggers"]["routes"] != before


def test_api_key_value_is_generated_by_api_gateway(plain):
    stack, _ = plain
    key = one(stack, "aws_api_gateway_api_key")
    assert "value" not in key and key["enabled"] is True and key["name"] == "t-chat-dev"
    link = one(stack, "aws_api_gateway_usage_plan_key")
    assert link["key_type"] == "API_KEY"
    assert "output" not in stack


def test_full_options(full):
    stack, captured = full
    groups = resources(stack, "aws_cloudwatch_log_group").values()
    assert all(g["kms_key_id"] == KEY and g["retention_in_days"] == 90 for g in groups)
    assert one(stack, "aws_api_gateway_usage_plan")["throttle_settings"] == {
        "rate_limit": 5, "burst_limit": 8}
    options = [m for m in resources(stack, "aws_api_gateway_method").values()
               if m["http_method"] == "OPTIONS"]
    assert len(options) == 3  # /chat, /sessions/{session_id}, /health
    assert len(resources(stack, "aws_api_gateway_gateway_response")) == 2
    health = next(m for m in resources(stack, "aws_api_gateway_method").values()
                  if m["http_method"] == "GET" and "health" in m["resource_id"])
    assert health["api_key_required"] is False
    reasons = [(s.check_id, s.reason) for s in captured["suppressions"]]
    assert ("CKV_AWS_59", "Uptime probe; returns no data.") in reasons
    assert ("CKV2_AWS_29", WAF_REASON) in reasons


def test_account_logging_role_is_set_before_the_stage(full):
    stack, _ = full
    account = one(stack, "aws_api_gateway_account")
    assert account["reset_on_delete"] is True
    trust = trust_of(stack, "t-apigw-logs")
    assert trust["principals"] == [{"type": "Service", "identifiers": ["apigateway.amazonaws.com"]}]
    stage = one(stack, "aws_api_gateway_stage")
    assert any(d.startswith("aws_api_gateway_account.") for d in stage["depends_on"])


@pytest.mark.parametrize("changes, message", [
    (dict(stage_name="dev stage"), "stage name"),
    (dict(access_log_retention_days=100), "access_log_retention_days"),
    (dict(throttle_burst=0), "throttle"),
    (dict(manage_account_logging_role=True), "account_logging_role_name"),
])
def test_invalid_props_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        props(**changes)


def test_routes_must_be_unique_and_present():
    with pytest.raises(ValueError, match="same path and method"):
        build(routes=(Route("/chat", "POST"), Route("/chat", "POST")))
    with pytest.raises(ValueError, match="at least one route"):
        build(routes=())


def test_root_route_uses_the_root_resource():
    stack, _ = build(routes=(Route("/", "GET"),))
    assert "aws_api_gateway_resource" not in stack["resource"]
    assert one(stack, "aws_api_gateway_method")["resource_id"] == f"{API}.root_resource_id}}"
    assert "aws_api_gateway_request_validator" in stack["resource"]
    assert "aws_api_gateway_model" not in stack["resource"]


def test_paths_differing_only_in_punctuation_are_refused():
    with pytest.raises(ValueError, match="differ only in punctuation"):
        build(routes=(Route("/a-b", "GET"), Route("/a_b", "GET")))
