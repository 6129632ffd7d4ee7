"""modules/redis_cache.py alone: replication group defaults, IAM-only users, the connect grant."""

from __future__ import annotations

import pytest

from modules.redis_cache import RedisCache, RedisCacheProps
from tests.conftest import one, resources, synth_construct

ACCOUNT, REGION = "111122223333", "eu-west-1"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/c"


def build(**props):
    captured = {}

    def add(stack):
        cache = RedisCache(stack, "cache", RedisCacheProps(
            replication_group_id="t-cache", app_user="t-app", subnet_ids=("subnet-1", "subnet-2"),
            security_group_ids=("sg-1",), availability_zones=("eu-west-1a", "eu-west-1b"),
            kms_key_arn=KEY, account_id=ACCOUNT, region=REGION, **props))
        captured["connect"] = cache.connect_statements()
    return synth_construct(add), captured["connect"]


@pytest.fixture(scope="module")
def default():
    return build()


def test_defaults(default):
    stack, _ = default
    group = one(stack, "aws_elasticache_replication_group")
    assert group["engine"] == "redis" and group["engine_version"] == "7.0"
    assert group["node_type"] == "cache.t4g.micro" and group["num_cache_clusters"] == 2
    assert group["automatic_failover_enabled"] is True and group["multi_az_enabled"] is True
    assert group["transit_encryption_enabled"] is True and group["kms_key_id"] == KEY
    assert group["snapshot_retention_limit"] == 7 and "auth_token" not in group
    assert len(group["user_group_ids"]) == 1
    logs = {g["name"] for g in resources(stack, "aws_cloudwatch_log_group").values()}
    assert logs == {"/aws/elasticache/t-cache/slow-log", "/aws/elasticache/t-cache/engine-log"}
    user_group = one(stack, "aws_elasticache_user_group")
    assert user_group["user_group_id"] == "t-cache-users" and len(user_group["user_ids"]) == 2


def test_only_the_iam_user_can_connect(default):
    stack, (statement,) = default
    users = {u["user_name"]: u for u in resources(stack, "aws_elasticache_user").values()}
    assert users["default"]["access_string"] == "off -@all"
    assert users["t-app"]["authentication_mode"] == {"type": "iam"}
    assert not any("passwords" in u for u in users.values())
    assert statement.actions == ("elasticache:Connect",)
    assert statement.resources == (
        f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:t-cache",
        f"arn:aws:elasticache:{REGION}:{ACCOUNT}:user:t-app")


def test_replicas_need_zones():
    with pytest.raises(ValueError, match="need as many zones"):
        build(replicas=2)
