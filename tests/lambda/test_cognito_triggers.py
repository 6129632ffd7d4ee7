"""The user pool's triggers (enterprise phase): pre-sign-up refuses what it must (formats,
domains, clients, a self sign-up without a matching invitation) against moto's DynamoDB, and
post-confirmation records the user once, without taking over another account's row. Fuzzed
with hypothesis: no event shape makes either trigger fail in an unplanned way."""

from __future__ import annotations

import datetime as dt
from types import ModuleType
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

USERS_TABLE = "pf-customer-users-test"
FOLDERS = ("cognito_pre_signup", "cognito_post_confirmation")


@pytest.fixture(scope="module")
def triggers(generator: ModuleType, handlers: dict[str, ModuleType]) -> dict[str, ModuleType]:
    return {name: generator.load_handler(name) for name in FOLDERS}


@pytest.fixture
def users_table(aws_mock: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The users table as users.py creates it (partition key `email`)."""
    boto3.client("dynamodb").create_table(
        TableName=USERS_TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}])
    monkeypatch.setenv("USERS_TABLE", USERS_TABLE)
    monkeypatch.setenv("ALLOWED_CLIENT_IDS", "09PF05VD")
    monkeypatch.setenv("REQUIRE_INVITATION", "true")
    monkeypatch.delenv("ALLOWED_EMAIL_DOMAINS", raising=False)
    return boto3.resource("dynamodb").Table(USERS_TABLE)


def invite(table: Any, email: str = "ana@example.com", customer: str = "CUST001",
           client: str = "09PF05VD") -> None:
    table.put_item(Item={"email": email, "status": "invited", "customer_id": customer,
                         "client_id": client})


def sign_up(source: str = "PreSignUp_SignUp", email: str = "ana@example.com",
            customer: str = "CUST001", client: str = "09PF05VD", **extra: str) -> dict[str, Any]:
    return {
        "version": "1", "region": "us-east-1", "userPoolId": "us-east-1_abc", "userName": "ana",
        "triggerSource": source,
        "callerContext": {"awsSdkVersion": "x", "clientId": "client"},
        "request": {"userAttributes": {"email": email, "custom:customer_id": customer,
                                       "custom:client_id": client, **extra}},
        "response": {},
    }


def confirmation(source: str = "PostConfirmation_ConfirmSignUp", email: str = "Ana@Example.com",
                 sub: str = "sub-1", customer: str = "CUST001") -> dict[str, Any]:
    event = sign_up(source, email=email, customer=customer, sub=sub)
    event["request"]["userAttributes"]["cognito:user_status"] = "CONFIRMED"
    return event


class TestPreSignUp:
    def test_an_invited_user_may_sign_up_and_still_verifies_the_email(
            self, triggers: dict[str, ModuleType], users_table: Any) -> None:
        invite(users_table)
        event = sign_up()
        result = triggers["cognito_pre_signup"].lambda_handler(event, None)
        assert result is event
        assert result["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False,
                                       "autoVerifyPhone": False}

    @pytest.mark.parametrize("invitation", [
        None,                                                # nobody invited this email
        {"customer": "CUST002"},                             # invited for another customer
        {"client": "OTHER"},                                 # another client
    ])
    def test_a_self_sign_up_needs_a_matching_invitation(
            self, triggers: dict[str, ModuleType], users_table: Any, invitation: Any) -> None:
        if invitation is not None:
            invite(users_table, **invitation)
        trigger = triggers["cognito_pre_signup"]
        with pytest.raises(trigger.SignUpRefused) as refused:
            trigger.lambda_handler(sign_up(), None)
        assert str(refused.value) == trigger.GENERIC_REFUSAL  # says nothing about invitations

    def test_a_confirmed_row_is_no_invitation(
            self, triggers: dict[str, ModuleType], users_table: Any) -> None:
        users_table.put_item(Item={"email": "ana@example.com", "status": "confirmed",
                                   "customer_id": "CUST001", "client_id": "09PF05VD"})
        trigger = triggers["cognito_pre_signup"]
        with pytest.raises(trigger.SignUpRefused):
            trigger.lambda_handler(sign_up(), None)

    def test_an_operator_created_user_needs_no_invitation(
            self, triggers: dict[str, ModuleType], users_table: Any) -> None:
        event = sign_up("PreSignUp_AdminCreateUser")
        assert triggers["cognito_pre_signup"].lambda_handler(event, None) is event

    def test_invitations_can_be_switched_off(
            self, triggers: dict[str, ModuleType], users_table: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("REQUIRE_INVITATION", "false")
        assert triggers["cognito_pre_signup"].lambda_handler(sign_up(), None)["response"]

    @pytest.mark.parametrize(("change", "environment"), [
        ({"customer": "cust001"}, {}),                       # lowercase customer id
        ({"customer": "C1"}, {}),                            # too short
        ({"client": "SOMEONE"}, {}),                         # not this environment's client
        ({"client": "bad client!"}, {"ALLOWED_CLIENT_IDS": ""}),  # malformed, even unrestricted
        ({"email": "not-an-email"}, {}),
        ({"email": "ana@gmail.com"}, {"ALLOWED_EMAIL_DOMAINS": "example.com,pf360.com"}),
        ({"source": "PreSignUp_ExternalProvider"}, {}),      # no federation configured
    ])
    def test_formats_domains_clients_and_sources_are_checked(
            self, triggers: dict[str, ModuleType], users_table: Any,
            monkeypatch: pytest.MonkeyPatch, change: dict[str, str],
            environment: dict[str, str]) -> None:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        invite(users_table, email=change.get("email", "ana@example.com"))
        trigger = triggers["cognito_pre_signup"]
        with pytest.raises(trigger.SignUpRefused):
            trigger.lambda_handler(sign_up(**change), None)

    def test_an_allowed_domain_matches_case_insensitively(
            self, triggers: dict[str, ModuleType], users_table: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "example.com")
        invite(users_table)
        assert triggers["cognito_pre_signup"].lambda_handler(
            sign_up(email="ana@EXAMPLE.com"), None)["response"]

    def test_a_missing_table_setting_is_an_error_not_a_pass(
            self, triggers: dict[str, ModuleType], users_table: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("USERS_TABLE")
        with pytest.raises(RuntimeError):
            triggers["cognito_pre_signup"].lambda_handler(sign_up(), None)


class TestPostConfirmation:
    NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone.utc)

    def test_the_invitation_becomes_the_users_record(
            self, triggers: dict[str, ModuleType], users_table: Any) -> None:
        invite(users_table)
        trigger = triggers["cognito_post_confirmation"]
        assert trigger.record(confirmation(), now=self.NOW) == "recorded"
        assert users_table.get_item(Key={"email": "ana@example.com"})["Item"] == {
            "email": "ana@example.com", "status": "confirmed", "user_sub": "sub-1",
            "customer_id": "CUST001", "client_id": "09PF05VD",
            "confirmed_at": "2026-07-01T12:00:00Z"}

    def test_a_user_without_invitation_gets_a_row_and_a_repeat_is_harmless(
            self, triggers: dict[str, ModuleType], users_table: Any) -> None:
        trigger = triggers["cognito_post_confirmation"]
        event = confirmation()
        assert trigger.lambda_handler(event, None) is event
        assert trigger.record(confirmation()) == "recorded"
        assert users_table.get_item(Key={"email": "ana@example.com"})["Item"]["user_sub"] == "sub-1"

    @pytest.mark.parametrize("other", [{"sub": "sub-2"}, {"customer": "CUST002"}])
    def test_another_account_cannot_take_over_the_row(
            self, triggers: dict[str, ModuleType], users_table: Any, other: dict[str, str]) -> None:
        trigger = triggers["cognito_post_confirmation"]
        assert trigger.record(confirmation()) == "recorded"
        assert trigger.record(confirmation(**other)) == "conflict"
        item = users_table.get_item(Key={"email": "ana@example.com"})["Item"]
        assert (item["user_sub"], item["customer_id"]) == ("sub-1", "CUST001")

    def test_a_password_reset_changes_nothing(
            self, triggers: dict[str, ModuleType], users_table: Any) -> None:
        trigger = triggers["cognito_post_confirmation"]
        assert trigger.record(confirmation("PostConfirmation_ConfirmForgotPassword")) == "ignored"
        assert "Item" not in users_table.get_item(Key={"email": "ana@example.com"})

    def test_aws_errors_propagate_so_the_user_retries(
            self, triggers: dict[str, ModuleType], users_table: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("USERS_TABLE", "no-such-table")
        with pytest.raises(Exception) as raised:
            triggers["cognito_post_confirmation"].record(confirmation())
        assert "ResourceNotFound" in type(raised.value).__name__ + str(raised.value)


# -- fuzz -------------------------------------------------------------------------------------
_text = st.one_of(st.none(), st.integers(), st.text(max_size=40),
                  st.sampled_from(["CUST001", "09PF05VD", "ana@example.com", ""]))
_attributes = st.dictionaries(
    st.sampled_from(["email", "custom:customer_id", "custom:client_id", "sub", "name"]), _text,
    max_size=5)
_events = st.fixed_dictionaries({
    "triggerSource": st.one_of(_text, st.sampled_from([
        "PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PostConfirmation_ConfirmSignUp",
        "PostConfirmation_ConfirmForgotPassword"])),
    "request": st.one_of(_text, st.fixed_dictionaries({"userAttributes": st.one_of(
        _text, _attributes)})),
})
_FUZZ = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(event=_events)
def test_pre_sign_up_allows_or_refuses_nothing_else(
        triggers: dict[str, ModuleType], users_table: Any, event: dict[str, Any]) -> None:
    trigger = triggers["cognito_pre_signup"]
    try:
        result = trigger.lambda_handler(event, None)
    except trigger.SignUpRefused:
        return
    # Allowed only with every check passed, and never confirmed on the user's behalf.
    attributes = event["request"]["userAttributes"]
    assert event["triggerSource"] in ("PreSignUp_SignUp", "PreSignUp_AdminCreateUser")
    assert attributes["custom:client_id"] == "09PF05VD"
    assert trigger.CUSTOMER_ID.fullmatch(attributes["custom:customer_id"])
    assert result["response"]["autoConfirmUser"] is False


@_FUZZ
@given(event=_events)
def test_post_confirmation_records_only_complete_confirmations(
        triggers: dict[str, ModuleType], users_table: Any, event: dict[str, Any]) -> None:
    outcome = triggers["cognito_post_confirmation"].record(event)
    assert outcome in ("recorded", "ignored", "conflict")
    if outcome == "recorded":
        attributes = event["request"]["userAttributes"]
        item = users_table.get_item(Key={"email": attributes["email"].lower()})["Item"]
        assert item["user_sub"] == attributes["sub"]
        assert item["status"] == "confirmed"
