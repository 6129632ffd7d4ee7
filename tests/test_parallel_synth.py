"""Synthesis in worker processes (modules/pipeline/parallel_synth.py): the split keeps the stacks
that reference each other together and is the same in every worker; a bad configuration is one
message and no output. (That the output equals a single app's is tests/test_cdktf_cli.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modules.config import REPO_ROOT
from modules.pipeline.parallel_synth import (
    WEIGHTS_FILE,
    build_dir,
    default_jobs,
    partition,
    read_weights,
)

GROUPS = [["state-backend"], ["dev-scheduling"], ["prod-portal-network", "prod-portal-auth",
          "prod-portal-database"], ["dev-chatbot"], ["prod-org-a", "prod-org-b"]]


def test_partition_keeps_groups_whole_and_balances_by_stack_count():
    shares = partition(GROUPS, 2)
    assert sorted(sum(shares, [])) == sorted(sum(GROUPS, []))
    for group in GROUPS:
        assert sum(set(group) <= set(share) for share in shares) == 1, group
    assert sorted(len(share) for share in shares) == [4, 4]


def test_partition_is_the_same_in_every_worker_and_tolerates_idle_workers():
    assert partition(GROUPS, 3) == partition(list(GROUPS), 3)
    shares = partition([["state-backend"]], 2)
    assert shares == [["state-backend"], []]
    assert partition(GROUPS, 1) == [sum(sorted(GROUPS, key=len, reverse=True), [])]


def test_partition_weighs_groups_by_their_recorded_size():
    """One heavy stack outweighs a group of light parts; an unknown stack weighs the median."""
    weights = {"state-backend": 10, "dev-scheduling": 900, "prod-portal-network": 100,
               "prod-portal-auth": 20, "prod-portal-database": 80, "dev-chatbot": 300}
    shares = partition(GROUPS, 2, weights)
    assert shares[0] == ["dev-scheduling"]
    assert sorted(shares[1]) == sorted(s for g in GROUPS for s in g if s != "dev-scheduling")
    assert partition(GROUPS, 2, weights) == partition(list(GROUPS), 2, dict(weights))
    # "prod-org-a/b" are unknown: each weighs the median (100), the group 200
    assert partition([["prod-org-a", "prod-org-b"], ["dev-chatbot"]], 2, weights) == [
        ["dev-chatbot"], ["prod-org-a", "prod-org-b"]]
    assert partition(GROUPS, 2, {}) == partition(GROUPS, 2)  # no record: by stack count


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"dev": "big"}', '{"dev": -1}',
                                  '{"dev": true}'])
def test_an_unusable_weights_record_is_no_hint(text, tmp_path: Path):
    record = tmp_path / WEIGHTS_FILE
    record.write_text(text)
    assert read_weights(record) == {}
    assert read_weights(tmp_path / "missing.json") == {}
    record.write_text('{"dev-a": 12, "dev-b": 3.5}')
    assert read_weights(record) == {"dev-a": 12, "dev-b": 3.5}


def test_the_build_folder_follows_pf_build_dir(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PF_BUILD_DIR", str(tmp_path))
    assert build_dir() == tmp_path
    monkeypatch.delenv("PF_BUILD_DIR")
    assert build_dir() == REPO_ROOT / "build"


def test_a_parallel_synthesis_records_each_stacks_size(tmp_path: Path):
    """The sizes just written join the record; stacks not synthesized keep theirs."""
    build = tmp_path / "build"
    build.mkdir()
    (build / WEIGHTS_FILE).write_text('{"prod-portal-network": 4242}')
    outdir = tmp_path / "cdktf.out"
    result = subprocess.run(
        [sys.executable, "main.py", "--outdir", str(outdir), "--jobs", "2", "--only",
         "state-backend"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PF_BUILD_DIR": str(build)})
    assert result.returncode == 0, result.stderr
    size = (outdir / "stacks" / "state-backend" / "cdk.tf.json").stat().st_size
    assert read_weights(build / WEIGHTS_FILE) == {"prod-portal-network": 4242,
                                                  "state-backend": size}
    assert not (outdir / WEIGHTS_FILE).exists(), "the workers' copy stays out of the output"


@pytest.mark.parametrize("raw,expected", [("1", 1), ("3", 3), (" 2 ", 2)])
def test_jobs_from_the_environment(raw, expected, monkeypatch):
    monkeypatch.setenv("PF_SYNTH_JOBS", raw)
    assert default_jobs() == expected


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5"])
def test_bad_jobs_setting_names_the_variable(raw, monkeypatch):
    monkeypatch.setenv("PF_SYNTH_JOBS", raw)
    with pytest.raises(ValueError, match="PF_SYNTH_JOBS: got .*at least 1"):
        default_jobs()


def test_two_workers_report_a_bad_env_file_once_and_write_nothing(tmp_path: Path):
    envs = tmp_path / "envs"
    shutil.copytree(REPO_ROOT / "envs", envs)
    dev = envs / "dev.toml"
    dev.write_text(dev.read_text().replace('region = "us-east-1"', 'region = "moon-1"', 1))
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "dev-scheduling").mkdir(parents=True)
    (outdir / "stacks" / "dev-scheduling" / "cdk.tf.json").write_text('{"previous": "synth"}')
    result = subprocess.run(
        [sys.executable, "main.py", "--outdir", str(outdir), "--jobs", "2"], cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PF_ENVS_DIR": str(envs)})
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert "dev.toml: region: got 'moon-1'" in errors[0]
    assert (outdir / "stacks" / "dev-scheduling" / "cdk.tf.json").read_text() == '{"previous": "synth"}'
    assert not list(tmp_path.glob(".cdktf.out.tmp-*")), "a temporary synth folder was left"


def test_jobs_below_one_is_refused():
    result = subprocess.run([sys.executable, "main.py", "--jobs", "0"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--jobs must be at least 1, not 0" in result.stderr
