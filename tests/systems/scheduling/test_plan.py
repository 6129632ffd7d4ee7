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


def synthesized_alias_descriptions(stack: dict) -> dict[str, str]:
    return {name: alias["description"]
            for name, alias in stack["resource"]["aws_bedrockagent_agent_alias"].items()}


def test_changing_one_instruction_moves_only_that_agents_alias(dev, tmp_path):
    """The digest in each alias description is a literal of the synthesized JSON, so comparing
    the synthesized descriptions is what the plan would show."""
    sources = copy_sources(tmp_path)
    notes = sources.templates / "notes.j2"
    notes.write_text(notes.read_text() + "\nAlways thank the customer for the note.\n")
    changed = load_stack(synth_scheduling(tmp_path / "out", sources=sources))
    before, after = synthesized_alias_descriptions(dev), synthesized_alias_descriptions(changed)
    assert set(before) == set(after)
    moved = [name for name in before if before[name] != after[name]]
    assert len(moved) == 1 and "agent_notes_alias" in moved[0], moved


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> tuple[dict, str, str, StackRun, int]:
    """dev-scheduling grown by data alone, planned once: a specialist row without actions, then a
    row with `action_group` plus lambda/scheduling/<group>/handler.py and its generated schema.
    Returns the stack, both keys, the plan and the shipped table's action-group count."""
    tmp = tmp_path_factory.mktemp("grown")
    sources = copy_sources(tmp)
    table = AgentTable.model_validate(tomllib.loads(sources.table.read_text()))
    specialist = new_key(table, "billing")
    group = new_key(table, "refunds")
    shutil.copytree(sources.lambda_root / "notes", sources.lambda_root / group)
    shutil.copy(sources.lambda_root / "schemas" / "notes_actions.json",
                sources.lambda_root / "schemas" / f"{group}_actions.json")
    add_row(sources, {"key": specialist, "description": "Explains invoices and payment status.",
                      "instruction_template": "chitchat.j2",
                      "collaboration_instruction": "Route here for invoices or payments."})
    add_row(sources, {"key": group, "description": "Handles refund requests.",
                      "instruction_template": "chitchat.j2", "action_group": group,
                      "collaboration_instruction": "Route here for refunds."})
    stack_dir = synth_scheduling(tmp / "out", sources=sources)
    return (load_stack(stack_dir), specialist, group, plan_of(stack_dir, tmp / "work"),
            len(table.action_groups))


def test_agents_and_action_groups_are_added_by_data(dev_run, grown):
    """A specialist row gives agent, role, policy, link and alias (+5); an action-group row adds
    the function, its role, policy and log group, the schema object, the invoke permission and
    the action group (+12). The last row's link is the one that prepares the supervisor."""
    stack, specialist, group, run, shipped_groups = grown
    links = {link["collaborator_name"]: link
             for link in stack["resource"]["aws_bedrockagent_agent_collaborator"].values()}
    assert specialist in links and links[specialist]["prepare_agent"] is False
    assert links[group]["prepare_agent"] is True
    assert sum(link["prepare_agent"] for link in links.values()) == 1
    functions = {f["function_name"] for f in stack["resource"]["aws_lambda_function"].values()}
    assert f"pf-{group}-actions" in functions and f"pf-{specialist}-actions" not in functions
    keys = {o["key"] for o in stack["resource"]["aws_s3_object"].values()}
    assert f"{group}_actions.json" in keys
    assert run.counts()["create"] == dev_run.counts()["create"] + 5 + 12
    assert len(planned(run, "aws_bedrockagent_agent_action_group")) == shipped_groups + 1


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
