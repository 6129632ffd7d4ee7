"""Bad `[systems.compliance]` settings: one line naming the file, the field and what is allowed,
nothing written; and a second env file selecting the baseline in the same account is refused
(the account-level services exist once per account)."""

from __future__ import annotations

import pytest

from tests.test_config import DEV, append, assert_rejected, config_dirs, replace  # noqa: F401

F = "systems.compliance"
MALFORMED = [
    ("lock-mode-unknown", replace(r'^lock_mode = "GOVERNANCE"', 'lock_mode = "LEGAL_HOLD"'),
     f"{F}.trail.lock_mode", "GOVERNANCE"),
    ("retention-not-a-log-value", replace(r'^lock_mode = "GOVERNANCE"',
                                          'lock_mode = "GOVERNANCE"\nretention_days = 2500'),
     f"{F}.trail.retention_days", "2557"),
    ("short-password", append(f"[{F}.password]\nminimum_length = 8"),
     f"{F}.password.minimum_length", "14"),
    ("password-age-too-long", append(f"[{F}.password]\nmax_age_days = 365"),
     f"{F}.password.max_age_days", "90"),
    ("unknown-standard", append(f'[{F}.detection]\nstandards = ["pci"]'),
     f"{F}.detection.standards.0", "cis-1.4.0"),
    ("no-standard", append(f"[{F}.detection]\nstandards = []"),
     f"{F}.detection.standards", "at least 1"),
    ("unknown-disabled-rule", append(f'[{F}.recorder]\ndisabled_rules = ["no-such-rule"]'),
     f"{F}.recorder.disabled_rules", "not rules of the control table"),
    ("bad-alert-email", append(f'[{F}.alerts]\nemail_subscriptions = ["security"]'),
     f"{F}.alerts.email_subscriptions.0", "email address"),
    ("glacier-after-expiry", replace(r'^lock_mode = "GOVERNANCE"',
                                     'lock_mode = "GOVERNANCE"\nglacier_days = 3000'),
     f"{F}.trail", "glacier_days must be below retention_days"),
]


@pytest.mark.parametrize("case,mutate,field,words", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_compliance_settings_are_rejected_without_output(case, mutate, field, words,
                                                                  config_dirs, capsys):  # noqa: F811
    (config_dirs["envs"] / "dev.toml").write_text(mutate(DEV))
    assert_rejected(capsys, config_dirs["outdir"], "dev.toml", field, words)


def test_second_baseline_in_one_account_is_refused(config_dirs, capsys):  # noqa: F811
    """staging shares dev's account: selecting the baseline there too is refused early."""
    staging = config_dirs["envs"] / "staging.toml"
    staging.write_text(staging.read_text() + "\n[systems.compliance]\n")
    err = assert_rejected(capsys, config_dirs["outdir"], "staging.toml", F, "one per account")
    assert "618048437522" in err and "dev-compliance" in err
