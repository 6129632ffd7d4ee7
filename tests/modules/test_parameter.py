"""modules/parameter.py alone: one readable String parameter per setting under the path, each
excused from CKV2_AWS_34 as not a secret; readers get the path and nothing outside it."""

from __future__ import annotations

import pytest

from modules.parameter import NOT_A_SECRET, ParameterSet, ParameterSetProps
from modules.suppressions import suppressions_of
from tests.conftest import resources, synth_construct

ACCOUNT, REGION = "111122223333", "eu-west-1"


def props(**fields) -> ParameterSetProps:
    return ParameterSetProps(**{"path": "/pf/dev/scheduling/",
                                "values": {"business_hours": "08:00-18:00", "feature.notes": "on"},
                                "description": "Scheduling settings", "account_id": ACCOUNT,
                                "region": REGION, **fields})


def test_defaults_string_parameters_with_visible_values_and_their_grants():
    captured = {}

    def add(stack):
        settings = ParameterSet(stack, "settings", props())
        captured.update(statements=settings.read_statements(), names=settings.names,
                        suppressions=suppressions_of(stack))
    stack = synth_construct(add)
    parameters = {p["name"]: p for p in resources(stack, "aws_ssm_parameter").values()}
    assert captured["names"] == ("/pf/dev/scheduling/business_hours", "/pf/dev/scheduling/feature.notes")
    assert sorted(parameters) == list(captured["names"])
    hours = parameters["/pf/dev/scheduling/business_hours"]
    assert hours == {"name": "/pf/dev/scheduling/business_hours", "type": "String",
                     "insecure_value": "08:00-18:00", "description": "Scheduling settings",
                     "tier": "Standard"}
    assert [(s.check_id, s.reason) for s in captured["suppressions"]] == [
        ("CKV2_AWS_34", NOT_A_SECRET)] * 2
    by_path, one_by_one = captured["statements"]
    base = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
    assert (by_path.sid, by_path.actions, by_path.resources) == (
        "ReadPathSettings", ("ssm:GetParametersByPath",), (f"{base}/pf/dev/scheduling",))
    assert (one_by_one.sid, one_by_one.actions, one_by_one.resources) == (
        "ReadSettings", ("ssm:GetParameter", "ssm:GetParameters"), (f"{base}/pf/dev/scheduling/*",))


def test_grant_id_and_tier():
    captured = {}

    def add(stack):
        captured["statements"] = ParameterSet(stack, "s", props(
            tier="Advanced", grant_id="Hours", values={"hours": "9-17"})).read_statements()
    stack = synth_construct(add)
    (parameter,) = resources(stack, "aws_ssm_parameter").values()
    assert parameter["tier"] == "Advanced"
    assert [s.sid for s in captured["statements"]] == ["ReadPathHours", "ReadHours"]


@pytest.mark.parametrize("fields, message", [
    ({"path": "pf/dev/"}, "must start and end with '/'"),
    ({"path": "/pf/dev"}, "must start and end with '/'"),
    ({"path": "/"}, "at least one level"),
    ({"path": "/aws/pf/"}, "not start with /aws or /ssm"),
    ({"values": {}}, "has no values"),
    ({"values": {"a/b": "x"}}, "parameter name 'a/b'"),
    ({"values": {"flag": ""}}, "non-empty string"),
    ({"values": {"flag": True}}, "non-empty string"),
    ({"tier": "Intelligent-Tiering"}, "Standard or Advanced"),
])
def test_props_refuse_bad_paths_names_and_values(fields, message):
    with pytest.raises(ValueError, match=message):
        props(**fields)
