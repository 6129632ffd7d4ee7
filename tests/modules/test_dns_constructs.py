"""DnsCertificate, HostedZone and ApiDomain alone: static validation records, query logging
and DNSSEC in us-east-1, latency and failover records following a health check."""

from __future__ import annotations

import pytest

from modules.api_domain import ApiDomain, ApiDomainProps
from modules.certificate import CertificateProps, DnsCertificate
from modules.hosted_zone import HostedZone, HostedZoneProps
from tests.conftest import one, synth_construct

ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def stack() -> dict:
    def build(scope):
        zone = HostedZone(scope, "dns", HostedZoneProps(
            zone_name="shop.example.com", account_id=ACCOUNT,
            query_log_group_name="/aws/route53/shop.example.com", log_kms_key_arn=None,
            dnssec_key_alias="alias/shop-dnssec"))
        cert = DnsCertificate(scope, "cert", CertificateProps(
            domain_name="api.shop.example.com", alternative_names=("health.shop.example.com",),
            zone_id=zone.zone_id))
        ApiDomain(scope, "domain", ApiDomainProps(
            zone_id=zone.zone_id, api_host="api.shop.example.com",
            health_host="health.shop.example.com", certificate_arn=cert.certificate_arn,
            rest_api_id="abc123", stage_name="prod", region="us-east-1"))
    return synth_construct(build)


def test_one_validation_record_per_name_keyed_statically(stack):
    records = [r for r in stack["resource"]["aws_route53_record"].values() if "records" in r]
    assert len(records) == 2
    for record, name in zip(records, ("api.shop.example.com", "health.shop.example.com")):
        assert f'o.domain_name == "{name}"' in record["name"]
        assert record["allow_overwrite"] is True and "for_each" not in record
    validation = one(stack, "aws_acm_certificate_validation")
    assert len(validation["validation_record_fqdns"]) == 2
    certificate = one(stack, "aws_acm_certificate")
    assert certificate["validation_method"] == "DNS"
    assert certificate["lifecycle"] == {"create_before_destroy": True}


def test_query_logs_and_dnssec(stack):
    group = one(stack, "aws_cloudwatch_log_group")
    assert group["name"] == "/aws/route53/shop.example.com"
    assert one(stack, "aws_route53_query_log")["depends_on"]
    key = one(stack, "aws_kms_key")
    assert (key["customer_master_key_spec"], key["key_usage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert one(stack, "aws_route53_key_signing_key")["name"] == "shop_example_com"
    assert one(stack, "aws_route53_hosted_zone_dnssec")


def test_the_domains_health_check_and_routed_records(stack):
    domains = stack["resource"]["aws_api_gateway_domain_name"].values()
    assert all(d["security_policy"] == "TLS_1_2" and d["endpoint_configuration"] == {"types": ["REGIONAL"]}
               for d in domains)
    check = one(stack, "aws_route53_health_check")
    assert check["fqdn"] == "abc123.execute-api.us-east-1.amazonaws.com"
    assert check["resource_path"] == "/prod/health" and check["type"] == "HTTPS"
    assert check["regions"] == ["us-east-1", "us-west-1", "us-west-2"]
    routed = {r["name"]: r for r in stack["resource"]["aws_route53_record"].values() if "alias" in r}
    api, health = routed["api.shop.example.com"], routed["health.shop.example.com"]
    assert api["latency_routing_policy"] == {"region": "us-east-1"}
    assert health["failover_routing_policy"] == {"type": "PRIMARY"}
    assert health["set_identifier"] == "us-east-1-primary"
    assert all(r["alias"]["evaluate_target_health"] is True for r in (api, health))


@pytest.mark.parametrize(("change", "message"), [
    ({"failover_role": "BACKUP"}, "failover_role"),
    ({"check_interval_seconds": 60}, "check_interval"),
    ({"checker_regions": ("us-east-1",)}, "3 checker regions"),
    ({"health_path": "health"}, "health_path"),
])
def test_bad_domain_props_are_refused(change, message):
    base = dict(zone_id="Z1", api_host="a", health_host="h", certificate_arn="c",
                rest_api_id="r", stage_name="s", region="us-east-1")
    with pytest.raises(ValueError, match=message):
        ApiDomainProps(**{**base, **change})
