"""synth -> offline plan (which validates the configuration; `terraform validate` first only for
a stack with import blocks, which the plan leaves out) -> destroy guard + checkov gate, with a
per-stack summary.

    python -m modules.pipeline.run [--only dev | --only dev-scheduling] [--skip-synth] [--outdir cdktf.out]
        [--state STACK=PATH] [--allow-destroy [STACK:]ADDRESS] [--sarif PATH] [--junit PATH]

Each stack is copied to `build/pipeline/<stack>/` so the synthesized output is never modified;
the copy gets an override file with a local backend and the provider's skip flags (and, for a
stack that reads another stack's outputs, placeholder values for them: modules/pipeline/
remote_state.py), and runs with fake credentials as environment variables. Nothing contacts AWS.

Without `--state` a plan starts from an empty state and only creates. `--state STACK=PATH` plans
that stack against a state file (e.g. `terraform state pull > dev.tfstate`), without refreshing
it, so the destroy guard sees the deletes and replacements the configuration would cause.
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

from modules.adoption import strip_imports
from modules.pipeline.checkov_gate import GateResult, evaluate, load_suppressions, run_checkov
from modules.pipeline.destroy_guard import GuardResult, guard_plan, unused_allowances
from modules.pipeline.gate_reports import write_junit, write_sarif
from modules.pipeline.remote_state import offline_remote_state
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


def offline_override(config: dict) -> dict:
    """OFFLINE_OVERRIDE with the same skip flags for every aliased provider of the stack (a
    second region, us-east-1 for CloudFront certificates): an override provider block applies
    to the configuration's block of the same alias only."""
    flags = OFFLINE_OVERRIDE["provider"]["aws"][0]
    aliases = sorted({p["alias"] for p in config.get("provider", {}).get("aws", []) if p.get("alias")})
    return {**OFFLINE_OVERRIDE,
            "provider": {"aws": [flags, *({**flags, "alias": a} for a in aliases)]}}


class UsageError(ValueError):
    """A command-line value that names nothing (exit 2)."""


@dataclass
class StackRun:
    name: str
    workdir: Path
    seconds: dict[str, float] = field(default_factory=dict)
    plan: dict | None = None
    gate: GateResult | None = None
    guard: GuardResult | None = None
    error: str | None = None
    #: The synthesized stack folder (`<outdir>/stacks/<name>`), which reports point at.
    stack_dir: Path | None = None
    #: Import blocks (`main.py --adopt`) that were validated but left out of the offline plan.
    imports: list[dict] = field(default_factory=list)

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
        return (self.error is None and self.gate is not None and self.gate.ok
                and (self.guard is None or self.guard.ok))


def prepare_workdir(stack_dir: Path, workdir: Path) -> None:
    """Copy the synthesized stack, keeping only Terraform's plugin links from earlier runs."""
    workdir.mkdir(parents=True, exist_ok=True)
    for entry in workdir.iterdir():
        if entry.name in _KEEP:
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(stack_dir, workdir, dirs_exist_ok=True)


def validate_and_plan(run: StackRun, stack_dir: Path, region: str,
                      state: Path | None = None) -> None:
    """`state`: a Terraform state file to plan against (copied in; never refreshed)."""
    env = {**OFFLINE_AWS_ENV, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    started = time.monotonic()
    prepare_workdir(stack_dir, run.workdir)  # also removes the state of an earlier run
    if state is not None:
        shutil.copyfile(state, run.workdir / "terraform.tfstate")
    if "import" in json.loads((stack_dir / "cdk.tf.json").read_text()):
        # Import blocks are validated here, then left out: importing reads the real object,
        # which an offline plan cannot. Without them, `plan` validates the configuration itself.
        run_terraform(["init", "-backend=false", "-input=false", "-no-color"], run.workdir, env)
        run_terraform(["validate", "-no-color"], run.workdir, env)
        run.imports = strip_imports(run.workdir / "cdk.tf.json")
    run.seconds["validate"] = time.monotonic() - started
    started = time.monotonic()
    # Remote states (another part's outputs) read placeholders: S3 is out of reach offline.
    remote, files = offline_remote_state(json.loads((stack_dir / "cdk.tf.json").read_text()),
                                         stack_dir.parent)
    for relative, content in files.items():
        (run.workdir / relative).parent.mkdir(parents=True, exist_ok=True)
        (run.workdir / relative).write_text(content)
    override = offline_override(json.loads((stack_dir / "cdk.tf.json").read_text()))
    (run.workdir / OVERRIDE_FILE).write_text(json.dumps({**override, **remote}, indent=2))
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
                 workroot: Path | None = None, allow_destroy: list[str] | tuple[str, ...] = (),
                 states: dict[str, Path] | None = None) -> list[StackRun]:
    """`allow_destroy`: `--allow-destroy` values; `states`: stack name -> state file."""
    stacks_root = outdir / "stacks"
    names = sorted(p.name for p in stacks_root.iterdir() if (p / "cdk.tf.json").exists())
    names = [n for n in names if selects(n, only)]
    unknown = sorted(set(states or {}) - set(names))
    if unknown:
        raise UsageError(f"--state names stack(s) not selected or not synthesized: "
                         f"{', '.join(unknown)}")
    workroot = workroot or BUILD_DIR / "pipeline"
    runs = [StackRun(name, workroot / name, stack_dir=stacks_root / name) for name in names]

    def one(run: StackRun) -> None:
        progress(f"[{run.name}] terraform init + validate + offline plan ...")
        try:
            validate_and_plan(run, stacks_root / run.name, stack_region(stacks_root / run.name),
                              (states or {}).get(run.name))
            run.guard = guard_plan(run.name, run.plan or {}, allow_destroy)
            counts = run.counts()
            progress(f"[{run.name}] valid; plan: {counts['create']} to add, "
                     f"{counts['update']} to change, {counts['delete']} to destroy "
                     f"({run.seconds['validate'] + run.seconds['plan']:.1f} s)"
                     + (f"; {len(run.imports)} import block(s) validated, not planned offline "
                        "(an import reads the real object)" if run.imports else ""))
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


def format_report(runs: list[StackRun], allow_destroy: list[str] | tuple[str, ...] = ()) -> str:
    """Details first (errors, guarded deletes and replacements, findings, suppressions with
    reasons), then the per-stack table and a one-line verdict, so the summary is what stays on
    screen."""
    lines: list[str] = []
    for run in runs:
        if run.error:
            lines.append(f"[{run.name}] terraform error:\n{run.error}\n")
        for change in (run.guard.changes if run.guard else []):
            verdict = ("allowed by --allow-destroy" if change.allowed
                       else f"REFUSED: pass --allow-destroy {change.flag_value} to allow it")
            lines.append(f"[{run.name}] DESTROY GUARD {change.describe()}: {verdict}")
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
    lines += [f"note: --allow-destroy {value} matched no delete or replacement of a stateful "
              "resource" for value in unused_allowances(allow_destroy,
                                                          [r.guard for r in runs if r.guard])]
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
    refused = [c.flag_value for r in runs if r.guard for c in r.guard.refused]
    detail = ", ".join(failed) + (f"; destroy not allowed: {', '.join(refused)}" if refused else "")
    lines.append(f"verdict: FAILED ({detail})" if failed
                 else f"verdict: ok, {len(runs)} stack(s) valid, planned and gated")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate, plan (offline) and checkov-gate stacks.")
    parser.add_argument("--only", action="append", default=[], metavar="STACK",
                        help="limit to a stack (dev-scheduling, state-backend) or an environment's "
                             "stacks (dev); repeatable")
    parser.add_argument("--skip-synth", action="store_true", help="use the existing --outdir")
    parser.add_argument("--outdir", default="cdktf.out")
    parser.add_argument("--workroot", type=Path, default=None, metavar="DIR",
                        help="where each stack is copied, validated and planned "
                             "(default: build/pipeline)")
    parser.add_argument("--allow-destroy", action="append", default=[], metavar="[STACK:]ADDRESS",
                        help="allow the plan to delete or replace this stateful resource (exact "
                             "address, e.g. aws_dynamodb_table.table_x; STACK: limits it to one "
                             "stack); repeatable")
    parser.add_argument("--state", action="append", default=[], metavar="STACK=PATH",
                        help="plan STACK against this state file instead of an empty state "
                             "(not refreshed; nothing contacts AWS); repeatable")
    parser.add_argument("--sarif", type=Path, metavar="PATH",
                        help="write the gate's findings as SARIF 2.1.0")
    parser.add_argument("--junit", type=Path, metavar="PATH",
                        help="write the gate's findings as JUnit XML (one testsuite per stack)")
    args = parser.parse_args(argv)
    outdir = Path(args.outdir)
    states: dict[str, Path] = {}
    for value in args.state:
        stack, sep, path = value.partition("=")
        if not sep or not stack or not path:
            parser.error(f"--state {value!r}: expected STACK=PATH")
        if not Path(path).is_file():
            parser.error(f"--state {value!r}: {path} is not a file")
        states[stack] = Path(path)
    try:
        terraform_binary()  # a missing or wrong Terraform is one line, before any work
        if not args.skip_synth:
            print("synthesizing ...", file=sys.stderr)
            code = synthesize(outdir, args.only)
            if code != 0:
                return code
        runs = run_pipeline(outdir, only=args.only or None, allow_destroy=args.allow_destroy,
                            states=states, workroot=args.workroot)
    except ToolMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not runs:
        print(f"error: no stacks found in {outdir}/stacks", file=sys.stderr)
        return 2
    if args.sarif:
        write_sarif(runs, args.sarif)
    if args.junit:
        write_junit(runs, args.junit)
    print(format_report(runs, args.allow_destroy))
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
