"""modules/naming.py: seed 000's names in dev, no collisions between environments."""

from __future__ import annotations

from modules.config import REPO_ROOT, load_environment
from modules.naming import Naming
from modules.scheduling.catalog import load_agent_table, naming_for


def test_dev_reproduces_seed_000_names():
    naming = naming_for(load_environment(REPO_ROOT / "envs" / "dev.toml"))
    assert naming.schema_bucket() == "pf-schemas-dev-618048437522"
    assert [naming.function(g) for g in ("scheduling", "information", "notes")] == [
        "pf-scheduling-actions", "pf-information-actions", "pf-notes-actions"]
    assert naming.function_log_group("notes") == "/aws/lambda/pf-notes-actions"
    assert naming.agent_role("supervisor") == "pf-supervisor-agent-role-dev"
    assert naming.agent_policy("chitchat") == "pf-chitchat-agent-policy"


def test_environments_sharing_an_account_do_not_collide():
    table = load_agent_table()
    seen: dict[str, str] = {}
    for env in ("dev", "staging", "prod"):
        naming = naming_for(load_environment(REPO_ROOT / "envs" / f"{env}.toml"))
        for rule, name in naming.all_names(table.agent_keys, table.action_groups):
            if rule.service == "IAM inline policy":
                continue  # scoped to its role, which is unique
            assert name not in seen, f"{name} is used by {seen.get(name)} and {env}"
            seen[name] = env


def test_every_shipped_name_follows_its_service_rule():
    table = load_agent_table()
    for env in ("dev", "staging", "prod"):
        naming = naming_for(load_environment(REPO_ROOT / "envs" / f"{env}.toml"))
        assert naming.first_violation(table.agent_keys, table.action_groups) is None


def test_violations_name_the_service_and_the_rule():
    long = Naming("p" * 37, "dev", "618048437522")
    problem = long.first_violation(("supervisor",), ())
    assert problem and "guardrail" in problem and "1-50" in problem
    bucket = Naming("a" * 50, "dev", "618048437522").first_violation((), ())
    assert bucket and "S3 bucket" in bucket and "3-63" in bucket
