"""modules/rds_proxy.py: TLS and IAM required, pool settings, one cluster target, and a role
that reads only the master secret."""

from __future__ import annotations

import pytest

from modules.rds_proxy import ProxyPool, RdsProxy, RdsProxyProps
from tests.conftest import data_sources, one, synth_construct

SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-1"


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: RdsProxy(s, "proxy", RdsProxyProps(
        name="t-proxy", role_name="t-proxy-role", cluster_identifier="t-aurora",
        secret_arn=SECRET, secret_kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/k",
        subnet_ids=("s1", "s2"), security_group_ids=("sg",), account_id="111122223333",
        region="us-east-1", pool=ProxyPool(idle_client_timeout=900))))


def test_proxy_settings(stack):
    proxy = one(stack, "aws_db_proxy")
    assert proxy["require_tls"] is True and proxy["idle_client_timeout"] == 900
    assert proxy["auth"] == [{"auth_scheme": "SECRETS", "iam_auth": "REQUIRED",
                              "secret_arn": SECRET,
                              "description": "Master secret; clients use IAM"}]
    assert proxy["vpc_subnet_ids"] == ["s1", "s2"]
    group = one(stack, "aws_db_proxy_default_target_group")
    assert group["connection_pool_config"] == {"max_connections_percent": 100,
                                               "connection_borrow_timeout": 120}
    assert one(stack, "aws_db_proxy_target")["db_cluster_identifier"] == "t-aurora"


def test_role_reads_only_the_secret(stack):
    documents = data_sources(stack, "aws_iam_policy_document")
    policy = next(d for n, d in documents.items() if n.startswith("proxy_policy_document"))
    found = {s["sid"]: s for s in policy["statement"]}
    assert found["ReadMasterSecret"]["resources"] == [SECRET]
    assert found["DecryptMasterSecret"]["condition"][0]["values"] == [
        "secretsmanager.us-east-1.amazonaws.com"]
    trust = next(d for n, d in documents.items() if n.startswith("proxy_trust"))
    assert trust["statement"][0]["principals"][0]["identifiers"] == ["rds.amazonaws.com"]


@pytest.mark.parametrize("field,value", [("idle_client_timeout", 0),
                                         ("max_connections_percent", 101),
                                         ("connection_borrow_timeout", 3601)])
def test_pool_bounds(field, value):
    with pytest.raises(ValueError, match=field):
        ProxyPool(**{field: value})
