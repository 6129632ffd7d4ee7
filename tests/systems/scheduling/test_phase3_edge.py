"""Phase 3 edge of the scheduling system (staging at phase "3"): the seed's facts about WAF,
Cognito, Route 53 and CloudFront on the offline plan, the checkov gate on the edge resources,
and the multi-region variants (a stack outside us-east-1, a secondary-region stack) as synthesized.
"""

from __future__ import annotations

import json

import pytest

from modules.errors import ConfigError
from modules.pipeline.run import StackRun
from tests.systems.scheduling.conftest import load_stack, synth_scheduling

pytestmark = pytest.mark.terraform

PHASE3 = {"systems": {"scheduling": {"phase": "3"}}}
ZONE = "staging.scheduling-agent.com"
# Construct ids of the edge layer (users.py, api.py's authorizer, edge.py, cdn.py).
EDGE_PREFIXES = ("users_", "function_cognito", "table_customer_users", "api_protection",
                 "cdn_", "dns_", "api_certificate", "api_domain", "frontend_", "api_cdn",
                 "api_get_cache", "api_stage", "api_authorizer")


@pytest.fixture(scope="module")
def stack_dir(phase3_stack_dir):
    return phase3_stack_dir


@pytest.fixture(scope="module")
def stack(phase3_stack) -> dict:
    return phase3_stack


@pytest.fixture(scope="module")
def run(phase3_run) -> StackRun:
    return phase3_run


@pytest.fixture(scope="module")
def gate(phase3_gate):
    return phase3_gate


def planned(run: StackRun, resource_type: str) -> list[dict]:
    return [c["change"]["after"] for c in run.plan["resource_changes"] if c["type"] == resource_type]


def by(items: list[dict], **match) -> dict:
    found = [i for i in items if all(i.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, len(found))
    return found[0]


def edge_resource(address: str) -> bool:
    logical = address.split(".")[-1].split("[")[0]
    return logical.startswith(EDGE_PREFIXES)


# -- WAF --------------------------------------------------------------------------------------
def test_the_api_web_acl_has_the_seeds_rules(run):
    acl = by(planned(run, "aws_wafv2_web_acl"), name="pf-api-protection-staging")
    assert acl["scope"] == "REGIONAL"
    assert acl["default_action"][0]["allow"] and not acl["default_action"][0]["block"]
    rules = {r["name"]: r for r in acl["rule"]}
    rate = rules["rate-limit-per-ip"]["statement"][0]["rate_based_statement"][0]
    assert (rate["limit"], rate["evaluation_window_sec"], rate["aggregate_key_type"]) == (100, 300, "IP")
    geo = rules["allow-listed-countries-only"]["statement"][0]["not_statement"][0]["statement"][0]
    assert geo["geo_match_statement"][0]["country_codes"] == ["US"]
    assert rules["allow-listed-countries-only"]["action"][0]["block"]
    # Core rule set (XSS), known bad inputs (Log4j), SQL injection, anonymous IPs.
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAnonymousIpList"} <= set(rules)


def test_the_web_acl_protects_the_stage_and_logs_without_credentials(stack, run):
    association = next(iter(stack["resource"]["aws_wafv2_web_acl_association"].values()))
    assert "aws_api_gateway_stage.api_stage" in association["resource_arn"]
    assert "api_protection" in association["web_acl_arn"]
    logging = stack["resource"]["aws_wafv2_web_acl_logging_configuration"]
    assert len(logging) == 2  # API and CDN web ACLs
    for config in logging.values():
        assert config["redacted_fields"] == [{"single_header": {"name": "authorization"}}]
    waf_groups = [g for g in stack["resource"]["aws_cloudwatch_log_group"].values()
                  if g["name"].startswith("aws-waf-logs-")]
    assert len(waf_groups) == 2 and all(g["kms_key_id"] for g in waf_groups)


def test_the_stage_needs_no_waf_excuse_any_more(stack_dir):
    suppressions = json.loads((stack_dir / "suppressions.json").read_text())
    assert not [s for s in suppressions if s["check_id"] == "CKV2_AWS_29"]


# -- Cognito ----------------------------------------------------------------------------------
def test_the_user_pool_has_the_seeds_features(run):
    pool = by(planned(run, "aws_cognito_user_pool"), name="pf-users-staging")
    assert pool["auto_verified_attributes"] == ["email"]
    policy = pool["password_policy"][0]
    assert policy["minimum_length"] == 12 and policy["temporary_password_validity_days"] == 7
    assert all(policy[f"require_{kind}"] for kind in ("lowercase", "uppercase", "numbers", "symbols"))
    attributes = {a["name"]: a for a in pool["schema"]}
    assert set(attributes) == {"customer_id", "client_id"}
    assert all(a["mutable"] is False and a["attribute_data_type"] == "String"
               for a in attributes.values())
    assert pool["mfa_configuration"] == "OPTIONAL"
    assert pool["sms_configuration"][0]["external_id"] == "pf-users-staging-sms"
    assert pool["user_pool_add_ons"][0]["advanced_security_mode"] == "ENFORCED"
    assert pool["user_pool_tier"] == "PLUS"


def test_the_triggers_are_wired_and_only_the_pool_may_invoke_them(stack):
    pool = next(iter(stack["resource"]["aws_cognito_user_pool"].values()))
    config = pool["lambda_config"]
    assert "function_cognito_pre_signup" in config["pre_sign_up"]
    assert "function_cognito_post_confirmation" in config["post_confirmation"]
    permissions = [p for p in stack["resource"]["aws_lambda_permission"].values()
                   if p["principal"] == "cognito-idp.amazonaws.com"]
    assert len(permissions) == 2
    assert all("aws_cognito_user_pool.users_pool" in p["source_arn"] for p in permissions)
    names = {f["function_name"]: f for f in stack["resource"]["aws_lambda_function"].values()}
    pre = names["pf-cognito-pre-signup-staging"]["environment"]["variables"]
    assert pre["ALLOWED_CLIENT_IDS"] == "09PF05VD" and pre["REQUIRE_INVITATION"] == "true"
    assert names["pf-cognito-pre-signup-staging"]["timeout"] == 5


def test_the_triggers_dlq_excuse_names_cognito_as_the_caller(stack_dir):
    suppressions = json.loads((stack_dir / "suppressions.json").read_text())
    reasons = {s["address"]: s["reason"] for s in suppressions if s["check_id"] == "CKV_AWS_116"}
    triggers = {a: r for a, r in reasons.items() if "cognito" in a}
    assert len(triggers) == 2
    assert all("the Cognito user pool, as a trigger" in r for r in triggers.values())
    assert all("Bedrock action group" not in r for r in triggers.values())


def test_the_sms_role_trusts_only_cognito_with_the_external_id(stack):
    role = next(r for r in stack["resource"]["aws_iam_role"].values()
                if r["name"] == "pf-users-sms-role-staging")
    trust_id = role["assume_role_policy"].split(".")[2]
    trust = stack["data"]["aws_iam_policy_document"][trust_id]["statement"][0]
    conditions = {c["variable"]: c["values"] for c in trust["condition"]}
    assert conditions["sts:ExternalId"] == ["pf-users-staging-sms"]
    assert conditions["aws:SourceAccount"] == ["618048437522"]


def test_the_app_client_is_public_and_srp_only(run):
    client = by(planned(run, "aws_cognito_user_pool_client"), name="pf-web-staging")
    assert client["generate_secret"] is False
    assert sorted(client["explicit_auth_flows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    assert (client["access_token_validity"], client["id_token_validity"],
            client["refresh_token_validity"]) == (60, 60, 30)
    assert client["prevent_user_existence_errors"] == "ENABLED"


def test_chat_is_behind_the_cognito_authorizer_and_health_is_open(stack, run):
    authorizer = by(planned(run, "aws_api_gateway_authorizer"), type="COGNITO_USER_POOLS")
    assert authorizer["identity_source"] == "method.request.header.Authorization"
    methods = {(m["http_method"], key): m for key, m in
               stack["resource"]["aws_api_gateway_method"].items()}
    chat = next(m for (verb, key), m in methods.items() if verb == "POST" and "chat" in key)
    health = next(m for (verb, key), m in methods.items() if verb == "GET" and "health" in key)
    assert chat["authorization"] == "COGNITO_USER_POOLS" and chat["authorizer_id"]
    assert health["authorization"] == "NONE" and health["api_key_required"] is False
    model = next(m for m in stack["resource"]["aws_api_gateway_model"].values()
                 if "chat" in m["name"].lower())
    assert json.loads(model["schema"])["required"] == ["message"]
    chat_fn = next(f for f in stack["resource"]["aws_lambda_function"].values()
                   if f["function_name"] == "pf-chat-api-staging")
    assert chat_fn["environment"]["variables"]["AUTH_MODE"] == "cognito"


# -- Route 53, ACM, custom domain ------------------------------------------------------------
def test_the_zone_records_and_health_checks(run):
    assert by(planned(run, "aws_route53_zone"), name=ZONE)
    records = planned(run, "aws_route53_record")
    api = by(records, name=f"api.{ZONE}")
    assert api["type"] == "A" and api["set_identifier"] == "us-east-1"
    assert api["latency_routing_policy"] == [{"region": "us-east-1"}]
    assert api["alias"][0]["evaluate_target_health"] is True
    health = by(records, name=f"health.{ZONE}")
    assert health["type"] == "A" and health["failover_routing_policy"] == [{"type": "PRIMARY"}]
    check = planned(run, "aws_route53_health_check")[0]
    assert (check["type"], check["port"], check["resource_path"]) == ("HTTPS", 443, "/staging/health")
    assert set(check["regions"]) == {"us-east-1", "us-west-1", "us-west-2"}  # the ACL admits US only


def test_certificates_are_validated_by_dns(run):
    certificates = {c["domain_name"]: c for c in planned(run, "aws_acm_certificate")}
    assert set(certificates[f"api.{ZONE}"]["subject_alternative_names"]) == {
        f"api.{ZONE}", f"health.{ZONE}"}
    assert set(certificates[f"app.{ZONE}"]["subject_alternative_names"]) == {
        f"app.{ZONE}", f"api-cdn.{ZONE}"}
    assert all(c["validation_method"] == "DNS" for c in certificates.values())
    assert len(planned(run, "aws_acm_certificate_validation")) == 2
    domains = {d["domain_name"]: d for d in planned(run, "aws_api_gateway_domain_name")}
    assert set(domains) == {f"api.{ZONE}", f"health.{ZONE}"}
    assert all(d["security_policy"] == "TLS_1_2" for d in domains.values())
    assert len(planned(run, "aws_api_gateway_base_path_mapping")) == 2


def test_query_logging_and_dnssec(run):
    assert len(planned(run, "aws_route53_query_log")) == 1
    assert planned(run, "aws_route53_hosted_zone_dnssec")[0]["signing_status"] == "SIGNING"
    key = next(k for k in planned(run, "aws_kms_key")
               if k["customer_master_key_spec"] == "ECC_NIST_P256")
    assert key["key_usage"] == "SIGN_VERIFY"


# -- CloudFront -------------------------------------------------------------------------------
def test_both_distributions_are_https_only_shielded_and_protected(run):
    distributions = {d["comment"]: d for d in planned(run, "aws_cloudfront_distribution")}
    assert set(distributions) == {"pf-frontend-cdn-staging", "pf-api-cdn-staging"}
    for distribution in distributions.values():
        behaviour = distribution["default_cache_behavior"][0]
        assert behaviour["viewer_protocol_policy"] == "redirect-to-https"
        assert sorted(behaviour["cached_methods"]) == ["GET", "HEAD"]
        certificate = distribution["viewer_certificate"][0]
        assert certificate["minimum_protocol_version"] == "TLSv1.2_2021"
        assert certificate["ssl_support_method"] == "sni-only"
        assert distribution["origin"][0]["origin_shield"][0]["enabled"] is True
        assert distribution["logging_config"][0]["include_cookies"] is False
        assert distribution["custom_error_response"]
        geo = distribution["restrictions"][0]["geo_restriction"][0]
        assert (geo["restriction_type"], geo["locations"]) == ("whitelist", ["US"])
    api = distributions["pf-api-cdn-staging"]
    assert api["origin"][0]["custom_origin_config"][0]["origin_protocol_policy"] == "https-only"
    assert "POST" in api["default_cache_behavior"][0]["allowed_methods"]
    assert distributions["pf-frontend-cdn-staging"]["default_root_object"] == "index.html"


def test_the_frontend_bucket_admits_only_its_distribution(stack):
    distribution = next(d for d in stack["resource"]["aws_cloudfront_distribution"].values()
                        if d["comment"] == "pf-frontend-cdn-staging")
    assert "origin_access_control_id" in distribution["origin"][0]
    oac = next(iter(stack["resource"]["aws_cloudfront_origin_access_control"].values()))
    assert (oac["signing_behavior"], oac["signing_protocol"]) == ("always", "sigv4")
    documents = stack["data"]["aws_iam_policy_document"]
    statement = next(s for d in documents.values() for s in d["statement"]
                     if s.get("sid") == "OnlyTheFrontendDistributionReads")
    assert statement["principals"] == [{"type": "Service", "identifiers": ["cloudfront.amazonaws.com"]}]
    assert "aws_cloudfront_distribution.frontend_cdn_distribution" in statement["condition"][0]["values"][0]
    buckets = {b["bucket"] for b in stack["resource"]["aws_s3_bucket"].values()}
    assert {"pf-frontend-staging-618048437522", "pf-cdn-logs-staging-618048437522"} <= buckets


def test_the_cdn_web_acl_and_security_headers(run):
    acl = by(planned(run, "aws_wafv2_web_acl"), name="pf-cdn-protection-staging")
    assert acl["scope"] == "CLOUDFRONT"
    headers = planned(run, "aws_cloudfront_response_headers_policy")[0]["security_headers_config"][0]
    hsts = headers["strict_transport_security"][0]
    assert hsts["access_control_max_age_sec"] >= 31536000 and hsts["include_subdomains"]
    assert headers["frame_options"][0]["frame_option"] == "DENY"


# -- gate -------------------------------------------------------------------------------------
def test_the_gate_has_no_finding_and_no_stale_excuse_on_the_edge(gate):
    assert not [(f.check_id, f.resource) for f in gate.failed if edge_resource(f.resource)]
    assert not [s for s in gate.unused if edge_resource(s.address)]
    # The ACL-enabled log bucket of CloudFront's standard logs, explained.
    assert any(s.check_id == "CKV2_AWS_65" and "cdn_logs" in s.address for _, s in gate.suppressed)


# -- regions ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def usw1_stack(tmp_path_factory) -> dict:
    return load_stack(synth_scheduling(tmp_path_factory.mktemp("usw1"), "staging",
                                       {"region": "us-west-1", **PHASE3}))


def test_outside_us_east_1_the_global_pieces_use_a_us_east_1_provider(usw1_stack):
    stack = usw1_stack
    aliases = [p.get("alias") for p in stack["provider"]["aws"]]
    assert aliases == [None, "us_east_1"]
    pinned = "aws.us_east_1"
    resources = stack["resource"]
    cdn_certificate = next(c for c in resources["aws_acm_certificate"].values()
                           if c["domain_name"] == "app.staging.scheduling-agent.com")
    assert cdn_certificate["provider"] == pinned
    assert next(a for a in resources["aws_wafv2_web_acl"].values()
                if a["scope"] == "CLOUDFRONT")["provider"] == pinned
    assert next(iter(resources["aws_route53_query_log"].values()))["provider"] == pinned
    api_acl = next(a for a in resources["aws_wafv2_web_acl"].values() if a["scope"] == "REGIONAL")
    assert "provider" not in api_acl


def test_a_secondary_region_stack_adds_its_records_to_the_primarys_zone(tmp_path):
    overrides = {"region": "us-west-2", "systems": {"scheduling": {
        "phase": "3", "dns": {"hosted_zone_id": "Z0123456789ABCDEFGHIJ", "zone_name": ZONE}}}}
    stack = load_stack(synth_scheduling(tmp_path, "staging", overrides))
    resources = stack["resource"]
    assert "aws_route53_zone" not in resources and "aws_cloudfront_distribution" not in resources
    records = {r["name"]: r for r in resources["aws_route53_record"].values()
               if not r["name"].startswith("${")}
    assert records[f"health.{ZONE}"]["failover_routing_policy"] == {"type": "SECONDARY"}
    assert records[f"api.{ZONE}"]["latency_routing_policy"] == {"region": "us-west-2"}
    assert records[f"api.{ZONE}"]["zone_id"] == "Z0123456789ABCDEFGHIJ"


def test_a_secondary_region_stack_without_the_primarys_zone_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="hosted_zone_id"):
        synth_scheduling(tmp_path, "staging", {"region": "us-west-2", **PHASE3})


# -- settings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("setting", "message"), [
    ({"dns": {"zone_name": "Bad..zone"}}, "dns.zone_name: got 'Bad..zone'; empty, or a lowercase DNS name"),
    ({"dns": {"hosted_zone_id": "abc"}}, "dns.hosted_zone_id: got 'abc'; a Route 53 zone id"),
    ({"users": {"mfa": "OFF", "sms_mfa": True}}, "users.sms_mfa: sms_mfa needs mfa"),
    ({"waf": {"allowed_countries": ["usa"]}}, "waf.allowed_countries.0: got 'usa'; an ISO 3166"),
    ({"cdn": {"frontend_host": "a.b"}}, "cdn.frontend_host: got 'a.b'; one DNS label"),
])
def test_bad_edge_settings_give_one_line_naming_file_and_field(setting, message):
    from tests.systems.scheduling.conftest import environment

    with pytest.raises(ConfigError) as error:
        environment("staging", {"systems": {"scheduling": setting}})
    assert "envs/staging.toml" in str(error.value) and message in str(error.value)
    assert "\n" not in str(error.value)


def test_origin_shield_follows_the_region_without_shield(usw1_stack):
    """us-west-1 has no Origin Shield: the distributions use us-west-2, AWS's recommendation."""
    for distribution in usw1_stack["resource"]["aws_cloudfront_distribution"].values():
        assert distribution["origin"][0]["origin_shield"]["origin_shield_region"] == "us-west-2"
