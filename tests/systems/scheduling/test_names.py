"""systems/scheduling/names.py: the deployed names in dev; every shipped name follows its rule."""

from __future__ import annotations

from modules.naming import first_violation
from systems.scheduling import all_names
from systems.scheduling.catalog import names_of
from tests.systems.scheduling.conftest import environment


def test_dev_reproduces_the_deployed_names():
    env = environment("dev")
    names = names_of(env, env.systems.scheduling)
    assert names.schema_bucket() == "pf-schemas-dev-618048437522"
    assert [names.function(g) for g in ("scheduling", "information", "notes")] == [
        "pf-scheduling-actions", "pf-information-actions", "pf-notes-actions"]
    assert names.function_log_group("notes") == "/aws/lambda/pf-notes-actions"
    assert names.agent_role("supervisor") == "pf-supervisor-agent-role-dev"
    assert names.agent_policy("chitchat") == "pf-chitchat-agent-policy"
    assert names.kms_alias() == "alias/pf-agents-dev"


def test_every_shipped_name_follows_its_rule_and_no_two_environments_collide():
    seen: dict[str, str] = {}
    for env_name in ("dev", "staging", "prod"):
        env = environment(env_name)
        produced = all_names(env, env.systems.scheduling)
        assert first_violation(produced) is None
        for rule, name in produced:
            if rule.scope == "parent":
                continue
            assert name not in seen, f"{name} is used by {seen.get(name)} and {env_name}"
            seen[name] = env_name
