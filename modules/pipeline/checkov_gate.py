"""The checkov gate: scan synthesized JSON and plan JSON, apply per-resource suppressions.

A finding fails the gate unless a suppression of the same stack names its check id and
resource. A suppression that matched no finding in either scan also fails the gate, so stale
excuses cannot pile up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from modules.pipeline.terraform import ToolMissing
from modules.suppressions import Suppression

_INDEX = re.compile(r"\[[^\]]*\]$")
# Keys checkov adds to every parsed block. Its secrets check (CKV_AWS_45) scans them as if they
# were environment variables, and flags the scanned file's own path when that path looks like a
# high-entropy string, so the verdict depends on where the repository is checked out.
_CHECKOV_METADATA_KEYS = frozenset({
    "__file__", "__startline__", "__endline__", "start_line", "end_line", "__address__",
    "__change_actions__", "__change_keys__",
})


@dataclass(frozen=True)
class Finding:
    check_id: str
    check_name: str
    resource: str
    scan: str  # terraform_json or terraform_plan
    #: First and last line in the scanned file (the synthesized JSON or the plan JSON).
    lines: tuple[int, int] | None = field(default=None, compare=False)

    @property
    def target(self) -> tuple[str, str]:
        return resource_target(self.resource)


@dataclass
class GateResult:
    stack: str
    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, Suppression]] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)
    #: Failures that only concern checkov's own metadata (see _CHECKOV_METADATA_KEYS).
    artifacts: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unused


def resource_target(address: str) -> tuple[str, str]:
    """Normalize checkov's resource names to (kind, logical id).

    checkov names CDKTF JSON resources `resource.<id>` (single-resource checks) or
    `<type>.<id>` (graph checks and plans), and data sources `data.<id>`; suppressions are
    declared as `<type>.<id>` / `data.<type>.<id>`.
    """
    parts = _INDEX.sub("", address).split(".")
    kind = "data" if parts[0] == "data" else "resource"
    return kind, parts[-1]


def is_metadata_artifact(failed_check: dict) -> bool:
    """True when every key the check evaluated is checkov's metadata, not configuration."""
    keys = (failed_check.get("check_result") or {}).get("evaluated_keys") or []
    return bool(keys) and all(key.rsplit("/", 1)[-1] in _CHECKOV_METADATA_KEYS for key in keys)


def checkov_binary() -> str:
    candidate = Path(sys.executable).with_name("checkov")
    found = str(candidate) if candidate.exists() else shutil.which("checkov")
    if not found:
        raise ToolMissing("checkov is not installed; run the README set-up command")
    return found


def run_checkov(files: list[Path]) -> list[dict]:
    """One checkov process for all files (startup dominates its run time); JSON reports."""
    args = [checkov_binary(), "--skip-download", "--compact", "-o", "json",
            "--framework", "terraform_json", "terraform_plan"]
    for path in files:
        args += ["-f", str(path)]
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed (exit {result.returncode}): {result.stderr[-2000:]}")
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def evaluate(stack: str, stack_files: set[Path], reports: list[dict],
             suppressions: list[Suppression]) -> GateResult:
    """Apply one stack's suppressions to the findings in that stack's files."""
    wanted = {str(p.resolve()) for p in stack_files}
    result = GateResult(stack=stack)
    used: set[Suppression] = set()
    by_key = {(s.scan, s.check_id, *resource_target(s.address)): s for s in suppressions}
    for report in reports:
        scan = report.get("check_type", "?")
        results = report.get("results", {})
        for passed in results.get("passed_checks", []):
            if passed.get("file_abs_path") in wanted:
                result.passed += 1
        for failed in results.get("failed_checks", []):
            if failed.get("file_abs_path") not in wanted:
                continue
            line_range = failed.get("file_line_range") or []
            finding = Finding(failed["check_id"], failed.get("check_name", ""),
                              failed["resource"], scan,
                              lines=tuple(line_range[:2]) if len(line_range) >= 2 else None)
            if is_metadata_artifact(failed):
                result.artifacts.append(finding)
                continue
            suppression = (by_key.get((scan, finding.check_id, *finding.target))
                           or by_key.get((None, finding.check_id, *finding.target)))
            if suppression:
                used.add(suppression)
                result.suppressed.append((finding, suppression))
            else:
                result.failed.append(finding)
    result.unused = [s for s in suppressions if s not in used]
    return result


def load_suppressions(stack_dir: Path) -> list[Suppression]:
    path = stack_dir / "suppressions.json"
    if not path.exists():
        return []
    return [Suppression(**item) for item in json.loads(path.read_text())]
