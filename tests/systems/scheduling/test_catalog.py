"""systems/scheduling/catalog.py + modules/instructions.py: the agent table and its templates
render strictly; errors name the repository path of the file."""

from __future__ import annotations

import pytest

from modules.config import validate_as
from modules.errors import ConfigError
from modules.instructions import render_instruction
from systems.scheduling.catalog import AgentTable, MAX_COLLABORATORS, Sources, render_agents
from tests.systems.scheduling.conftest import environment

BASE = {"supervisor": {"key": "supervisor", "description": "d", "instruction_template": "s.j2"},
        "collaborator": [{"key": "notes", "description": "d", "instruction_template": "n.j2",
                          "collaboration_instruction": "c"}]}


def test_every_agent_renders_within_bedrock_limits(table):
    env = environment("dev")
    agents = render_agents(env, env.systems.scheduling, table, Sources().templates)
    assert [a.key for a in agents] == list(table.agent_keys)
    for agent in agents:
        assert 40 <= len(agent.instruction) <= 4000
        assert "{{" not in agent.instruction
    for key in table.agent_keys[1:]:
        assert f"- {key}: " in agents[0].instruction


def test_missing_variable_names_template_path_and_variable(tmp_path):
    (tmp_path / "x.j2").write_text("Hello {{ customer_name }}, " + "padding " * 10)
    with pytest.raises(ConfigError) as error:
        render_instruction(tmp_path, "x.j2", {"company": "PF360"})
    assert "x.j2" in str(error.value) and "customer_name" in str(error.value)


def test_template_errors_show_the_repository_path():
    with pytest.raises(ConfigError) as error:
        render_instruction(Sources().templates, "missing.j2", {})
    assert str(error.value).startswith("systems/scheduling/instructions/missing.j2:")


def test_instruction_over_the_limit_is_rejected(tmp_path):
    (tmp_path / "long.j2").write_text("word " * 1000)
    with pytest.raises(ConfigError, match="4000"):
        render_instruction(tmp_path, "long.j2", {})


def test_agent_table_rejects_duplicate_keys_and_unknown_fields():
    validate_as(AgentTable, BASE, "agents.toml")
    with pytest.raises(ConfigError, match="unique"):
        validate_as(AgentTable, {**BASE, "collaborator": BASE["collaborator"] * 2}, "agents.toml")
    unknown = {**BASE, "collaborator": [{**BASE["collaborator"][0], "colour": "x"}]}
    with pytest.raises(ConfigError, match="colour"):
        validate_as(AgentTable, unknown, "agents.toml")


def test_too_many_collaborators_names_the_limit_not_the_table():
    rows = [{**BASE["collaborator"][0], "key": f"agent{i}",
             "collaboration_instruction": "Route here " * 30} for i in range(50)]
    with pytest.raises(ConfigError) as error:
        validate_as(AgentTable, {**BASE, "collaborator": rows}, "systems/scheduling/agents.toml")
    message = str(error.value)
    assert message.startswith("systems/scheduling/agents.toml: collaborator: ")
    assert "50" in message and str(MAX_COLLABORATORS) in message
    assert "Route here" not in message and len(message) < 200 and "\n" not in message
