"""modules/instructions.py + modules/scheduling/catalog.py: templates render strictly."""

from __future__ import annotations

import pytest

from modules.config import REPO_ROOT, load_environment
from modules.errors import ConfigError
from modules.instructions import render_instruction
from modules.scheduling.catalog import load_agent_table, parse_agent_table, render_agents


@pytest.fixture(scope="module")
def dev_config():
    return load_environment(REPO_ROOT / "envs" / "dev.toml")


def test_every_agent_renders_within_bedrock_limits(dev_config):
    agents = render_agents(dev_config, load_agent_table())
    assert [a.key for a in agents] == ["supervisor", "scheduling", "information", "notes", "chitchat"]
    for agent in agents:
        assert 40 <= len(agent.instruction) <= 4000
        assert "{{" not in agent.instruction
    supervisor = agents[0].instruction
    for key in ("scheduling", "information", "notes", "chitchat"):
        assert f"- {key}: " in supervisor


def test_missing_variable_names_template_and_variable(tmp_path):
    (tmp_path / "x.j2").write_text("Hello {{ customer_name }}, " + "padding " * 10)
    with pytest.raises(ConfigError) as error:
        render_instruction(tmp_path, "x.j2", {"company": "PF360"})
    assert "x.j2" in str(error.value) and "customer_name" in str(error.value)


def test_instruction_over_the_limit_is_rejected(tmp_path):
    (tmp_path / "long.j2").write_text("word " * 1000)
    with pytest.raises(ConfigError, match="4000"):
        render_instruction(tmp_path, "long.j2", {})


def test_agent_table_rejects_duplicate_keys_and_unknown_fields():
    base = {"supervisor": {"key": "supervisor", "description": "d", "instruction_template": "s.j2"},
            "collaborator": [{"key": "notes", "description": "d", "instruction_template": "n.j2",
                              "collaboration_instruction": "c"}]}
    parse_agent_table(base, "agents.toml")
    duplicate = {**base, "collaborator": base["collaborator"] * 2}
    with pytest.raises(ConfigError, match="unique"):
        parse_agent_table(duplicate, "agents.toml")
    unknown = {**base, "collaborator": [{**base["collaborator"][0], "colour": "x"}]}
    with pytest.raises(ConfigError, match="colour"):
        parse_agent_table(unknown, "agents.toml")
