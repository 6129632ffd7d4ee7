"""Running Terraform: a run past its time limit is interrupted like Ctrl-C (so Terraform saves
its state and releases the lock), and the error ends with what it was still doing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from modules.pipeline import terraform
from modules.pipeline.terraform import TerraformFailed, run_terraform

FAKE = """#!/usr/bin/env python3
import signal, sys, time
def interrupted(*_):
    print("Interrupt received. Gracefully shutting down...", flush=True)
    open(sys.argv[0] + ".interrupted", "w").write("yes")
    sys.exit(1)
signal.signal(signal.SIGINT, interrupted)
print("aws_cloudfront_distribution.cdn: Still creating... [10s elapsed]", flush=True)
time.sleep(float(sys.argv[-1]))
print("done", flush=True)
"""


@pytest.fixture
def fake_terraform(tmp_path, monkeypatch) -> Path:
    binary = tmp_path / "terraform"
    binary.write_text(FAKE)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(terraform.TERRAFORM_ENV, str(binary))
    return binary


def test_a_run_past_its_limit_is_interrupted_and_says_what_it_was_doing(fake_terraform, tmp_path):
    with pytest.raises(TerraformFailed) as raised:
        run_terraform(["apply", "30"], tmp_path, timeout=1)
    message = str(raised.value)
    assert "Still creating" in message and "Gracefully shutting down" in message
    assert "stopped: no result after 1 s" in message
    assert Path(f"{fake_terraform}.interrupted").read_text() == "yes"


def test_a_run_within_its_limit_returns_its_output(fake_terraform, tmp_path):
    result = run_terraform(["apply", "0"], tmp_path, timeout=30)
    assert result.returncode == 0 and result.stdout.strip().endswith("done")
