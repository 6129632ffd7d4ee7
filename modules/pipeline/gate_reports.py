"""Machine-readable reports of a pipeline run: SARIF 2.1.0 and JUnit XML.

    python -m modules.pipeline.run --sarif build/gate.sarif --junit build/gate.xml

SARIF: one run, tool "checkov gate"; a result per checkov finding (rule id = check id), located
in the stack's synthesized `cdk.tf.json` (with its line range for findings of the JSON scan)
and logically at the resource address; suppressed findings carry
`suppressions: [{"kind": "external", "justification": <reason>}]`. The gate's own verdicts are
results too, so a failing run never uploads as clean: `gate/unused-suppression`,
`gate/destroy-guard` (a delete or replacement of a stateful resource; allowed ones suppressed
with the `--allow-destroy` value) and `gate/terraform` (validate or plan failed).

JUnit: one testsuite per stack, one testcase per finding (failure when unsuppressed, skipped
with the reason when suppressed), one per guarded change and unused suppression, an error
testcase when Terraform failed, and one passing testcase counting the checks that passed.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from modules.pipeline.checkov_gate import Finding, resource_target

if TYPE_CHECKING:
    from modules.pipeline.run import StackRun

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
TOOL_NAME = "checkov gate"
GATE_RULES = {
    "gate/unused-suppression": "A suppression matched no finding in either scan; remove it",
    "gate/destroy-guard": "The plan deletes or replaces a stateful resource",
    "gate/terraform": "terraform validate or the offline plan failed",
}
METADATA_REASON = ("evaluated only checkov's own file metadata, not the configuration "
                   "(checkov_gate._CHECKOV_METADATA_KEYS)")


def resource_address(checkov_resource: str, config: dict | None) -> str:
    """checkov's resource name (`resource.<id>`, `<type>.<id>`, `data.<id>`) as the Terraform
    address `<type>.<id>` / `data.<type>.<id>`, looked up in the stack's configuration."""
    kind, logical_id = resource_target(checkov_resource)
    blocks = (config or {}).get("data" if kind == "data" else "resource", {})
    for block_type, by_id in blocks.items():
        if logical_id in by_id:
            return f"data.{block_type}.{logical_id}" if kind == "data" else f"{block_type}.{logical_id}"
    return checkov_resource


def _stack_file(run: "StackRun") -> Path:
    return (run.stack_dir or run.workdir) / "cdk.tf.json"


def _config(run: "StackRun") -> dict | None:
    try:
        return json.loads(_stack_file(run).read_text())
    except (OSError, ValueError):
        return None


class _Location:
    """The artifact URI of a stack file: relative to the base directory when inside it."""

    def __init__(self, base: Path) -> None:
        self.base = base.resolve()

    def artifact(self, path: Path) -> dict:
        resolved = path.resolve()
        try:
            return {"uri": resolved.relative_to(self.base).as_posix(), "uriBaseId": "SRCROOT"}
        except ValueError:
            return {"uri": resolved.as_uri()}


def _finding_entries(run: "StackRun") -> Iterable[tuple[Finding, str | None, str | None]]:
    """(finding, suppression reason or None, how it was suppressed) for one stack."""
    if not run.gate:
        return
    for finding in run.gate.failed:
        yield finding, None, None
    for finding, suppression in run.gate.suppressed:
        yield finding, suppression.reason, "suppression"
    for finding in run.gate.artifacts:
        yield finding, METADATA_REASON, "metadata"


def to_sarif(runs: list["StackRun"], base_dir: Path | None = None) -> dict:
    base = _Location(base_dir or Path.cwd())
    rules: dict[str, dict] = {}
    results: list[dict] = []

    def rule_index(rule_id: str, description: str) -> int:
        if rule_id not in rules:
            rules[rule_id] = {"id": rule_id, "shortDescription": {"text": description or rule_id}}
        return list(rules).index(rule_id)

    def location(run: "StackRun", address: str | None, lines: tuple[int, int] | None) -> dict:
        physical: dict = {"artifactLocation": base.artifact(_stack_file(run))}
        if lines and lines[0] > 0:
            physical["region"] = {"startLine": lines[0], "endLine": max(lines)}
        entry: dict = {"physicalLocation": physical}
        if address:
            entry["logicalLocations"] = [{"name": address, "kind": "resource",
                                          "fullyQualifiedName": f"{run.name}/{address}"}]
        return entry

    for run in runs:
        config = _config(run)
        for finding, reason, how in _finding_entries(run):
            address = resource_address(finding.resource, config)
            result = {
                "ruleId": finding.check_id,
                "ruleIndex": rule_index(finding.check_id, finding.check_name),
                "level": "error",
                "message": {"text": f"{finding.check_name or finding.check_id}: {address} "
                                    f"in stack {run.name} ({finding.scan} scan)"},
                "locations": [location(run, address,
                                       finding.lines if finding.scan == "terraform_json" else None)],
                "properties": {"stack": run.name, "scan": finding.scan,
                               "checkovResource": finding.resource},
            }
            if reason is not None:
                result["suppressions"] = [{"kind": "external", "justification": reason,
                                           "status": "accepted"}]
                result["properties"]["suppressedBy"] = how
            results.append(result)
        for suppression in (run.gate.unused if run.gate else []):
            rule_id = "gate/unused-suppression"
            results.append({
                "ruleId": rule_id, "ruleIndex": rule_index(rule_id, GATE_RULES[rule_id]),
                "level": "error",
                "message": {"text": f"suppression of {suppression.check_id} on "
                                    f"{suppression.address} matched no finding; remove it"},
                "locations": [location(run, suppression.address, None)],
                "properties": {"stack": run.name, "checkId": suppression.check_id},
            })
        for change in (run.guard.changes if run.guard else []):
            rule_id = "gate/destroy-guard"
            result = {
                "ruleId": rule_id, "ruleIndex": rule_index(rule_id, GATE_RULES[rule_id]),
                "level": "error",
                "message": {"text": f"the plan would {change.describe()} in stack {run.name}; "
                                    f"allow it with --allow-destroy {change.flag_value}"},
                "locations": [location(run, change.address, None)],
                "properties": {"stack": run.name, "actions": list(change.actions)},
            }
            if change.allowed:
                result["suppressions"] = [{"kind": "external", "status": "accepted",
                                           "justification": "allowed by --allow-destroy"}]
            results.append(result)
        if run.error:
            rule_id = "gate/terraform"
            results.append({
                "ruleId": rule_id, "ruleIndex": rule_index(rule_id, GATE_RULES[rule_id]),
                "level": "error", "message": {"text": run.error},
                "locations": [location(run, None, None)],
                "properties": {"stack": run.name},
            })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL_NAME, "rules": list(rules.values())}},
            "originalUriBaseIds": {"SRCROOT": {"uri": base.base.as_uri() + "/"}},
            "results": results,
        }],
    }


def to_junit(runs: list["StackRun"]) -> ET.Element:
    suites = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    for run in runs:
        config = _config(run)
        suite = ET.SubElement(suites, "testsuite", name=run.name)
        counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}

        def case(classname: str, name: str) -> ET.Element:
            counts["tests"] += 1
            return ET.SubElement(suite, "testcase", classname=classname, name=name)

        if run.error:
            counts["errors"] += 1
            ET.SubElement(case(f"{run.name}.terraform", "validate and plan"), "error",
                          message="terraform failed", type="terraform").text = run.error
        if run.gate:
            case(f"{run.name}.checkov", f"{run.gate.passed} checks passed")
        for finding, reason, _ in _finding_entries(run):
            address = resource_address(finding.resource, config)
            testcase = case(f"{run.name}.{finding.scan}", f"{finding.check_id} {address}")
            if reason is None:
                counts["failures"] += 1
                ET.SubElement(testcase, "failure", message=finding.check_name or finding.check_id,
                              type=finding.check_id).text = (
                    f"{finding.check_id} failed on {address} ({finding.scan} scan); fix it or "
                    "declare a suppression with a reason next to the construct")
            else:
                counts["skipped"] += 1
                ET.SubElement(testcase, "skipped", message=reason)
        for suppression in (run.gate.unused if run.gate else []):
            counts["failures"] += 1
            testcase = case(f"{run.name}.suppressions",
                            f"{suppression.check_id} {suppression.address}")
            ET.SubElement(testcase, "failure", message="suppression matched no finding",
                          type="gate/unused-suppression").text = suppression.reason
        for change in (run.guard.changes if run.guard else []):
            testcase = case(f"{run.name}.destroy_guard", f"{change.kind} {change.address}")
            if not change.allowed:
                counts["failures"] += 1
                ET.SubElement(testcase, "failure", message=f"{change.describe()} is not allowed",
                              type="gate/destroy-guard").text = (
                    f"allow it with --allow-destroy {change.flag_value}")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    return suites


def write_sarif(runs: list["StackRun"], path: Path, base_dir: Path | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_sarif(runs, base_dir), indent=2) + "\n")


def write_junit(runs: list["StackRun"], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(to_junit(runs))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
