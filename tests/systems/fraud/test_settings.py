"""Bad `[systems.fraud]` settings: one line naming the file, the field and what is allowed, and
nothing written (the same check as tests/test_config.py, on this system's fields)."""

from __future__ import annotations

import pytest

from tests.test_config import DEV, append, assert_rejected, config_dirs, replace  # noqa: F401

F = "systems.fraud"
MALFORMED = [
    ("lock-mode-unknown", replace(r'^audit_lock_mode = "GOVERNANCE"', 'audit_lock_mode = "LEGAL_HOLD"'),
     f"{F}.storage.audit_lock_mode", "GOVERNANCE"),
    ("standby-as-string", replace(r"^standby_replicas = false", 'standby_replicas = "no"'),
     f"{F}.agent.standby_replicas", "boolean"),
    ("unknown-agent-field", replace(r"^standby_replicas = false", "standby_replica = false"),
     f"{F}.agent.standby_replica", "standby_replicas"),
    ("stream-retention-too-short", append(f"[{F}.streams]\ntransactions_retention_hours = 12"),
     f"{F}.streams.transactions_retention_hours", "24"),
    ("review-above-block", append(f"[{F}.detection]\nreview_score = 0.9"),
     f"{F}.detection", "review_score must be below block_score"),
    ("country-lowercase", append(f'[{F}.detection]\nhigh_risk_countries = ["ru"]'),
     f"{F}.detection.high_risk_countries.0", "alpha-2"),
    ("bad-email", append(f'[{F}.alarms]\nemail_subscriptions = ["ops"]'),
     f"{F}.alarms.email_subscriptions.0", "email address"),
    ("unknown-table", append(f"[{F}.agents]\nalias_name = \"v1\""), f"{F}.agents", "agent"),
    ("embedding-dimensions", replace(r"^standby_replicas = false",
                                     "standby_replicas = false\nembedding_dimensions = 1000"),
     f"{F}.agent.embedding_dimensions", "1024"),
    ("log-retention-unknown", replace(r'^log_level = "DEBUG"\n\n\[systems.fraud.storage\]',
                                      'log_level = "DEBUG"\nlog_retention_days = 100\n\n[systems.fraud.storage]'),
     f"{F}.functions.log_retention_days", "365"),
]


@pytest.mark.parametrize("case,mutate,field,words", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_fraud_settings_are_rejected_without_output(case, mutate, field, words,
                                                             config_dirs, capsys):  # noqa: F811
    (config_dirs["envs"] / "dev.toml").write_text(mutate(DEV))
    assert_rejected(capsys, config_dirs["outdir"], "dev.toml", field, words)
