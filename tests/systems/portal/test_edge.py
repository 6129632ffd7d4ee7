"""The edge part: one CloudFront distribution per React app on its prefix of the front-end
bucket, HTTPS only with a us-east-1 certificate, SPA errors, the CLOUDFRONT web ACL, logging
v2 to the logs bucket, alias records; and the grants it needs in the storage and network
parts. Synthesized JSON (session synth) and the planned, gated stack (session plans)."""

from __future__ import annotations

import pytest

from systems.portal import catalog
from tests.conftest import data_sources, one, ref_id, resources

DOMAIN = "app-dw.net"
HOSTS = {"lang-portal": f"lang-portal.{DOMAIN}", "haiku": f"haiku.{DOMAIN}"}


def values(stack: dict, resource_type: str) -> list[dict]:
    return list(resources(stack, resource_type).values())


def statements(stack: dict, reference: str) -> list[dict]:
    return data_sources(stack, "aws_iam_policy_document")[reference.strip("${}").split(".")[2]][
        "statement"]


def distributions(edge: dict) -> dict[str, dict]:
    return {d["aliases"][0]: d for d in values(edge, "aws_cloudfront_distribution")}


def test_one_distribution_per_site_on_its_prefix(portal):
    edge = portal["edge"]
    found = distributions(edge)
    assert sorted(found) == sorted(HOSTS.values())
    oacs = resources(edge, "aws_cloudfront_origin_access_control")
    for app, host in HOSTS.items():
        d = found[host]
        origin = next(o for o in d["origin"] if o["origin_id"] == "s3")
        assert d["default_cache_behavior"]["target_origin_id"] == "s3"
        assert origin["origin_path"] == f"/{app}"
        assert "storage" in origin["domain_name"] and "bucket_regional_domain_name" in \
            origin["domain_name"]
        oac = oacs[ref_id(origin["origin_access_control_id"])]
        assert (oac["origin_access_control_origin_type"], oac["signing_behavior"]) == (
            "s3", "always")
        assert d["comment"] == f"{app}-cdn" and d["default_root_object"] == "index.html"


def test_api_paths_go_to_the_load_balancer_uncached_with_the_viewers_host(portal):
    for d in distributions(portal["edge"]).values():
        (api,) = d["ordered_cache_behavior"]
        assert api["path_pattern"] == "/api/*"
        assert api["viewer_protocol_policy"] == "redirect-to-https"
        assert "POST" in api["allowed_methods"]
        # Managed CachingDisabled and AllViewer (the ALB's host rule needs the Host header).
        assert (api["cache_policy_id"], api["origin_request_policy_id"]) == (
            "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "216adef6-5c7f-47e4-b989-5492eafa07d3")
        origin = next(o for o in d["origin"] if o["origin_id"] == api["target_origin_id"])
        assert "prod-portal-backend" in origin["domain_name"] and "dns_name" in origin[
            "domain_name"]
        assert origin["custom_origin_config"]["origin_protocol_policy"] == "https-only"
        assert origin["custom_origin_config"]["origin_ssl_protocols"] == ["TLSv1.2"]


def test_https_only_tls12_spa_errors_waf_and_headers(portal):
    edge = portal["edge"]
    for d in distributions(edge).values():
        behavior = d["default_cache_behavior"]
        assert behavior["viewer_protocol_policy"] == "redirect-to-https"
        assert behavior["allowed_methods"] == ["GET", "HEAD"]
        assert behavior["response_headers_policy_id"].startswith(
            "${aws_cloudfront_response_headers_policy.")
        assert d["viewer_certificate"]["minimum_protocol_version"] == "TLSv1.2_2021"
        assert d["viewer_certificate"]["acm_certificate_arn"].startswith(
            "${aws_acm_certificate_validation.")
        assert sorted((e["error_code"], e["response_code"], e["response_page_path"])
                      for e in d["custom_error_response"]) == [
            (403, 200, "/index.html"), (404, 200, "/index.html")]
        assert d["web_acl_id"].startswith("${aws_wafv2_web_acl.")
        # The specification: no geo-blocking.
        assert d["restrictions"]["geo_restriction"]["restriction_type"] == "none"
        assert "logging_config" not in d


def test_certificate_in_us_east_1_validated_in_the_public_zone(portal):
    edge = portal["edge"]
    cert = one(edge, "aws_acm_certificate")
    # The sites, the apex (Lang Portal) and the hosted UI's custom domain.
    assert (cert["domain_name"], cert["subject_alternative_names"]) == (
        HOSTS["lang-portal"], [HOSTS["haiku"], DOMAIN, f"auth.{DOMAIN}"])
    assert cert["validation_method"] == "DNS"
    # prod runs in us-east-1: the default provider is the us-east-1 one (no alias needed).
    assert "provider" not in cert
    assert [p["region"] for p in edge["provider"]["aws"]] == ["us-east-1"]
    validation = [r for r in values(edge, "aws_route53_record") if "records" in r]
    assert len(validation) == 4
    assert all("prod-portal-network" in r["zone_id"] for r in validation)


def test_cloudfront_web_acl_three_rule_sets_and_rate_limit(portal):
    acl = one(portal["edge"], "aws_wafv2_web_acl")
    assert (acl["name"], acl["scope"]) == ("genai-bootcamp-cloudfront-waf", "CLOUDFRONT")
    groups = [r["statement"]["managed_rule_group_statement"]["name"] for r in acl["rule"]
              if "managed_rule_group_statement" in r["statement"]]
    assert groups == ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                      "AWSManagedRulesAmazonIpReputationList"]
    (rate,) = [r for r in acl["rule"] if "rate_based_statement" in r["statement"]]
    assert rate["statement"]["rate_based_statement"] == {
        "limit": 2000, "evaluation_window_sec": 300, "aggregate_key_type": "IP"}
    assert not any("geo_match_statement" in str(r) for r in acl["rule"])
    log_group = one(portal["edge"], "aws_cloudwatch_log_group")
    assert log_group["name"] == "aws-waf-logs-genai-bootcamp-cloudfront"
    assert log_group["retention_in_days"] == 7 and "prod-portal-network" in log_group[
        "kms_key_id"]


def test_access_logs_v2_to_the_logs_bucket(portal):
    edge = portal["edge"]
    sources = values(edge, "aws_cloudwatch_log_delivery_source")
    assert {s["log_type"] for s in sources} == {"ACCESS_LOGS"} and len(sources) == 2
    for destination in values(edge, "aws_cloudwatch_log_delivery_destination"):
        arn = destination["delivery_destination_configuration"][0]["destination_resource_arn"]
        assert "prod-portal-storage" in arn and "bucket_logs" in arn
    paths = sorted(d["s3_delivery_configuration"][0]["suffix_path"]
                   for d in values(edge, "aws_cloudwatch_log_delivery"))
    assert paths == [f"cloudfront-logs/{app}/{{DistributionId}}/{{yyyy}}/{{MM}}/{{dd}}/{{HH}}"
                     for app in ("haiku", "lang-portal")]


def test_alias_records_a_and_aaaa(portal):
    edge = portal["edge"]
    aliases = [r for r in values(edge, "aws_route53_record") if "alias" in r]
    sites = {host: kind for host in (*HOSTS.values(), DOMAIN) for kind in ("A", "AAAA")}
    assert sorted((r["name"], r["type"]) for r in aliases) == sorted(
        (host, kind) for host in (*HOSTS.values(), DOMAIN, f"auth.{DOMAIN}")
        for kind in ("A", "AAAA"))
    for record in aliases:
        if record["name"] in sites:
            assert record["alias"]["name"].startswith("${aws_cloudfront_distribution.")
            assert record["alias"]["zone_id"].endswith(".hosted_zone_id}")
    # The apex serves the Lang Portal: its distribution answers for the bare domain too.
    assert distributions(edge)[HOSTS["lang-portal"]]["aliases"] == [HOSTS["lang-portal"], DOMAIN]
    assert distributions(edge)[HOSTS["haiku"]]["aliases"] == [HOSTS["haiku"]]


def test_hosted_ui_custom_domain_after_the_apex_record(portal):
    edge = portal["edge"]
    domain = one(edge, "aws_cognito_user_pool_domain")
    assert domain["domain"] == f"auth.{DOMAIN}"
    assert domain["certificate_arn"].startswith("${aws_acm_certificate_validation.")
    assert "prod-portal-auth" in domain["user_pool_id"]
    # Cognito refuses a custom domain until its parent domain has an A record.
    apex = {k for k, r in resources(edge, "aws_route53_record").items() if r["name"] == DOMAIN}
    assert set(domain["depends_on"]) == {f"aws_route53_record.{k}" for k in apex}
    auth = [r for r in values(edge, "aws_route53_record") if r["name"] == f"auth.{DOMAIN}"]
    assert {r["alias"]["name"] for r in auth} == {
        "${aws_cognito_user_pool_domain.auth_custom_domain.cloudfront_distribution}"}
    assert {r["alias"]["zone_id"] for r in auth} == {
        "${aws_cognito_user_pool_domain.auth_custom_domain.cloudfront_distribution_zone_id}"}
    assert edge["output"]["hosted_ui_url"]["value"] == f"https://auth.{DOMAIN}"
    # The prefix domain of the auth part stays.
    assert one(portal["auth"], "aws_cognito_user_pool_domain")["domain"] == "genai-bootcamp"


def test_bucket_and_key_grant_cloudfront_the_site_prefixes_only(portal):
    storage, network = portal["storage"], portal["network"]
    bucket_policies = {resources(storage, "aws_s3_bucket")[ref_id(p["bucket"])]["bucket"]: p
                       for p in values(storage, "aws_s3_bucket_policy")}
    frontend = {s["sid"]: s for s in statements(
        storage, bucket_policies["genai-bootcamp-frontend-assets"]["policy"])}
    grant = frontend["CloudFrontReadsSites"]
    assert grant["actions"] == ["s3:GetObject"]
    assert grant["resources"] == [f"arn:aws:s3:::genai-bootcamp-frontend-assets/{s.prefix}/*"
                                  for s in catalog.SITES]
    assert grant["principals"] == [{"type": "Service",
                                    "identifiers": ["cloudfront.amazonaws.com"]}]
    conditions = {c["variable"]: c["values"] for c in grant["condition"]}
    assert conditions["aws:SourceArn"] == [
        f"arn:aws:cloudfront::{conditions['aws:SourceAccount'][0]}:distribution/*"]
    logs = {s["sid"]: s for s in statements(
        storage, bucket_policies["genai-bootcamp-logs"]["policy"])}
    delivery = logs["CloudFrontAccessLogsDelivery"]
    assert delivery["principals"][0]["identifiers"] == ["delivery.logs.amazonaws.com"]
    assert any(c["variable"] == "aws:SourceArn" and ":delivery-source:" in c["values"][0]
               for c in delivery["condition"])
    # The artifact bucket of the cicd part logs its access to the logs bucket too.
    access = next(c for c in logs["S3ServerAccessLogsDelivery"]["condition"]
                  if c["variable"] == "aws:SourceArn")
    assert "arn:aws:s3:::genai-bootcamp-pipeline-artifacts" in access["values"]
    key_policy = next(d for d in data_sources(network, "aws_iam_policy_document").values()
                      if any(s.get("sid") == "CloudFrontDecryptsSites" for s in d["statement"]))
    decrypt = next(s for s in key_policy["statement"] if s.get("sid") == "CloudFrontDecryptsSites")
    assert decrypt["actions"] == ["kms:Decrypt"]


@pytest.mark.terraform
def test_planned_edge(pipeline_runs):
    run = pipeline_runs["prod-portal-edge"]
    assert run.error is None, run.error
    planned = {}
    for change in run.plan["resource_changes"]:
        planned.setdefault(change["type"], []).append(change["change"]["after"])
    assert len(planned["aws_cloudfront_distribution"]) == 2
    for d in planned["aws_cloudfront_distribution"]:
        assert d["viewer_certificate"][0]["minimum_protocol_version"] == "TLSv1.2_2021"
        assert d["default_cache_behavior"][0]["viewer_protocol_policy"] == "redirect-to-https"
    (acl,) = planned["aws_wafv2_web_acl"]
    assert acl["scope"] == "CLOUDFRONT"
    (domain,) = planned["aws_cognito_user_pool_domain"]
    assert domain["domain"] == "auth.app-dw.net"
    assert not run.gate.failed, [(f.check_id, f.resource) for f in run.gate.failed]
    suppressed = {s.check_id for _, s in run.gate.suppressed}
    # TLS, WAF, default root object and the headers policy pass without excuse.
    assert not suppressed & {"CKV_AWS_68", "CKV_AWS_174", "CKV_AWS_305", "CKV2_AWS_32",
                             "CKV2_AWS_42"}
