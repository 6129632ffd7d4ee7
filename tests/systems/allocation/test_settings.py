"""Bad `[systems.allocation]` settings: one line naming the file, the field and what is
allowed, nothing written."""

from __future__ import annotations

import pytest

from tests.test_config import DEV, append, assert_rejected, config_dirs, replace  # noqa: F401

F = "systems.allocation"
MALFORMED = [
    ("nat-unknown", replace(r'^nat_gateways = "single"', 'nat_gateways = "none"'),
     f"{F}.network.nat_gateways", "per_zone"),
    ("two-zones", replace(r'^nat_gateways = "single"',
                          'nat_gateways = "single"\navailability_zones = ["a", "b"]'),
     f"{F}.network.availability_zones", "at least 3"),
    ("cidr-not-16", replace(r'^nat_gateways = "single"',
                            'nat_gateways = "single"\ncidr = "10.20.0.0/20"'),
     f"{F}.network.cidr", "/16"),
    ("capacity-reversed", replace(r"^deletion_protection = false\n\n\[systems.allocation.storage\]",
                                  "deletion_protection = false\njobs_min_capacity = 200\n\n"
                                  "[systems.allocation.storage]"),
     f"{F}.tables", "jobs_min_capacity must not exceed jobs_max_capacity"),
    ("backup-region-unknown", replace(r"^replicate_model_artifacts = false",
                                      'replicate_model_artifacts = false\nbackup_region = "mars-1"'),
     f"{F}.storage.backup_region", "region"),
    ("bad-origin", replace(r"^replicate_model_artifacts = false",
                           'replicate_model_artifacts = false\ncors_allow_origins = ["app.example.com"]'),
     f"{F}.storage.cors_allow_origins.0", "origin"),
    ("log-retention-unknown", append(f"[{F}.functions]\nlog_retention_days = 2000"),
     f"{F}.functions.log_retention_days", "2557"),
    ("error-rate-zero", append(f"[{F}.alarms]\nerror_rate_percent = 0"),
     f"{F}.alarms.error_rate_percent", "greater than 0"),
    ("unknown-field", append(f"[{F}.api]\ncache_ttl = 300"), f"{F}.api.cache_ttl", "cache_ttl_seconds"),
    ("websocket-ttl-short", append(f"[{F}.websocket]\nconnection_ttl_minutes = 60"),
     f"{F}.websocket.connection_ttl_minutes", "greater than or equal to 121"),
    ("sampling-rate-above-one", append(f"[{F}.tracing]\nfixed_rate = 1.5"),
     f"{F}.tracing.fixed_rate", "less than or equal to 1"),
    ("anomaly-threshold-zero", append(f"[{F}.costs]\nanomaly_threshold_usd = 0"),
     f"{F}.costs.anomaly_threshold_usd", "greater than 0"),
    ("cdn-domain-with-scheme", replace(r'^domain_name = "allocation-dev.example.com"',
                                       'domain_name = "https://allocation-dev.example.com"'),
     f"{F}.cdn.domain_name", "lowercase DNS name"),
    ("cdn-zone-id-malformed", replace(r'^domain_name = "allocation-dev.example.com"',
                                      'domain_name = "allocation-dev.example.com"\n'
                                      'hosted_zone_id = "zone-1"'),
     f"{F}.cdn.hosted_zone_id", "Route 53 zone id"),
    ("cicd-approval-not-a-target", replace(r"^approval_before = \[\]", 'approval_before = ["prod"]'),
     f"{F}.cicd", "approval_before names prod, which is not in targets"),
    ("cicd-target-without-role", replace(r'^targets = \["dev"\]', 'targets = ["dev", "staging"]'),
     f"{F}.cicd", "deployer_roles has no role for staging"),
    ("cicd-role-not-an-arn", replace(r"^deployer_roles = .*$", 'deployer_roles = { dev = "deployer" }'),
     f"{F}.cicd.deployer_roles.dev", "IAM role ARN"),
    ("cicd-target-without-the-system", replace(
        r"^targets = \[\"dev\"\]\n(.*\n)*?deployer_roles = .*$",
        'targets = ["dev", "staging"]\napproval_before = ["staging"]\ndeployer_roles = { '
        'dev = "arn:aws:iam::618048437522:role/d", staging = "arn:aws:iam::618048437522:role/s" }'),
     f"{F}.cicd.targets", "staging.toml must exist and select \\[systems.allocation\\]"),
    ("cicd-without-repository", replace(r'^repository = "platform-team/bedrock-agents-iac"', ""),
     f"{F}.cicd", "repository is required"),
    ("budget-not-a-number", append(f"[{F}.costs]\nmonthly_budget_usd = \"lots\""),
     f"{F}.costs.monthly_budget_usd", "integer"),
]


@pytest.mark.parametrize("case,mutate,field,words", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_allocation_settings_are_rejected_without_output(case, mutate, field, words,
                                                                  config_dirs, capsys):  # noqa: F811
    (config_dirs["envs"] / "dev.toml").write_text(mutate(DEV))
    assert_rejected(capsys, config_dirs["outdir"], "dev.toml", field, words)
