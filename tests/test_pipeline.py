"""Every stack passes terraform validate, an offline plan and the checkov gate; the plan proves
prepare ordering and that an instruction change moves the alias; the agent table extends."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from modules.backend import load_backend_settings
from modules.config import REPO_ROOT, load_environment
from modules.pipeline.run import StackRun, format_report, validate_and_plan
from modules.scheduling.catalog import DEFAULT_TEMPLATES, load_agent_table, parse_agent_table
from tests.conftest import terraform_available

pytestmark = pytest.mark.terraform
STACKS = ["dev", "prod", "staging", "state-backend"]


def planned(run: StackRun, resource_type: str) -> list[dict]:
    return [c for c in run.plan["resource_changes"] if c["type"] == resource_type]


def test_every_stack_validates_and_plans(pipeline_runs):
    assert sorted(pipeline_runs) == STACKS
    for name, run in pipeline_runs.items():
        assert run.error is None, run.error
        counts = run.counts()
        assert counts["update"] == 0 and counts["delete"] == 0
    assert pipeline_runs["dev"].counts()["create"] == 56
    assert pipeline_runs["state-backend"].counts()["create"] == 10


def test_checkov_gate_passes_with_every_suppression_explained(pipeline_runs):
    for name, run in pipeline_runs.items():
        assert run.gate is not None
        assert run.gate.passed > 50, name
        assert not run.gate.failed, [(f.check_id, f.resource) for f in run.gate.failed]
        assert not run.gate.unused, run.gate.unused
        for _, suppression in run.gate.suppressed:
            assert len(suppression.reason) >= 10
    report = format_report(list(pipeline_runs.values()))
    assert "suppressions applied" in report and "CKV_AWS_117" in report


def test_gate_catches_a_finding_nobody_excused(pipeline_runs):
    """The same scan fails once the schema bucket's suppressions are dropped."""
    from modules.pipeline.checkov_gate import evaluate, load_suppressions, run_checkov

    run = pipeline_runs["dev"]
    suppressions = [s for s in load_suppressions(run.workdir) if "schemas_bucket" not in s.address]
    reports = run_checkov([run.workdir / "cdk.tf.json", run.plan_file])
    result = evaluate("dev", {run.workdir / "cdk.tf.json", run.plan_file}, reports, suppressions)
    assert {f.check_id for f in result.failed} == {"CKV_AWS_18", "CKV_AWS_144", "CKV2_AWS_62"}


def test_plan_has_planned_values_of_the_seed(pipeline_runs):
    dev = pipeline_runs["dev"]
    functions = {c["change"]["after"]["function_name"]: c["change"]["after"]
                 for c in planned(dev, "aws_lambda_function")}
    assert functions["pf-scheduling-actions"]["memory_size"] == 256
    assert functions["pf-scheduling-actions"]["environment"][0]["variables"]["USE_MOCK_API"] == "true"
    links = [c["change"]["after"] for c in planned(dev, "aws_bedrockagent_agent_collaborator")]
    assert {link["relay_conversation_history"] for link in links} == {"TO_COLLABORATOR"}
    bootstrap = pipeline_runs["state-backend"]
    (bucket,) = planned(bootstrap, "aws_s3_bucket")
    assert bucket["change"]["after"]["bucket"] == load_backend_settings().bucket


def synth_custom(outdir: Path, *, table=None, templates: Path = DEFAULT_TEMPLATES) -> Path:
    """Synthesize only the dev stack with a different agent table or templates."""
    from cdktf import App

    from modules.stacks.environment_stack import EnvironmentStack

    app = App(outdir=str(outdir))
    EnvironmentStack(app, load_environment(REPO_ROOT / "envs" / "dev.toml"),
                     load_backend_settings(), table=table, templates=templates)
    app.synth()
    return outdir / "stacks" / "dev"


def plan_of(stack_dir: Path, workdir: Path) -> StackRun:
    run = StackRun("dev", workdir)
    validate_and_plan(run, stack_dir, "us-east-1")
    return run


def alias_descriptions(run: StackRun) -> dict[str, str]:
    return {c["address"]: c["change"]["after"]["description"]
            for c in planned(run, "aws_bedrockagent_agent_alias")}


def test_changing_one_instruction_moves_only_that_agents_alias(pipeline_runs, tmp_path):
    terraform_available()
    templates = tmp_path / "instructions"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    notes = templates / "notes.j2"
    notes.write_text(notes.read_text() + "\nAlways thank the customer for the note.\n")
    changed = plan_of(synth_custom(tmp_path / "out", templates=templates), tmp_path / "work")
    before, after = alias_descriptions(pipeline_runs["dev"]), alias_descriptions(changed)
    moved = [address for address in before if before[address] != after[address]]
    assert len(moved) == 1 and "agent_notes_alias" in moved[0], moved
    instructions = {c["address"]: c["change"]["after"]["instruction"]
                    for c in planned(changed, "aws_bedrockagent_agent")}
    assert any("thank the customer" in text for text in instructions.values())


def test_a_sixth_specialist_is_added_by_data(tmp_path):
    terraform_available()
    raw = load_agent_table().model_dump()
    raw["collaborator"] = list(raw["collaborator"]) + [{
        "key": "billing",
        "description": "Explains invoices and payment status for a customer's projects.",
        "instruction_template": "chitchat.j2",
        "action_group": None,
        "collaboration_instruction": "Route here when the customer asks about invoices or payments.",
    }]
    table = parse_agent_table(raw, "agents.toml (test)")
    stack_dir = synth_custom(tmp_path / "out", table=table)
    stack = json.loads((stack_dir / "cdk.tf.json").read_text())
    agents = {a["agent_name"] for a in stack["resource"]["aws_bedrockagent_agent"].values()}
    assert "pf-billing-agent-dev" in agents and len(agents) == 6
    roles = {r["name"] for r in stack["resource"]["aws_iam_role"].values()}
    assert "pf-billing-agent-role-dev" in roles
    links = {link["collaborator_name"]: link
             for link in stack["resource"]["aws_bedrockagent_agent_collaborator"].values()}
    assert len(links) == 5 and links["billing"]["prepare_agent"] is True
    assert links["chitchat"]["prepare_agent"] is False
    aliases = [a for a in stack["resource"]["aws_bedrockagent_agent_alias"] if "billing" in a]
    assert len(aliases) == 1
    run = plan_of(stack_dir, tmp_path / "work")
    assert run.counts()["create"] == 56 + 5  # agent, role, inline policy, link, alias
