"""Every synthesized stack passes terraform validate, an offline plan and the checkov gate;
the gate fails on an unexcused finding; the summary ends with the table and a verdict."""

from __future__ import annotations

import subprocess
import sys

import pytest

from modules.backend import load_backend_settings
from modules.config import REPO_ROOT
from modules.pipeline.run import format_report

pytestmark = pytest.mark.terraform


def planned(run, resource_type: str) -> list[dict]:
    return [c for c in run.plan["resource_changes"] if c["type"] == resource_type]


def test_every_stack_validates_and_plans(pipeline_runs, stacks):
    assert sorted(pipeline_runs) == sorted(stacks)
    for name, run in pipeline_runs.items():
        assert run.error is None, run.error
        counts = run.counts()
        assert counts["update"] == 0 and counts["delete"] == 0
        assert counts["create"] == sum(len(v) for v in stacks[name]["resource"].values()), name
    assert pipeline_runs["state-backend"].counts()["create"] == 10


def test_checkov_gate_passes_with_every_suppression_explained(pipeline_runs):
    for name, run in pipeline_runs.items():
        assert run.gate is not None
        assert run.gate.passed > 50, name
        assert not run.gate.failed, [(f.check_id, f.resource) for f in run.gate.failed]
        assert not run.gate.unused, run.gate.unused
        for _, suppression in run.gate.suppressed:
            assert len(suppression.reason) >= 10


def test_report_ends_with_the_table_and_a_verdict(pipeline_runs):
    report = format_report(list(pipeline_runs.values())).splitlines()
    assert report[-1] == f"verdict: ok, {len(pipeline_runs)} stack(s) valid, planned and gated"
    table = report[-2 - len(pipeline_runs):-1]
    assert table[0].split() == ["stack", "add", "change", "destroy", "checks", "passed", "failed",
                                "suppressed", "result"]
    assert [line.split()[0] for line in table[1:]] == list(pipeline_runs)
    assert any("suppressions applied" in line for line in report[:-len(table)])


def test_gate_catches_a_finding_nobody_excused(pipeline_runs):
    """The same scan fails once the schema bucket's suppressions are dropped."""
    from modules.pipeline.checkov_gate import evaluate, load_suppressions, run_checkov

    run = pipeline_runs["dev-scheduling"]
    suppressions = [s for s in load_suppressions(run.workdir) if "schemas_bucket" not in s.address]
    reports = run_checkov([run.workdir / "cdk.tf.json", run.plan_file])
    result = evaluate(run.name, {run.workdir / "cdk.tf.json", run.plan_file}, reports, suppressions)
    assert {f.check_id for f in result.failed} == {"CKV_AWS_18", "CKV_AWS_144", "CKV2_AWS_62"}
    assert format_report([run]).splitlines()[-1] == f"verdict: ok, 1 stack(s) valid, planned and gated"
    run.gate, saved = result, run.gate
    try:
        assert format_report([run]).splitlines()[-1] == f"verdict: FAILED ({run.name})"
    finally:
        run.gate = saved


def test_bootstrap_plan_creates_what_the_backend_file_names(pipeline_runs):
    (bucket,) = planned(pipeline_runs["state-backend"], "aws_s3_bucket")
    assert bucket["change"]["after"]["bucket"] == load_backend_settings().bucket


def test_pipeline_command_exit_codes(tmp_path):
    """A bad --only is exit 2 (from synthesis); an empty output folder is exit 2, not 0."""
    bad = subprocess.run([sys.executable, "-m", "modules.pipeline.run", "--only", "nope",
                          "--outdir", str(tmp_path / "out")], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "nope" in bad.stderr
    (tmp_path / "empty" / "stacks").mkdir(parents=True)
    empty = subprocess.run([sys.executable, "-m", "modules.pipeline.run", "--skip-synth",
                            "--outdir", str(tmp_path / "empty")], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=120)
    assert empty.returncode == 2 and "no stacks" in empty.stderr


def test_pipeline_exits_1_when_the_gate_fails(synth_dir, tmp_path):
    """`python -m modules.pipeline.run` must not exit 0 when a finding is unexcused."""
    import json
    import shutil

    outdir = tmp_path / "out"
    shutil.copytree(synth_dir / "stacks" / "state-backend", outdir / "stacks" / "state-backend")
    path = outdir / "stacks" / "state-backend" / "suppressions.json"
    kept = [s for s in json.loads(path.read_text()) if s["check_id"] != "CKV_AWS_18"]
    path.write_text(json.dumps(kept))
    result = subprocess.run([sys.executable, "-m", "modules.pipeline.run", "--skip-synth",
                             "--outdir", str(outdir)], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=600, env={**__import__("os").environ,
                                                         "PF_BUILD_DIR": str(tmp_path / "build")})
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "verdict: FAILED (state-backend)"
    assert "FAILED CKV_AWS_18" in result.stdout


def test_a_bad_terraform_path_is_one_line(synth_dir, tmp_path):
    import os
    import shutil

    shutil.copytree(synth_dir / "stacks" / "state-backend", tmp_path / "stacks" / "state-backend")
    result = subprocess.run([sys.executable, "-m", "modules.pipeline.run", "--skip-synth",
                             "--outdir", str(tmp_path)], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120,
                            env={**os.environ, "PF_TERRAFORM": str(tmp_path / "no-terraform")})
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"error: PF_TERRAFORM={tmp_path / 'no-terraform'} is not an executable file; point it at "
        "a Terraform >= 1.10 binary or unset it to use the one on PATH"]


def test_an_invalid_configuration_fails_the_plan_step(parts_demo_dir, tmp_path):
    """Without import blocks the plan is the validation: an unknown argument still fails."""
    import json
    import shutil

    from modules.pipeline.run import StackRun, validate_and_plan
    from modules.pipeline.terraform import TerraformFailed
    from tests.conftest import terraform_available

    terraform_available()
    stack_dir = tmp_path / "dev-demo-network"
    shutil.copytree(parts_demo_dir / "stacks" / "dev-demo-network", stack_dir)
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    config["resource"]["aws_ssm_parameter"]["source"]["no_such_argument"] = "x"
    (stack_dir / "cdk.tf.json").write_text(json.dumps(config))
    run = StackRun("dev-demo-network", tmp_path / "work", stack_dir=stack_dir)
    with pytest.raises(TerraformFailed, match="no_such_argument"):
        validate_and_plan(run, stack_dir, "us-east-1")
    assert run.plan is None


def test_every_aliased_provider_gets_the_offline_flags():
    from modules.pipeline.run import OFFLINE_OVERRIDE, offline_override

    config = {"provider": {"aws": [{"region": "us-east-1"},
                                   {"alias": "us_west_2", "region": "us-west-2"}]}}
    providers = offline_override(config)["provider"]["aws"]
    flags = OFFLINE_OVERRIDE["provider"]["aws"][0]
    assert providers == [flags, {**flags, "alias": "us_west_2"}]
    assert offline_override({"provider": {"aws": [{}]}})["provider"]["aws"] == [flags]
