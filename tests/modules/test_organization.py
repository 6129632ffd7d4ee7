"""modules/organization.py alone: units under the root, accounts kept on destroy, SCP
documents attached to their targets; props checked."""

from __future__ import annotations

import pytest

from modules.organization import (ROOT, MemberAccount, Organization, OrganizationProps,
                                  ServiceControlPolicy)
from modules.policy import Statement
from tests.conftest import one, resources, synth_construct

DENY = (Statement(sid="D", effect="Deny", actions=("organizations:LeaveOrganization",), resources=("*",)),)


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: Organization(s, "org", OrganizationProps(
        units={"work": "Workloads"}, accounts=(MemberAccount("dev", "a+dev@example.com", "work"),),
        policies=(ServiceControlPolicy("t-deny", "d", DENY, targets=(ROOT, "work")),),
        service_access_principals=("config.amazonaws.com",))))


def test_units_accounts_and_policies(stack):
    assert one(stack, "aws_organizations_organization")["aws_service_access_principals"] == [
        "config.amazonaws.com"]
    unit = one(stack, "aws_organizations_organizational_unit")
    assert unit["name"] == "Workloads" and "roots" in unit["parent_id"]
    account = one(stack, "aws_organizations_account")
    assert account["parent_id"].startswith("${aws_organizations_organizational_unit.")
    assert account["lifecycle"]["prevent_destroy"] is True
    policy = one(stack, "aws_organizations_policy")
    assert policy["content"].startswith("${data.aws_iam_policy_document.") and \
        policy["content"].endswith(".minified_json}")
    assert len(resources(stack, "aws_organizations_policy_attachment")) == 2


@pytest.mark.parametrize("change,words", [
    ({"accounts": (MemberAccount("dev", "a@example.com", "nowhere"),)}, "unit"),
    ({"accounts": (MemberAccount("dev", "not-an-email", ROOT),)}, "email"),
    ({"policies": (ServiceControlPolicy("p", "d", DENY, targets=("x",)),)}, "targets"),
    ({"accounts": (MemberAccount("a", "a@example.com", ROOT),) * 2}, "unique"),
])
def test_bad_props_are_refused(change, words):
    values = {"units": {}, "accounts": ()}
    with pytest.raises(ValueError, match=words):
        OrganizationProps(**{**values, **change})
