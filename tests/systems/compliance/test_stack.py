"""The compliance baseline's synthesized stack against the specification's checkable facts:
multi-region trail with validation and Insights into a locked, encrypted, access-logged
bucket; 2557-day logs; rotating key; Config with the control table's rules; Security Hub (CIS),
GuardDuty, Access Analyzer, Macie; the password policy; account-wide S3 and EBS settings;
alerts; backup."""

from __future__ import annotations

import json

from systems.compliance.controls import load_controls, rule_names
from tests.conftest import data_sources, one, policy_statements, resources, trust_of


def by_name(stack: dict, resource_type: str, field: str = "name") -> dict[str, dict]:
    return {body[field]: body for body in resources(stack, resource_type).values()}


def test_multi_region_trail_with_validation_and_insights(compliance_dev):
    trail = one(compliance_dev, "aws_cloudtrail")
    assert trail["name"] == "pf-audit-trail-dev"
    assert trail["is_multi_region_trail"] is True and trail["enable_log_file_validation"] is True
    assert trail["include_global_service_events"] is True
    assert [s["insight_type"] for s in trail["insight_selector"]] == [
        "ApiCallRateInsight", "ApiErrorRateInsight"]
    assert trail["kms_key_id"].startswith("${aws_kms_key.")
    assert trail["cloud_watch_logs_group_arn"].startswith("${aws_cloudwatch_log_group.")
    buckets = by_name(compliance_dev, "aws_s3_bucket", "bucket")
    key = next(k for k, b in resources(compliance_dev, "aws_s3_bucket").items()
               if b["bucket"] == "pf-cloudtrail-dev-618048437522")
    assert trail["s3_bucket_name"] == f"${{aws_s3_bucket.{key}.bucket}}"
    assert buckets["pf-cloudtrail-dev-618048437522"]["object_lock_enabled"] is True


def test_trail_bucket_is_locked_encrypted_logged_and_only_cloudtrail_writes(compliance_dev, compliance_prod):
    for stack, mode in ((compliance_dev, "GOVERNANCE"), (compliance_prod, "COMPLIANCE")):
        rule = one(stack, "aws_s3_bucket_object_lock_configuration")["rule"]
        assert rule["default_retention"] == {"mode": mode, "days": 2557}
    logging = one(compliance_dev, "aws_s3_bucket_logging")
    assert logging["target_bucket"].startswith("${aws_s3_bucket_policy.access_logs_bucket_policy")
    trail_policy = next(p for p in resources(compliance_dev, "aws_s3_bucket_policy").values()
                        if "trail_bucket" in p["bucket"])
    statements = {s.get("sid"): s for s in policy_statements(compliance_dev, trail_policy["policy"])}
    write = statements["CloudTrailWrite"]
    assert write["principals"] == [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}]
    assert write["resources"] == ["arn:aws:s3:::pf-cloudtrail-dev-618048437522/AWSLogs/618048437522/*"]
    assert {"test": "StringEquals", "variable": "aws:SourceArn", "values": [
        "arn:aws:cloudtrail:us-east-1:618048437522:trail/pf-audit-trail-dev"]} in write["condition"]


def test_every_bucket_versioned_encrypted_private_and_account_block(compliance_dev):
    buckets = resources(compliance_dev, "aws_s3_bucket")
    assert len(buckets) == 2
    for kind in ("aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block",
                 "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_policy"):
        assert len(resources(compliance_dev, kind)) == 2, kind
    algorithms = sorted(c["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"]
                        for c in resources(compliance_dev,
                                           "aws_s3_bucket_server_side_encryption_configuration").values())
    # The access-log bucket: S3 server access logging refuses SSE-KMS targets.
    assert algorithms == ["AES256", "aws:kms"]
    block = one(compliance_dev, "aws_s3_account_public_access_block")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy",
                                          "ignore_public_acls", "restrict_public_buckets"))


def test_logs_kept_seven_years_and_key_rotates(compliance_dev):
    groups = resources(compliance_dev, "aws_cloudwatch_log_group")
    assert groups and {g["retention_in_days"] for g in groups.values()} == {2557}
    assert all(g["kms_key_id"].startswith("${aws_kms_key.") for g in groups.values())
    assert one(compliance_dev, "aws_kms_key")["enable_key_rotation"] is True
    assert one(compliance_dev, "aws_kms_alias")["name"] == "alias/pf-compliance-dev"


def test_config_recorder_channel_and_table_rules(compliance_dev):
    recorder = one(compliance_dev, "aws_config_configuration_recorder")
    assert recorder["name"] == "default"
    assert recorder["recording_group"] == {"all_supported": True,
                                           "include_global_resource_types": True}
    channel = one(compliance_dev, "aws_config_delivery_channel")
    assert channel["s3_key_prefix"] == "config" and channel["s3_kms_key_arn"].startswith("${aws_kms_key.")
    assert one(compliance_dev, "aws_config_configuration_recorder_status")["is_enabled"] is True
    rules = by_name(compliance_dev, "aws_config_config_rule")
    assert sorted(rules) == sorted(f"pf-soc2-{n}" for n in rule_names(load_controls()))
    password = json.loads(rules["pf-soc2-iam-password-policy"]["input_parameters"])
    assert (password["MinimumPasswordLength"], password["MaxPasswordAge"]) == ("14", "90")
    retention = json.loads(rules["pf-soc2-cw-loggroup-retention-period-check"]["input_parameters"])
    assert retention == {"MinRetentionTime": "2557"}
    assert trust_of(compliance_dev, "pf-config-recorder-dev")["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["618048437522"]}]


def test_detective_services_enabled(compliance_dev):
    hub = one(compliance_dev, "aws_securityhub_account")
    assert hub["enable_default_standards"] is False
    (standard,) = resources(compliance_dev, "aws_securityhub_standards_subscription").values()
    assert standard["standards_arn"] == ("arn:aws:securityhub:us-east-1::standards/"
                                         "cis-aws-foundations-benchmark/v/1.4.0")
    assert one(compliance_dev, "aws_guardduty_detector")["enable"] is True
    features = {f["name"] for f in resources(compliance_dev, "aws_guardduty_detector_feature").values()}
    assert features == {"S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "LAMBDA_NETWORK_LOGS"}
    analyzer = one(compliance_dev, "aws_accessanalyzer_analyzer")
    assert (analyzer["analyzer_name"], analyzer["type"]) == ("pf-access-analyzer-dev", "ACCOUNT")
    assert one(compliance_dev, "aws_macie2_account")["status"] == "ENABLED"


def test_password_policy_and_ebs_encryption(compliance_dev):
    policy = one(compliance_dev, "aws_iam_account_password_policy")
    assert policy["minimum_password_length"] >= 14 and policy["max_password_age"] == 90
    assert all(policy[k] is True for k in ("require_lowercase_characters", "require_numbers",
                                           "require_symbols", "require_uppercase_characters"))
    assert one(compliance_dev, "aws_ebs_encryption_by_default")["enabled"] is True


def test_alert_rules_reach_the_encrypted_topic(compliance_dev, compliance_prod):
    topic = one(compliance_dev, "aws_sns_topic")
    assert topic["name"] == "pf-security-alerts-dev" and topic["kms_master_key_id"]
    rules = by_name(compliance_dev, "aws_cloudwatch_event_rule")
    assert sorted(rules) == sorted(f"pf-compliance-{p}-dev" for p in (
        "securityhub-findings", "guardduty-findings", "root-login", "config-noncompliant"))
    root = json.loads(rules["pf-compliance-root-login-dev"]["event_pattern"])
    assert root["detail"]["userIdentity"]["type"] == ["Root"]
    guardduty = json.loads(rules["pf-compliance-guardduty-findings-dev"]["event_pattern"])
    assert guardduty["detail"]["severity"] == [{"numeric": [">=", 4]}]
    targets = resources(compliance_dev, "aws_cloudwatch_event_target").values()
    assert len(targets) == 4 and all(t["arn"].startswith("${aws_sns_topic.") for t in targets)
    topic_policy = one(compliance_dev, "aws_sns_topic_policy")
    statements = {s.get("sid"): s for s in policy_statements(compliance_dev, topic_policy["policy"])}
    assert statements["AllowPublishFromService0"]["principals"][0]["identifiers"] == [
        "events.amazonaws.com"]
    assert {"test": "ArnLike", "variable": "aws:SourceArn", "values": [
        "arn:aws:events:us-east-1:618048437522:rule/pf-compliance-*-dev"]} in \
        statements["AllowPublishFromService0"]["condition"]
    subscription = one(compliance_prod, "aws_sns_topic_subscription")
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "security@example.com")


def test_backup_plan_selects_tagged_resources(compliance_dev):
    (rule,) = one(compliance_dev, "aws_backup_plan")["rule"]
    assert rule["lifecycle"] == {"delete_after": 35}
    selection = one(compliance_dev, "aws_backup_selection")
    assert selection["selection_tag"] == [{"type": "STRINGEQUALS", "key": "Backup", "value": "true"}]
    assert "resources" not in selection
    assert one(compliance_dev, "aws_backup_vault")["kms_key_arn"].startswith("${aws_kms_key.")


def test_prod_keeps_keys_and_buckets(compliance_dev, compliance_prod):
    def protected(stack):
        return {body.get("lifecycle", {}).get("prevent_destroy", False)
                for kind in ("aws_kms_key", "aws_s3_bucket") for body in resources(stack, kind).values()}
    assert protected(compliance_prod) == {True} and protected(compliance_dev) == {False}


def test_policies_are_documents_not_strings(compliance_dev):
    assert data_sources(compliance_dev, "aws_iam_policy_document")
    for policy in resources(compliance_dev, "aws_iam_role_policy").values():
        assert policy["policy"].startswith("${data.aws_iam_policy_document.")
