"""modules/topic.py alone: TLS-only topic policy, publishers limited to the listed roles and this
account's alarms, email endpoints inline, https URLs only through an SSM parameter name."""

from __future__ import annotations

import json

import pytest

from modules.topic import Subscription, Topic, TopicProps
from tests.conftest import data_sources, one, policy_statements, resources, synth_construct

ACCOUNT, REGION = "111122223333", "eu-west-1"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
ROLE = "arn:aws:iam::111122223333:role/pf-dev-notifier"
ALARMS = [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]},
          {"test": "ArnLike", "variable": "aws:SourceArn",
           "values": [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"]}]


def build(**fields):
    captured = {}

    def add(stack):
        topic = Topic(stack, "alerts", TopicProps(**{
            "name": "pf-dev-alerts", "kms_key_arn": None, "account_id": ACCOUNT, "region": REGION,
            **fields}))
        captured.update(publish=topic.publish_statements(), arn=topic.topic_arn)
    stack = synth_construct(add)
    policy = one(stack, "aws_sns_topic_policy")
    return stack, {s["sid"]: s for s in policy_statements(stack, policy["policy"])}, captured


@pytest.fixture(scope="module")
def plain():
    return build()


@pytest.fixture(scope="module")
def full():
    return build(kms_key_arn=KEY, publisher_role_arns=(ROLE,), display_name="PF alerts",
                 grant_id="Alerts", subscriptions=(
                     Subscription("email", endpoint="ops@example.com"),
                     Subscription("https", endpoint_parameter="/pf/dev/alerts/webhook-url")))


def test_defaults_unencrypted_topic_alarms_only_tls_only(plain):
    stack, statements, captured = plain
    topic = one(stack, "aws_sns_topic")
    assert topic == {"name": "pf-dev-alerts"}
    assert one(stack, "aws_sns_topic_policy")["arn"].endswith(".arn}")
    assert list(statements) == ["DenyInsecureTransport", "AllowPublishFromOwnAlarms",
                                "DenyPublishFromOthers"]
    tls = statements["DenyInsecureTransport"]
    assert tls["effect"] == "Deny" and "SNS:Publish" in tls["actions"] and len(tls["actions"]) == 8
    assert tls["principals"] == [{"type": "*", "identifiers": ["*"]}]
    assert tls["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    alarms = statements["AllowPublishFromOwnAlarms"]
    assert alarms["actions"] == ["SNS:Publish"]
    assert alarms["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert alarms["condition"] == ALARMS
    others = statements["DenyPublishFromOthers"]
    assert others["effect"] == "Deny" and others["actions"] == ["SNS:Publish"]
    assert others["condition"] == [{"test": "StringNotEqualsIfExists",
                                    "variable": "aws:PrincipalServiceName",
                                    "values": ["cloudwatch.amazonaws.com"]}]
    assert "aws_sns_topic_subscription" not in stack["resource"]
    assert "data" not in stack or "aws_ssm_parameter" not in stack["data"]
    (publish,) = captured["publish"]
    assert (publish.sid, publish.actions, publish.resources) == (
        "PublishTopic", ("sns:Publish",), (captured["arn"],))


def test_roles_publish_from_this_account_and_everyone_else_is_denied(full):
    _, statements, _ = full
    roles = statements["AllowPublishFromRoles"]
    assert roles["principals"] == [{"type": "AWS", "identifiers": [ROLE]}]
    assert roles["condition"] == [
        {"test": "StringEquals", "variable": "aws:PrincipalAccount", "values": [ACCOUNT]}]
    assert statements["DenyPublishFromOthers"]["condition"] == [
        {"test": "StringNotEqualsIfExists", "variable": "aws:PrincipalArn", "values": [ROLE]},
        {"test": "StringNotEqualsIfExists", "variable": "aws:PrincipalServiceName",
         "values": ["cloudwatch.amazonaws.com"]}]


def test_customer_key_and_publish_grant_through_sns(full):
    stack, _, captured = full
    topic = one(stack, "aws_sns_topic")
    assert topic["kms_master_key_id"] == KEY and topic["display_name"] == "PF alerts"
    publish, encrypt = captured["publish"]
    assert publish.sid == "PublishAlerts"
    assert encrypt.sid == "EncryptPublishAlerts" and encrypt.resources == (KEY,)
    assert encrypt.actions == ("kms:GenerateDataKey*", "kms:Decrypt")
    assert encrypt.conditions == (("StringEquals", "kms:ViaService", ("sns.eu-west-1.amazonaws.com",)),)


def test_https_url_is_read_from_ssm_and_never_written_into_the_json(full):
    stack, _, _ = full
    subscriptions = {s["protocol"]: s for s in resources(stack, "aws_sns_topic_subscription").values()}
    assert subscriptions["email"]["endpoint"] == "ops@example.com"
    (name, parameter), = data_sources(stack, "aws_ssm_parameter").items()
    assert parameter["name"] == "/pf/dev/alerts/webhook-url" and parameter["with_decryption"] is True
    assert parameter["depends_on"] == [f"aws_sns_topic.{next(iter(resources(stack, 'aws_sns_topic')))}"]
    assert subscriptions["https"]["endpoint"] == f"${{data.aws_ssm_parameter.{name}.value}}"
    assert "https://" not in json.dumps(stack)


def test_key_policy_statements_let_this_accounts_alarms_use_the_key():
    (statement,) = Topic.key_policy_statements(ACCOUNT, REGION)
    assert statement.principals == (("Service", ("cloudwatch.amazonaws.com",)),)
    assert statement.actions == ("kms:Decrypt", "kms:GenerateDataKey*")
    assert [{"test": t, "variable": v, "values": list(x)} for t, v, x in statement.conditions] == ALARMS


@pytest.mark.parametrize("make, message", [
    (lambda: Subscription("email", endpoint="not-an-address"), "needs an address"),
    (lambda: Subscription("https", endpoint="https://hooks.example.com/T0/B0/secret"),
     "never the URL itself"),
    (lambda: Subscription("https"), "endpoint_parameter"),
    (lambda: Subscription("sms", endpoint="+100"), "protocol 'sms'"),
    (lambda: TopicProps(name="t", kms_key_arn=None, account_id=ACCOUNT, region=REGION,
                        allow_cloudwatch_alarms=False), "has no publisher"),
])
def test_refused_subscriptions_and_topics_without_publishers(make, message):
    with pytest.raises(ValueError, match=message):
        make()
