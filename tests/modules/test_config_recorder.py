"""modules/config_recorder.py alone: recorder, channel, status and managed rules, and a role
only AWS Config of this account assumes, delivering to one bucket prefix."""

from __future__ import annotations

import json

import pytest

from modules.config_recorder import CONFIG_ROLE_POLICY, ConfigRecorder, ConfigRecorderProps, ManagedRule
from tests.conftest import one, resources, statements_of, synth_construct, trust_of

KEY = "arn:aws:kms:us-east-1:111122223333:key/abc"
RULES = (ManagedRule("r-trail", "CLOUD_TRAIL_ENABLED"),
         ManagedRule("r-password", "IAM_PASSWORD_POLICY", (("MinimumPasswordLength", "14"),)))


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: ConfigRecorder(s, "config", ConfigRecorderProps(
        role_name="t-config", bucket_name="t-bucket", kms_key_arn=KEY, account_id="111122223333",
        region="us-east-1", rules=RULES)))


def test_recorder_channel_status_and_order(stack):
    recorder = one(stack, "aws_config_configuration_recorder")
    assert recorder["recording_group"]["all_supported"] is True
    channel = one(stack, "aws_config_delivery_channel")
    assert (channel["s3_bucket_name"], channel["s3_key_prefix"]) == ("t-bucket", "config")
    assert any(d.startswith("aws_config_configuration_recorder.") for d in channel["depends_on"])
    status = one(stack, "aws_config_configuration_recorder_status")
    assert status["is_enabled"] is True and status["depends_on"][0].startswith("aws_config_delivery_channel.")


def test_rules_are_managed_with_parameters(stack):
    rules = {r["name"]: r for r in resources(stack, "aws_config_config_rule").values()}
    assert rules["r-trail"]["source"] == {"owner": "AWS", "source_identifier": "CLOUD_TRAIL_ENABLED"}
    assert "input_parameters" not in rules["r-trail"]
    assert json.loads(rules["r-password"]["input_parameters"]) == {"MinimumPasswordLength": "14"}
    assert all(r["depends_on"][0].startswith("aws_config_configuration_recorder_status.")
               for r in rules.values())


def test_role_reads_through_managed_policy_and_delivers_to_its_prefix(stack):
    assert trust_of(stack, "t-config")["principals"] == [
        {"type": "Service", "identifiers": ["config.amazonaws.com"]}]
    assert one(stack, "aws_iam_role_policy_attachment")["policy_arn"] == CONFIG_ROLE_POLICY
    statements = statements_of(stack, "t-config")
    assert statements["DeliverSnapshots"]["resources"] == [
        "arn:aws:s3:::t-bucket/config/AWSLogs/111122223333/*"]
    assert statements["EncryptSnapshots"]["condition"][0]["values"] == ["s3.us-east-1.amazonaws.com"]


@pytest.mark.parametrize("rule,words", [
    (lambda: ManagedRule("bad name", "X"), "config rule name"),
    (lambda: ManagedRule("ok", "lower"), "identifier"),
    (lambda: ConfigRecorderProps("r", "b", KEY, "1", "us-east-1", rules=RULES + RULES[:1]), "unique"),
    (lambda: ConfigRecorderProps("r", "b", KEY, "1", "us-east-1", snapshot_frequency="Daily"),
     "snapshot_frequency"),
])
def test_bad_props_are_refused(rule, words):
    with pytest.raises(ValueError, match=words):
        rule()
