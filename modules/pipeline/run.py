"""synth -> terraform init/validate -> offline plan -> checkov gate, with a per-stack summary.

    python -m modules.pipeline.run [--only dev | --only dev-scheduling] [--skip-synth] [--outdir cdktf.out]

Each stack is copied to `build/pipeline/<stack>/` so the synthesized output is never modified;
the copy gets an override file with a local backend and the provider's skip flags, and runs
with fake credentials as environment variables. Nothing contacts AWS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from modules.pipeline.checkov_gate import GateResult, evaluate, load_suppressions, run_checkov
from modules.pipeline.synth import selects, synthesize
from modules.pipeline.terraform import (BUILD_DIR, TerraformFailed, ToolMissing, run_terraform,
                                        terraform_binary)

# Fake credentials only ever reach the provider through the environment (CKV_AWS_41).
OFFLINE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "offline-plan-not-a-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PROFILE": "",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}
OVERRIDE_FILE = "zz_offline_override.tf.json"
OFFLINE_OVERRIDE = {
    "terraform": {"backend": {"local": {"path": "terraform.tfstate"}}},
    "provider": {"aws": [{
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        # The account cannot be read offline, so the account guard is lifted for plans only.
        "allowed_account_ids": None,
    }]},
}
_KEEP = {".terraform", ".terraform.lock.hcl"}


@dataclass
class StackRun:
    name: str
    workdir: Path
    seconds: dict[str, float] = field(default_factory=dict)
    plan: dict | None = None
    gate: GateResult | None = None
    error: str | None = None

    @property
    def plan_file(self) -> Path:
        return self.workdir / "plan.json"

    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0}
        for change in (self.plan or {}).get("resource_changes", []):
            for action in change["change"]["actions"]:
                if action in counts:
                    counts[action] += 1
        return counts

    @property
    def ok(self) -> bool:
        return self.error is None and self.gate is not None and self.gate.ok


def prepare_workdir(stack_dir: Path, workdir: Path) -> None:
    """Copy the synthesized stack, keeping only Terraform's plugin links from earlier runs."""
    workdir.mkdir(parents=True, exist_ok=True)
    for entry in workdir.iterdir():
        if entry.name in _KEEP:
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(stack_dir, workdir, dirs_exist_ok=True)


def validate_and_plan(run: StackRun, stack_dir: Path, region: str) -> None:
    env = {**OFFLINE_AWS_ENV, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    started = time.monotonic()
    prepare_workdir(stack_dir, run.workdir)
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], run.workdir, env)
    run_terraform(["validate", "-no-color"], run.workdir, env)
    run.seconds["validate"] = time.monotonic() - started
    started = time.monotonic()
    (run.workdir / OVERRIDE_FILE).write_text(json.dumps(OFFLINE_OVERRIDE, indent=2))
    run_terraform(["init", "-reconfigure", "-input=false", "-no-color"], run.workdir, env)
    run_terraform(["plan", "-input=false", "-lock=false", "-refresh=false", "-no-color",
                   "-out=plan.bin"], run.workdir, env)
    shown = run_terraform(["show", "-json", "plan.bin"], run.workdir, env)
    run.plan_file.write_text(shown.stdout)
    run.plan = json.loads(shown.stdout)
    run.seconds["plan"] = time.monotonic() - started


def stack_region(stack_dir: Path) -> str:
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    return config["provider"]["aws"][0]["region"]


def run_pipeline(outdir: Path, only: list[str] | None = None,
                 progress: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
                 workroot: Path | None = None) -> list[StackRun]:
    stacks_root = outdir / "stacks"
    names = sorted(p.name for p in stacks_root.iterdir() if (p / "cdk.tf.json").exists())
    names = [n for n in names if selects(n, only)]
    workroot = workroot or BUILD_DIR / "pipeline"
    runs = [StackRun(name, workroot / name) for name in names]

    def one(run: StackRun) -> None:
        progress(f"[{run.name}] terraform init + validate + offline plan ...")
        try:
            validate_and_plan(run, stacks_root / run.name, stack_region(stacks_root / run.name))
            counts = run.counts()
            progress(f"[{run.name}] valid; plan: {counts['create']} to add, "
                     f"{counts['update']} to change, {counts['delete']} to destroy "
                     f"({run.seconds['validate'] + run.seconds['plan']:.1f} s)")
        except TerraformFailed as exc:
            run.error = str(exc)
            progress(f"[{run.name}] FAILED: {exc}")

    # Two stacks at a time: Terraform is mostly single-threaded and machines have 2 cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, runs))

    planned = [r for r in runs if r.plan is not None]
    if planned:
        progress(f"checkov: scanning {len(planned)} stack(s), synthesized JSON and plan JSON ...")
        started = time.monotonic()
        files = [p for r in planned for p in (r.workdir / "cdk.tf.json", r.plan_file)]
        reports = run_checkov(files)
        for run in planned:
            run.gate = evaluate(run.name, {run.workdir / "cdk.tf.json", run.plan_file}, reports,
                                load_suppressions(stacks_root / run.name))
        progress(f"checkov: done ({time.monotonic() - started:.1f} s)")
    return runs


def format_report(runs: list[StackRun]) -> str:
    """Details first (errors, findings, suppressions with reasons), then the per-stack table and
    a one-line verdict, so the summary is what stays on screen."""
    lines: list[str] = []
    for run in runs:
        if run.error:
            lines.append(f"[{run.name}] terraform error:\n{run.error}\n")
        if not run.gate:
            continue
        applied = sorted({(s.check_id, s.address, s.scan or "both scans", s.reason)
                          for _, s in run.gate.suppressed})
        if applied:
            lines.append(f"[{run.name}] suppressions applied:")
            lines += [f"  {check} {address} ({scan}): {reason}"
                      for check, address, scan, reason in applied]
        for finding in run.gate.artifacts:
            lines.append(f"[{run.name}] ignored {finding.check_id} {finding.resource} "
                         f"({finding.scan}): it evaluated only checkov's own file metadata")
        for finding in run.gate.failed:
            lines.append(f"[{run.name}] FAILED {finding.check_id} {finding.resource} "
                         f"({finding.scan}): {finding.check_name}")
        for suppression in run.gate.unused:
            lines.append(f"[{run.name}] UNUSED SUPPRESSION {suppression.check_id} on "
                         f"{suppression.address}: it matched no finding; remove it")
    width = max([len("stack"), *(len(r.name) for r in runs)]) + 2
    lines.append("")
    lines.append(f"{'stack':<{width}}{'add':>5}{'change':>8}{'destroy':>9}{'checks passed':>15}"
                 f"{'failed':>8}{'suppressed':>12}  result")
    for run in runs:
        counts = run.counts()
        gate = run.gate
        lines.append(
            f"{run.name:<{width}}{counts['create']:>5}{counts['update']:>8}{counts['delete']:>9}"
            f"{gate.passed if gate else 0:>15}{len(gate.failed) if gate else 0:>8}"
            f"{len(gate.suppressed) if gate else 0:>12}  {'ok' if run.ok else 'FAILED'}"
        )
    failed = [r.name for r in runs if not r.ok]
    lines.append(f"verdict: FAILED ({', '.join(failed)})" if failed
                 else f"verdict: ok, {len(runs)} stack(s) valid, planned and gated")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate, plan (offline) and checkov-gate stacks.")
    parser.add_argument("--only", action="append", default=[], metavar="STACK",
                        help="limit to a stack (dev-scheduling, state-backend) or an environment's "
                             "stacks (dev); repeatable")
    parser.add_argument("--skip-synth", action="store_true", help="use the existing --outdir")
    parser.add_argument("--outdir", default="cdktf.out")
    args = parser.parse_args(argv)
    outdir = Path(args.outdir)
    try:
        terraform_binary()  # a missing or wrong Terraform is one line, before any work
        if not args.skip_synth:
            print("synthesizing ...", file=sys.stderr)
            code = synthesize(outdir, args.only)
            if code != 0:
                return code
        runs = run_pipeline(outdir, only=args.only or None)
    except ToolMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    if not runs:
        print(f"error: no stacks found in {outdir}/stacks", file=sys.stderr)
        return 2
    print(format_report(runs))
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
