"""Plan-level behaviour of the scheduling stack: an instruction change moves exactly one alias;
agents and action groups come from the agent table alone; the documented off-switches
(`guardrail_enabled`, `customer_managed_key`) pass the gate with reasons that name them."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from modules.config import validate_as
from modules.pipeline.checkov_gate import evaluate, load_suppressions, run_checkov
from modules.pipeline.run import StackRun, validate_and_plan
from systems.scheduling.catalog import AgentTable, Sources
from tests.conftest import terraform_available
from tests.systems.scheduling.conftest import load_stack, synth_scheduling

pytestmark = pytest.mark.terraform


def planned(run: StackRun, resource_type: str) -> list[dict]:
    return [c for c in run.plan["resource_changes"] if c["type"] == resource_type]


def plan_of(stack_dir, workdir) -> StackRun:
    terraform_available()
    run = StackRun(stack_dir.name, workdir)
    validate_and_plan(run, stack_dir, "us-east-1")
    return run


def alias_descriptions(run: StackRun) -> dict[str, str]:
    return {c["address"]: c["change"]["after"]["description"]
            for c in planned(run, "aws_bedrockagent_agent_alias")}


def copy_sources(tmp_path) -> Sources:
    """A temporary copy of the system's agent table, templates and Lambda sources."""
    shipped = Sources()
    root = tmp_path / "src"
    shutil.copytree(shipped.templates, root / "instructions")
    shutil.copytree(shipped.lambda_root, root / "lambda",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(shipped.table, root / "agents.toml")
    return Sources(table=root / "agents.toml", templates=root / "instructions",
                   lambda_root=root / "lambda")


def new_key(table: AgentTable, base: str) -> str:
    """A key the shipped table does not use, so a newcomer's own new row never collides."""
    key, n = base, 0
    while key in table.agent_keys or key in table.action_groups:
        n += 1
        key = f"{base}{n}"
    return key


def add_row(sources: Sources, row: dict) -> AgentTable:
    raw = tomllib.loads(sources.table.read_text())
    raw["collaborator"].append(row)
    lines = [sources.table.read_text(), "\n[[collaborator]]"]
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in row.items()]
    sources.table.write_text("\n".join(lines) + "\n")
    return validate_as(AgentTable, raw, "agents.toml (test)")


@pytest.fixture(scope="module")
def dev_run(pipeline_runs):
    return pipeline_runs["dev-scheduling"]


def test_changing_one_instruction_moves_only_that_agents_alias(dev_run, tmp_path):
    sources = copy_sources(tmp_path)
    notes = sources.templates / "notes.j2"
    notes.write_text(notes.read_text() + "\nAlways thank the customer for the note.\n")
    changed = plan_of(synth_scheduling(tmp_path / "out", sources=sources), tmp_path / "work")
    before, after = alias_descriptions(dev_run), alias_descriptions(changed)
    moved = [address for address in before if before[address] != after[address]]
    assert len(moved) == 1 and "agent_notes_alias" in moved[0], moved


def test_a_specialist_without_actions_is_added_by_data(dev_run, tmp_path):
    sources = copy_sources(tmp_path)
    table = AgentTable.model_validate(tomllib.loads(sources.table.read_text()))
    key = new_key(table, "billing")
    add_row(sources, {"key": key, "description": "Explains invoices and payment status.",
                      "instruction_template": "chitchat.j2",
                      "collaboration_instruction": "Route here for invoices or payments."})
    stack_dir = synth_scheduling(tmp_path / "out", sources=sources)
    stack = load_stack(stack_dir)
    links = {link["collaborator_name"]: link
             for link in stack["resource"]["aws_bedrockagent_agent_collaborator"].values()}
    assert links[key]["prepare_agent"] is True
    assert sum(link["prepare_agent"] for link in links.values()) == 1
    run = plan_of(stack_dir, tmp_path / "work")
    assert run.counts()["create"] == dev_run.counts()["create"] + 5  # agent, role, policy, link, alias


def test_an_action_group_agent_comes_from_one_row_and_one_folder(dev_run, tmp_path):
    """A row with `action_group` plus lambda/scheduling/<group>/handler.py (and its generated
    schema) gives the Lambda, its role, policy and log group, the schema object, the invoke
    permission and the action group."""
    sources = copy_sources(tmp_path)
    table = AgentTable.model_validate(tomllib.loads(sources.table.read_text()))
    group = new_key(table, "billing")
    shutil.copytree(sources.lambda_root / "notes", sources.lambda_root / group)
    shutil.copy(sources.lambda_root / "schemas" / "notes_actions.json",
                sources.lambda_root / "schemas" / f"{group}_actions.json")
    add_row(sources, {"key": group, "description": "Explains invoices and payment status.",
                      "instruction_template": "chitchat.j2", "action_group": group,
                      "collaboration_instruction": "Route here for invoices or payments."})
    stack_dir = synth_scheduling(tmp_path / "out", sources=sources)
    stack = load_stack(stack_dir)
    functions = {f["function_name"] for f in stack["resource"]["aws_lambda_function"].values()}
    assert f"pf-{group}-actions" in functions
    keys = {o["key"] for o in stack["resource"]["aws_s3_object"].values()}
    assert f"{group}_actions.json" in keys
    run = plan_of(stack_dir, tmp_path / "work")
    added = run.counts()["create"] - dev_run.counts()["create"]
    # agent, role, policy, link, alias + function, its role, policy, log group, schema object,
    # invoke permission, action group
    assert added == 12
    assert len(planned(run, "aws_bedrockagent_agent_action_group")) == len(table.action_groups) + 1


def test_off_switches_pass_the_gate_with_reasons_naming_them(tmp_path):
    stack_dir = synth_scheduling(tmp_path / "out", env="staging", overrides={"systems": {"scheduling": {
        "agents": {"guardrail_enabled": False, "customer_managed_key": False}}}})
    stack = load_stack(stack_dir)
    assert "aws_bedrock_guardrail" not in stack["resource"] and "aws_kms_key" not in stack["resource"]
    run = plan_of(stack_dir, tmp_path / "work")
    files = {run.workdir / "cdk.tf.json", run.plan_file}
    result = evaluate(run.name, files, run_checkov(sorted(files)), load_suppressions(stack_dir))
    assert not result.failed, [(f.check_id, f.resource) for f in result.failed]
    assert not result.unused, result.unused
    reasons = {s.check_id: s.reason for _, s in result.suppressed}
    assert "agents.guardrail_enabled = false" in reasons["CKV_AWS_383"]
    for check in ("CKV_AWS_373", "CKV_AWS_158", "CKV_AWS_145", "CKV_AWS_173"):
        assert "agents.customer_managed_key = false" in reasons[check], check
