"""The organization stack (management env file): all features, the five accounts in their
units, the three service control policies at the root, and the settings' one-line errors."""

from __future__ import annotations

import json
import tomllib

import pytest

from modules.config import REPO_ROOT, validate_as
from modules.errors import ConfigError
from tests.conftest import data_sources, one, resources


def environment(overrides: dict | None = None):
    from systems.app import EnvironmentFile

    raw = tomllib.loads((REPO_ROOT / "envs" / "management.toml").read_text())
    raw["systems"]["organization"].update(overrides or {})
    return validate_as(EnvironmentFile, raw, "envs/management.toml")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> dict:
    from cdktf import App

    from modules.backend import load_backend_settings
    from modules.stacks.system_stack import build_system_stack
    from systems.organization import SYSTEM

    config = environment()
    outdir = tmp_path_factory.mktemp("organization")
    app = App(outdir=str(outdir))
    built = build_system_stack(app, config, SYSTEM, config.systems.organization,
                               load_backend_settings())
    app.synth()
    return json.loads((outdir / "stacks" / built.node.id / "cdk.tf.json").read_text())


def statements(stack: dict, policy: dict) -> list[dict]:
    name = policy["content"].strip("${}").split(".")[2]
    return data_sources(stack, "aws_iam_policy_document")[name]["statement"]


def test_organization_with_all_features_and_scps(stack):
    organization = one(stack, "aws_organizations_organization")
    assert organization["feature_set"] == "ALL"
    assert organization["enabled_policy_types"] == ["SERVICE_CONTROL_POLICY"]
    assert {"cloudtrail.amazonaws.com", "config.amazonaws.com", "guardduty.amazonaws.com",
            "securityhub.amazonaws.com"} <= set(organization["aws_service_access_principals"])
    assert organization["lifecycle"]["prevent_destroy"] is True


def test_accounts_in_their_units(stack):
    units = {key: body["name"] for key, body in resources(stack, "aws_organizations_organizational_unit").items()}
    assert sorted(units.values()) == ["Security", "Workloads-NonProd", "Workloads-Prod"]
    accounts = {a["name"]: a for a in resources(stack, "aws_organizations_account").values()}
    assert sorted(accounts) == ["audit", "dev", "prod", "security", "staging"]
    assert accounts["prod"]["email"] == "aws+prod@example.com"
    unit_of = {name: units[a["parent_id"].strip("${}").split(".")[1]] for name, a in accounts.items()}
    assert unit_of == {"security": "Security", "audit": "Security", "dev": "Workloads-NonProd",
                       "staging": "Workloads-NonProd", "prod": "Workloads-Prod"}
    for account in accounts.values():
        assert account["lifecycle"] == {"prevent_destroy": True, "ignore_changes": ["role_name"]}
        assert account["role_name"] == "OrganizationAccountAccessRole"


def test_service_control_policies(stack):
    policies = {p["name"]: p for p in resources(stack, "aws_organizations_policy").values()}
    assert sorted(policies) == ["pf-allowed-regions", "pf-deny-leave-organization",
                                "pf-protect-security-services"]
    assert all(p["type"] == "SERVICE_CONTROL_POLICY" for p in policies.values())
    (leave,) = statements(stack, policies["pf-deny-leave-organization"])
    assert (leave["effect"], leave["actions"]) == ("Deny", ["organizations:LeaveOrganization"])
    (protect,) = statements(stack, policies["pf-protect-security-services"])
    assert {"cloudtrail:StopLogging", "config:StopConfigurationRecorder",
            "guardduty:DeleteDetector", "securityhub:DisableSecurityHub"} <= set(protect["actions"])
    assert protect["condition"][0]["values"] == ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]
    (regions,) = statements(stack, policies["pf-allowed-regions"])
    assert "actions" not in regions and "iam:*" in regions["not_actions"]
    assert {"test": "StringNotEquals", "variable": "aws:RequestedRegion",
            "values": ["us-east-1", "us-west-2"]} in regions["condition"]
    attachments = resources(stack, "aws_organizations_policy_attachment").values()
    assert len(attachments) == 3
    assert all(".roots[0].id" in a["target_id"] or "roots.0.id" in a["target_id"] for a in attachments)


def test_region_restriction_is_a_setting():
    from systems.organization.policies import service_control_policies

    settings = environment({"allowed_regions": []}).systems.organization
    assert [p.name for p in service_control_policies("pf", settings)] == [
        "pf-deny-leave-organization", "pf-protect-security-services"]


@pytest.mark.parametrize("change,words", [
    ({"account_email": ""}, "account_email is required"),
    ({"account_email": "aws@example.com"}, "{account}"),
    ({"accounts": {"dev": {"unit": "sandbox"}}}, "one of the units"),
    ({"allowed_regions": ["moon-1"]}, "region"),
    ({"accounts": {"Prod": {"unit": "prod"}}}, "lowercase account name"),
])
def test_bad_settings_are_one_line_errors(change, words):
    with pytest.raises(ConfigError) as caught:
        environment(change)
    message = str(caught.value)
    assert "envs/management.toml" in message and "systems.organization" in message
    assert words in message and "\n" not in message


def test_admin_role_needs_mfa_and_only_reaches_member_administration(stack):
    from tests.conftest import statements_of, trust_of

    trust = trust_of(stack, "pf-organization-admin")
    assert trust["principals"] == [{"type": "AWS", "identifiers": ["arn:aws:iam::000000000000:root"]}]
    assert {"test": "Bool", "variable": "aws:MultiFactorAuthPresent", "values": ["true"]} in trust["condition"]
    (hop,) = statements_of(stack, "pf-organization-admin").values()
    assert hop["actions"] == ["sts:AssumeRole"] and len(hop["resources"]) == 5
    assert all(r.endswith(":role/OrganizationAccountAccessRole") for r in hop["resources"])
