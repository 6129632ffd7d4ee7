"""Systems with parts: one stack per part with its own state, one `build` over all parts,
values passed between parts as CDKTF cross-stack references, selection of a whole system, and
the offline plan of a stack that reads another's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import terraform_available
from modules.backend import load_backend_settings
from modules.pipeline.remote_state import (dependency_order, offline_remote_state,
                                           remote_states)

SETTINGS = load_backend_settings()


def load(parts_demo_dir: Path, stack: str) -> dict:
    return json.loads((parts_demo_dir / "stacks" / stack / "cdk.tf.json").read_text())


def test_each_part_is_a_stack_with_its_own_state(parts_demo_dir):
    names = sorted(p.name for p in (parts_demo_dir / "stacks").iterdir())
    assert names == ["dev-demo-data", "dev-demo-network"]
    for part in ("network", "data"):
        backend = load(parts_demo_dir, f"dev-demo-{part}")["terraform"]["backend"]["s3"]
        assert backend["key"] == SETTINGS.state_key("dev", "demo", part)
        assert backend["bucket"] == SETTINGS.bucket


def test_a_value_crosses_parts_as_an_output_and_a_remote_state(parts_demo_dir):
    network, data = load(parts_demo_dir, "dev-demo-network"), load(parts_demo_dir, "dev-demo-data")
    assert {o["value"] for o in network["output"].values()} == {
        "${aws_ssm_parameter.source.arn}", "${aws_ssm_parameter.source.name}"}
    assert all(o["sensitive"] for o in network["output"].values())
    (name, state), = remote_states(data).items()
    assert state["backend"] == "s3"
    assert state["config"]["key"] == SETTINGS.state_key("dev", "demo", "network")
    reader = data["resource"]["aws_ssm_parameter"]["reader"]
    assert reader["value"].startswith(f"${{data.terraform_remote_state.{name}.outputs.")
    assert "source" not in data["resource"]["aws_ssm_parameter"]


def test_producers_come_before_consumers(parts_demo_dir):
    configs = {s: load(parts_demo_dir, s) for s in ("dev-demo-data", "dev-demo-network")}
    assert dependency_order(configs) == ["dev-demo-network", "dev-demo-data"]


def test_a_cycle_is_refused():
    def stack(key: str, reads: str) -> dict:
        return {"terraform": {"backend": {"s3": {"key": key}}},
                "data": {"terraform_remote_state": {"x": {"config": {"key": reads}}}}}
    with pytest.raises(ValueError, match="cycle"):
        dependency_order({"a": stack("ka", "kb"), "b": stack("kb", "ka")})


def test_offline_placeholders_keep_arns_shaped_as_arns(parts_demo_dir):
    data = load(parts_demo_dir, "dev-demo-data")
    override, files = offline_remote_state(data, parts_demo_dir / "stacks")
    (name, body), = override["data"]["terraform_remote_state"].items()
    assert body["backend"] == "local"
    assert set(files) == {body["config"]["path"]}
    assert json.loads(files[body["config"]["path"]])["outputs"] == {}
    values = sorted(body["defaults"].values())
    assert values[0].startswith("arn:aws:ssm:us-east-1:618048437522:offline-plan/")
    assert values[1] == "offline-plan-name"


def test_no_remote_state_no_override(parts_demo_dir):
    assert offline_remote_state(load(parts_demo_dir, "dev-demo-network"),
                                parts_demo_dir / "stacks") == ({}, {})


def test_selecting_one_part_selects_the_whole_system():
    from systems.app import PlannedStack, _select

    class FakeEnv:
        environment = "dev"

    class FakeSystem:
        key = "demo"

    planned = [PlannedStack(f"dev-demo-{p}", "envs/dev.toml", FakeEnv(), FakeSystem(), None,
                            None, p) for p in ("network", "data")]
    planned.append(PlannedStack("dev-other", "envs/dev.toml", FakeEnv(),
                                type("Other", (), {"key": "other"})(), None))
    assert _select(planned, ["dev-demo-data"]) == {"dev-demo-network", "dev-demo-data"}
    assert _select(planned, ["dev-demo"]) == {"dev-demo-network", "dev-demo-data"}
    assert _select(planned, ["dev-other"]) == {"dev-other"}


@pytest.mark.terraform
def test_the_reading_stack_plans_offline_with_placeholders(parts_demo_dir, tmp_path):
    from modules.pipeline.run import StackRun, validate_and_plan

    terraform_available()
    stack_dir = parts_demo_dir / "stacks" / "dev-demo-data"
    run = StackRun("dev-demo-data", tmp_path / "dev-demo-data", stack_dir=stack_dir)
    validate_and_plan(run, stack_dir, "us-east-1")
    (change,) = run.plan["resource_changes"]
    assert change["change"]["actions"] == ["create"]
    after = change["change"]["after"]
    assert after["value"].startswith("arn:aws:ssm:us-east-1:618048437522:offline-plan/")
    assert after["description"] == "offline-plan-name"


def test_the_emulator_override_covers_aliased_providers():
    from modules.local_aws.local_apply import provider_aliases, provider_override

    config = {"provider": {"aws": [{"region": "us-east-1"}, {"alias": "us_west_2"}]}}
    override = provider_override("http://127.0.0.1:5000", ["s3"], provider_aliases(config))
    default, aliased = override["provider"]["aws"]
    assert aliased == {**default, "alias": "us_west_2"}
    assert default["endpoints"] == [{"s3": "http://127.0.0.1:5000"}]
