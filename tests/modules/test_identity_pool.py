"""modules/identity_pool.py: the pool federates one app client; each role trusts only this
pool's identities of its own kind; guests are off by default."""

from __future__ import annotations

import pytest

from modules.identity_pool import IdentityPool, IdentityPoolProps
from modules.policy import Statement
from tests.conftest import data_sources, one, resources, synth_construct

STATEMENTS = {"authenticated": (Statement(actions=("execute-api:Invoke",), resources=("a",)),),
              "unauthenticated": (Statement(effect="Deny", actions=("execute-api:Invoke",),
                                            resources=("b",)),)}
ROLES = {"authenticated": "t-auth", "unauthenticated": "t-unauth"}


@pytest.fixture(scope="module")
def stack():
    return synth_construct(lambda s: IdentityPool(s, "ip", IdentityPoolProps(
        pool_name="t-identity", role_names=ROLES, statements=STATEMENTS,
        user_pool_client_id="client", user_pool_provider_name="cognito-idp.x/pool")))


def test_pool_and_roles(stack):
    pool = one(stack, "aws_cognito_identity_pool")
    assert pool["allow_unauthenticated_identities"] is False
    assert pool["cognito_identity_providers"][0]["client_id"] == "client"
    attachment = one(stack, "aws_cognito_identity_pool_roles_attachment")
    assert set(attachment["roles"]) == {"authenticated", "unauthenticated"}
    assert {r["name"] for r in resources(stack, "aws_iam_role").values()} == set(ROLES.values())


def test_each_role_trusts_only_its_kind_of_this_pool(stack):
    documents = data_sources(stack, "aws_iam_policy_document")
    for kind in ROLES:
        (trust,) = [d for name, d in documents.items() if name.startswith(f"ip_{kind}_trust")]
        (statement,) = trust["statement"]
        assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
        conditions = {c["variable"]: c["values"] for c in statement["condition"]}
        assert conditions["cognito-identity.amazonaws.com:amr"] == [kind]
        assert conditions["cognito-identity.amazonaws.com:aud"][0].startswith(
            "${aws_cognito_identity_pool.")


def test_both_kinds_are_required():
    with pytest.raises(ValueError, match="exactly"):
        IdentityPoolProps(pool_name="p", role_names={"authenticated": "a"},
                          statements=STATEMENTS, user_pool_client_id="c",
                          user_pool_provider_name="x")
