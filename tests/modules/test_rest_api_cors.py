"""modules/rest_api_cors.py: allowed origins, the OPTIONS preflight of one resource (one origin
or several) and CORS headers on API Gateway's own error responses."""

from __future__ import annotations

import pytest

from modules.rest_api_cors import (ALLOWED_HEADERS, error_headers, origin_template, preflight,
                                   validate_origins)
from tests.conftest import one, resources, synth_construct

ONE = ("https://chat.example.com",)
TWO = ("https://a.example.com", "http://localhost:5173")


def build(origins: tuple[str, ...]) -> dict:
    def add(stack):
        preflight(stack, "options_chat", rest_api_id="api", resource_id="res",
                  methods=("POST", "GET"), origins=origins, validator_id="validator")
        error_headers(stack, "errors", rest_api_id="api", origins=origins)
    return synth_construct(add)


@pytest.fixture(scope="module")
def single():
    return build(ONE)


def test_preflight_answers_without_key_or_backend(single):
    method = one(single, "aws_api_gateway_method")
    assert method["http_method"] == "OPTIONS" and method["authorization"] == "NONE"
    assert method["api_key_required"] is False and method["request_validator_id"] == "validator"
    integration = one(single, "aws_api_gateway_integration")
    assert integration["type"] == "MOCK"
    assert integration["request_templates"] == {"application/json": '{"statusCode": 200}'}
    # The integration names the method by literal values, so the order is explicit.
    assert integration["depends_on"] == ["aws_api_gateway_method.options_chat_method"]


def test_single_origin_headers(single):
    response = one(single, "aws_api_gateway_integration_response")
    prefix = "method.response.header."
    assert response["response_parameters"] == {
        f"{prefix}Access-Control-Allow-Origin": "'https://chat.example.com'",
        f"{prefix}Access-Control-Allow-Methods": "'GET,OPTIONS,POST'",
        f"{prefix}Access-Control-Allow-Headers": f"'{','.join(ALLOWED_HEADERS)}'",
        f"{prefix}Access-Control-Max-Age": "'600'",
        f"{prefix}Vary": "'Origin'"}
    assert "response_templates" not in response
    declared = one(single, "aws_api_gateway_method_response")["response_parameters"]
    assert declared == {key: True for key in response["response_parameters"]}
    errors = {r["response_type"]: r
              for r in resources(single, "aws_api_gateway_gateway_response").values()}
    assert set(errors) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    assert errors["DEFAULT_4XX"]["response_parameters"][
        "gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://chat.example.com'"


def test_several_origins_are_echoed_one_at_a_time():
    stack = build(TWO)
    response = one(stack, "aws_api_gateway_integration_response")
    template = response["response_templates"]["application/json"]
    assert template == origin_template(TWO)
    assert '$origin == "https://a.example.com" || $origin == "http://localhost:5173"' in template
    assert "$context.responseOverride.header.Access-Control-Allow-Origin = $origin" in template
    assert "aws_api_gateway_gateway_response" not in stack["resource"]


@pytest.mark.parametrize("origins", [("*",), ONE, TWO, ()])
def test_accepted_origins(origins):
    validate_origins(origins)


@pytest.mark.parametrize("origins, message", [
    (("https://a.example.com/",), "without a path"),
    (("http://a.example.com",), "https://"),
    (("*", "https://a.example.com"), "'\\*' alone"),
    (("https://A.example.com",), "lowercase"),
    (("https://a.example.com'",), "must be"),
    (ONE + ONE, "listed twice"),
])
def test_refused_origins(origins, message):
    with pytest.raises(ValueError, match=message):
        validate_origins(origins)
