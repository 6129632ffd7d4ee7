"""modules/network_acl.py alone: rules as data, numbered per direction, all-protocol rules
without ports."""

from __future__ import annotations

import pytest

from modules.network_acl import AclRule, NetworkAcl, NetworkAclProps
from tests.conftest import one, resources, synth_construct


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: NetworkAcl(s, "acl", NetworkAclProps(
        "t-acl", "vpc-1", ("subnet-1", "subnet-2"), rules=(
            AclRule(100, False, "allow", "10.0.0.0/16", "tcp", 443, 443),
            AclRule(100, True, "allow", "10.0.0.0/16", "tcp", 1024, 65535),
            AclRule(200, True, "deny", "0.0.0.0/0", "all")))))


def test_acl_and_rules(stack):
    assert one(stack, "aws_network_acl")["subnet_ids"] == ["subnet-1", "subnet-2"]
    rules = {(r["rule_number"], r["egress"]): r for r in resources(stack, "aws_network_acl_rule").values()}
    assert rules[(100, False)]["protocol"] == "6" and rules[(100, False)]["from_port"] == 443
    assert rules[(200, True)]["protocol"] == "-1" and "from_port" not in rules[(200, True)]


@pytest.mark.parametrize("make,words", [
    (lambda: AclRule(0, False, "allow", "10.0.0.0/8"), "rule number"),
    (lambda: AclRule(1, False, "permit", "10.0.0.0/8"), "allow/deny"),
    (lambda: AclRule(1, False, "allow", "10.0.0.0/8", "tcp", 10, 5), "from <= to"),
    (lambda: NetworkAclProps("a", "v", (), (AclRule(1, False, "allow", "10.0.0.0/8"),) * 2), "unique"),
])
def test_bad_rules_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()
