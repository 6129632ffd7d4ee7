"""UserPool alone: defaults, immutable custom attributes, MFA branches, trigger permissions,
the public SRP client, validation."""

from __future__ import annotations

import pytest

from modules.user_pool import CustomAttribute, Trigger, UserPool, UserPoolProps
from tests.conftest import one, policy_statements, synth_construct

ACCOUNT = "111122223333"


def props(**changes) -> UserPoolProps:
    base = dict(pool_name="shop-users", client_name="shop-web", account_id=ACCOUNT,
                region="us-east-1")
    return UserPoolProps(**{**base, **changes})


@pytest.fixture(scope="module")
def defaults() -> dict:
    return synth_construct(lambda scope: UserPool(scope, "users", props()))


@pytest.fixture(scope="module")
def full() -> dict:
    return synth_construct(lambda scope: UserPool(scope, "users", props(
        custom_attributes=(CustomAttribute("customer_id", 3, 32),),
        sms_role_name="shop-users-sms", mfa="ON", deletion_protection=True,
        threat_protection="OFF", self_sign_up=False,
        triggers={"pre_sign_up": Trigger("arn:aws:lambda:us-east-1:111122223333:function:pre", "pre"),
                  "post_confirmation": Trigger(
                      "arn:aws:lambda:us-east-1:111122223333:function:post", "post")})))


def test_defaults(defaults):
    pool = one(defaults, "aws_cognito_user_pool")
    assert pool["username_attributes"] == ["email"] and pool["auto_verified_attributes"] == ["email"]
    assert pool["password_policy"] == {
        "minimum_length": 12, "require_lowercase": True, "require_uppercase": True,
        "require_numbers": True, "require_symbols": True, "temporary_password_validity_days": 7}
    assert pool["mfa_configuration"] == "OPTIONAL"
    assert pool["software_token_mfa_configuration"] == {"enabled": True}
    assert "sms_configuration" not in pool and "lambda_config" not in pool
    assert pool["user_pool_add_ons"] == {"advanced_security_mode": "ENFORCED"}
    assert pool["user_pool_tier"] == "PLUS" and pool["deletion_protection"] == "INACTIVE"
    assert pool["admin_create_user_config"] == {"allow_admin_create_user_only": False}
    client = one(defaults, "aws_cognito_user_pool_client")
    assert client["generate_secret"] is False
    assert client["explicit_auth_flows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["enable_token_revocation"] is True
    assert client["token_validity_units"] == [
        {"access_token": "minutes", "id_token": "minutes", "refresh_token": "days"}]
    assert "aws_iam_role" not in defaults.get("resource", {})


def test_custom_attributes_are_immutable_and_written_only_at_sign_up(full):
    pool = one(full, "aws_cognito_user_pool")
    assert pool["schema"] == [{
        "name": "customer_id", "attribute_data_type": "String", "mutable": False,
        "required": False, "developer_only_attribute": False,
        "string_attribute_constraints": {"min_length": "3", "max_length": "32"}}]
    client = one(full, "aws_cognito_user_pool_client")
    assert "custom:customer_id" in client["write_attributes"]
    assert "custom:customer_id" in client["read_attributes"]


def test_sms_goes_through_a_role_only_this_accounts_cognito_assumes(full):
    pool = one(full, "aws_cognito_user_pool")
    assert pool["sms_configuration"]["external_id"] == "shop-users-sms"
    role = one(full, "aws_iam_role")
    trust = policy_statements(full, role["assume_role_policy"])[0]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["cognito-idp.amazonaws.com"]}]
    assert {c["variable"]: c["values"] for c in trust["condition"]} == {
        "sts:ExternalId": ["shop-users-sms"], "aws:SourceAccount": [ACCOUNT],
        "aws:SourceArn": [f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/*"]}
    statements = policy_statements(full, one(full, "aws_iam_role_policy")["policy"])
    assert [(s["effect"], s["actions"]) for s in statements] == [
        ("Allow", ["sns:Publish"]), ("Deny", ["sns:Publish"])]


def test_triggers_are_wired_and_invokable_by_this_pool_only(full):
    pool = one(full, "aws_cognito_user_pool")
    assert set(pool["lambda_config"]) == {"pre_sign_up", "post_confirmation"}
    permissions = full["resource"]["aws_lambda_permission"].values()
    assert sorted(p["function_name"] for p in permissions) == ["post", "pre"]
    for permission in permissions:
        assert permission["principal"] == "cognito-idp.amazonaws.com"
        assert permission["source_arn"].startswith("${aws_cognito_user_pool.users_pool")
        assert permission["source_account"] == ACCOUNT


def test_other_branches(full):
    pool = one(full, "aws_cognito_user_pool")
    assert pool["mfa_configuration"] == "ON" and pool["deletion_protection"] == "ACTIVE"
    assert pool["user_pool_tier"] == "ESSENTIALS"
    assert pool["admin_create_user_config"] == {"allow_admin_create_user_only": True}


@pytest.mark.parametrize(("change", "message"), [
    ({"mfa": "SOMETIMES"}, "mfa"),
    ({"threat_protection": "MAX"}, "threat_protection"),
    ({"mfa": "OFF", "sms_role_name": "r"}, "SMS role"),
    ({"triggers": {"custom_message": Trigger("a", "b")}}, "unknown trigger"),
    ({"custom_attributes": (CustomAttribute("Customer-ID"),)}, "custom attribute"),
])
def test_bad_props_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        props(**change)
