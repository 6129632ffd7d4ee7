"""Adoption tables (`envs/<environment>.adopt.toml`, modules/adoption.py): validation errors,
the import blocks `main.py --adopt` writes (every Phase 1 resource type, ids in the formats the
provider documents), and that nothing is emitted or planned offline without the flag.

`dev-scheduling` is synthesized once, with `--adopt`, over a copy of envs/ (the shipped table);
the other cases run the table against that JSON in-process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from modules.adoption import (AdoptionTable, adoption_file, is_adoption_file, load_adoption,
                              plan_adoption, strip_imports)
from modules.config import REPO_ROOT, validate_as
from modules.errors import ConfigError

STACK = "dev-scheduling"
SOURCE = "envs/dev.adopt.toml"
# The deployed Phase 1 agents and their ids.
AGENT_IDS = {"supervisor": "WF1S95L7X1", "scheduling": "TIGRBGSXCS",
             "information": "JEK4SDJOOU", "notes": "CF0IPHCFFY", "chitchat": "GXVZEOBQ64"}


def run_main(envs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PF_ENVS_DIR": str(envs), "PF_ADOPT": ""})


def copy_envs(root: Path) -> Path:
    envs = root / "envs"
    shutil.copytree(REPO_ROOT / "envs", envs)
    return envs


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("adoption")
    envs = copy_envs(root)
    outdir = root / "cdktf.out"
    done = run_main(envs, "--adopt", "--only", STACK, "--outdir", str(outdir))
    assert done.returncode == 0, done.stderr[-3000:]
    config = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    base = {k: v for k, v in config.items() if k != "import"}
    return SimpleNamespace(outdir=outdir, config=config, base=base, stderr=done.stderr,
                           imports={b["to"]: b["id"] for b in config["import"]})


def body(config: dict, address: str) -> dict:
    kind, name = address.split(".")
    return config["resource"][kind][name]


def address_of(config: dict, resource_type: str, field: str, value: str) -> str:
    (name,) = [n for n, b in config["resource"][resource_type].items() if b.get(field) == value]
    return f"{resource_type}.{name}"


def reference(config: dict, value: str) -> dict:
    kind, name = value.strip("${}").split(".")[:2]
    return config["resource"][kind][name]


# -- what the shipped dev table emits --------------------------------------------------------------

def test_every_import_targets_a_resource_of_the_stack_once(adopted):
    targets = [block["to"] for block in adopted.config["import"]]
    assert len(targets) == len(set(targets)) == 25
    for address in targets:
        assert body(adopted.config, address)


def test_agents_are_imported_by_their_deployed_ids(adopted):
    for key, agent_id in AGENT_IDS.items():
        address = address_of(adopted.config, "aws_bedrockagent_agent", "agent_name",
                             f"pf-{key}-agent-dev")
        assert adopted.imports[address] == agent_id


@pytest.mark.parametrize("resource_type, name_field, expected", [
    ("aws_lambda_function", "function_name",
     [f"pf-{g}-actions" for g in ("information", "notes", "scheduling")]),
    ("aws_cloudwatch_log_group", "name",
     [f"/aws/lambda/pf-{g}-actions" for g in ("information", "notes", "scheduling")]),
    ("aws_s3_bucket", "bucket", ["pf-schemas-dev-618048437522"]),
])
def test_name_identified_resources_are_imported_by_name(adopted, resource_type, name_field,
                                                        expected):
    imported = {a: i for a, i in adopted.imports.items() if a.startswith(f"{resource_type}.")}
    assert sorted(imported.values()) == expected
    for address, import_id in imported.items():
        assert body(adopted.config, address)[name_field] == import_id


def test_agent_roles_and_their_inline_policies_are_imported_as_role_and_role_colon_policy(adopted):
    roles = {i for a, i in adopted.imports.items() if a.startswith("aws_iam_role.")}
    assert roles == {f"pf-{agent}-agent-role-dev" for agent in AGENT_IDS}
    policies = {a: i for a, i in adopted.imports.items() if a.startswith("aws_iam_role_policy.")}
    assert sorted(policies.values()) == sorted(
        f"pf-{agent}-agent-role-dev:pf-{agent}-agent-policy" for agent in AGENT_IDS)
    for address, import_id in policies.items():
        policy = body(adopted.config, address)
        assert import_id == f"{reference(adopted.config, policy['role'])['name']}:{policy['name']}"


def test_schema_objects_are_imported_as_bucket_slash_key(adopted):
    objects = {a: i for a, i in adopted.imports.items() if a.startswith("aws_s3_object.")}
    assert sorted(objects.values()) == [
        f"pf-schemas-dev-618048437522/{g}_actions.json" for g in ("information", "notes", "scheduling")]
    for address, import_id in objects.items():
        assert import_id.endswith("/" + body(adopted.config, address)["key"])


def test_the_lambda_execution_roles_cannot_be_adopted_and_are_reported_as_created(adopted):
    # The deployment's execution roles are unnamed in its inventory; ours have new names.
    (line,) = [x for x in adopted.stderr.splitlines() if x.startswith(f"{STACK}:")]
    assert line.startswith(f"{STACK}: 25 import block(s) from ")
    assert "dev.adopt.toml; not listed, so created new: " in line
    for created in ("agent_aliases: pf-chitchat-agent-dev", "action_groups: information-actions",
                    "collaborators: chitchat", "roles: pf-information-actions-role-dev",
                    "lambda_permissions: pf-information-actions/AllowBedrockAgentInvoke"):
        assert created in line


# -- Bedrock ids: aliases, action groups, collaborators, permissions (documented formats) -----------

def test_bedrock_children_get_the_documented_import_ids(adopted):
    table = AdoptionTable(
        agents=AGENT_IDS, agent_aliases={"supervisor": "AL1AS00001"},
        action_groups={"scheduling": "ACT0000001"}, collaborators={"notes": "C011AB0001"},
        lambda_permissions=("pf-notes-actions/AllowBedrockAgentInvoke",))
    adoption = plan_adoption(adopted.base, table, STACK, SOURCE, "scheduling")
    imports = {block["to"]: block["id"] for block in adoption.imports}
    by_type = lambda kind: {a: i for a, i in imports.items() if a.split(".")[0] == kind}  # noqa: E731

    (alias, alias_id), = by_type("aws_bedrockagent_agent_alias").items()
    assert alias_id == "AL1AS00001,WF1S95L7X1"  # ALIAS_ID,AGENT_ID
    assert reference(adopted.base, body(adopted.base, alias)["agent_id"])["agent_name"] == \
        "pf-supervisor-agent-dev"
    (group, group_id), = by_type("aws_bedrockagent_agent_action_group").items()
    assert group_id == "ACT0000001,TIGRBGSXCS,DRAFT"  # ACTION_GROUP_ID,AGENT_ID,AGENT_VERSION
    assert body(adopted.base, group)["action_group_name"] == "scheduling-actions"
    (link, link_id), = by_type("aws_bedrockagent_agent_collaborator").items()
    assert link_id == "WF1S95L7X1,DRAFT,C011AB0001"  # AGENT_ID,AGENT_VERSION,COLLABORATOR_ID
    assert body(adopted.base, link)["collaborator_name"] == "notes"
    (_, permission_id), = by_type("aws_lambda_permission").items()
    assert permission_id == "pf-notes-actions/AllowBedrockAgentInvoke"  # FUNCTION/STATEMENT_ID
    assert "supervisor" not in {n.split("-")[1] for n in adoption.created["agent_aliases"]}


# -- a listed resource the stack does not create (checked against the synthesized JSON) ------------

@pytest.mark.parametrize("table, field, message", [
    ({"agents": {"billing": "ABCDE12345"}}, "scheduling.agents.billing",
     "stack dev-scheduling creates no agent 'billing'; it creates: pf-chitchat-agent-dev, "
     "pf-information-agent-dev, pf-notes-agent-dev, pf-scheduling-agent-dev, "
     "pf-supervisor-agent-dev"),
    ({"agents": {"agent": "ABCDE12345"}}, "scheduling.agents.agent",
     "'agent' names more than one agent (pf-chitchat-agent-dev, "),
    ({"agents": {"supervisor": "ABCDE12345", "pf-supervisor-agent-dev": "ABCDE12345"}},
     "scheduling.agents.pf-supervisor-agent-dev", "names the same agent as 'supervisor'"),
    ({"agent_aliases": {"notes": "ABCDE12345"}}, "scheduling.agent_aliases.notes",
     "its agent pf-notes-agent-dev is not adopted; add it to [scheduling.agents] first"),
    ({"lambda_functions": ["pf-billing-actions"]}, "scheduling.lambda_functions",
     "creates no Lambda function 'pf-billing-actions'; it creates: pf-information-actions, "
     "pf-notes-actions, pf-scheduling-actions"),
    ({"roles": ["pf-scheduling-actions-role"]}, "scheduling.roles",
     "creates no IAM role 'pf-scheduling-actions-role'"),
    ({"objects": ["pf-schemas-dev-618048437522/schemas/notes_actions.json"]}, "scheduling.objects",
     "creates no S3 object"),
])
def test_a_resource_the_stack_does_not_create_is_refused(adopted, table, field, message):
    with pytest.raises(ConfigError) as caught:
        plan_adoption(adopted.base, validate_as(AdoptionTable, table, SOURCE), STACK, SOURCE,
                      "scheduling")
    assert (caught.value.file, caught.value.field) == (SOURCE, field)
    assert message in caught.value.message
    assert "\n" not in str(caught.value)


# -- the file's shape --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, field, message", [
    ('[billing]\nroles = ["x"]\n', "billing", "unknown key; remove it or check its spelling "
     "(allowed here: scheduling)"),
    ('[scheduling]\nlambdas = ["x"]\n', "scheduling.lambdas", "allowed here: action_groups, "
     "agent_aliases, agents, buckets, collaborators, lambda_functions, lambda_permissions, "
     "log_groups, objects, role_policies, roles"),
    ('[scheduling.agents]\nsupervisor = "WF1S95L7X"\n', "scheduling.agents.supervisor",
     "a Bedrock id is 10 letters and digits"),
    ('[scheduling.agent_aliases]\nsupervisor = "TSTALIASID"\n', "scheduling.agent_aliases",
     "TSTALIASID is the built-in test alias"),
    ('[scheduling]\nrole_policies = ["pf-notes-agent-policy"]\n', "scheduling.role_policies.0",
     "'<role name>:<inline policy name>'"),
    ('[scheduling]\nobjects = ["pf-schemas-dev-618048437522"]\n', "scheduling.objects.0",
     "'<bucket>/<object key>'"),
    ('[scheduling]\nroles = ["a", "a"]\n', "scheduling.roles", "lists a more than once"),
    ('[scheduling]\nroles = "pf-notes-agent-role-dev"\n', "scheduling.roles", "valid tuple"),
])
def test_a_malformed_table_is_one_line_naming_file_and_field(tmp_path, text, field, message):
    path = tmp_path / "dev.adopt.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_adoption(path, ["scheduling"])
    assert caught.value.field == field
    assert message in caught.value.message
    assert caught.value.file.endswith("dev.adopt.toml") and "\n" not in str(caught.value)


def test_shipped_tables_are_valid_and_name_their_environment():
    for path in sorted((REPO_ROOT / "envs").glob("*.adopt.toml")):
        assert is_adoption_file(path)
        assert load_adoption(path, ["scheduling"])
        assert adoption_file(path.with_name(path.name.replace(".adopt", ""))) == path
    assert load_adoption(REPO_ROOT / "envs" / "none.adopt.toml", ["scheduling"]) == {}


def test_main_refuses_a_bad_table_before_synthesizing(tmp_path):
    envs = copy_envs(tmp_path)
    (envs / "dev.adopt.toml").write_text('[scheduling.agents]\nsupervisor = "wf1s95"\n')
    done = run_main(envs, "--only", STACK, "--outdir", str(tmp_path / "out"))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "dev.adopt.toml: scheduling.agents.supervisor: " in line
    assert not (tmp_path / "out").exists()


def test_main_refuses_a_table_without_its_environment_file(tmp_path):
    envs = copy_envs(tmp_path)
    (envs / "qa.adopt.toml").write_text('[scheduling]\nroles = ["x"]\n')
    done = run_main(envs, "--only", STACK, "--outdir", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "qa.adopt.toml: (file): adopts resources for environment 'qa', which has no " \
           "qa.toml" in done.stderr


# -- without --adopt nothing is emitted; offline plans leave imports out ---------------------------

def test_without_adopt_the_synthesized_stack_has_no_import_blocks(dev):
    assert "import" not in dev


def test_strip_imports_keeps_only_the_given_targets(adopted, tmp_path):
    path = tmp_path / "cdk.tf.json"
    path.write_text(json.dumps(adopted.config))
    keep = [a for a in adopted.imports if a.startswith("aws_s3_")]
    removed = strip_imports(path, keep=keep)
    assert len(removed) == len(adopted.imports) - len(keep) == 21
    assert [b["to"] for b in json.loads(path.read_text())["import"]] == keep
    assert len(strip_imports(path)) == 4 and "import" not in json.loads(path.read_text())
    before = path.read_text()
    assert strip_imports(path) == [] and path.read_text() == before


@pytest.mark.terraform
def test_import_blocks_validate_and_the_offline_plan_leaves_them_out(adopted, tmp_path):
    from modules.pipeline.run import StackRun, stack_region, validate_and_plan
    from tests.conftest import terraform_available

    terraform_available()
    stack_dir = adopted.outdir / "stacks" / STACK
    run = StackRun(STACK, tmp_path / STACK)
    validate_and_plan(run, stack_dir, stack_region(stack_dir))  # validate sees the imports
    assert len(run.imports) == 25
    assert not [c for c in run.plan["resource_changes"] if c["change"].get("importing")]
    assert run.counts()["delete"] == 0
    assert "import" in json.loads((stack_dir / "cdk.tf.json").read_text())  # output untouched
