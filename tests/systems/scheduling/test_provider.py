"""The scheduling stacks' provider: one account, one region, tags on everything, no keys."""

from __future__ import annotations


def test_provider_is_pinned_to_the_account_and_tags_everything(dev):
    provider = dev["provider"]["aws"][0]
    assert provider["region"] == "us-east-1"
    assert provider["allowed_account_ids"] == ["618048437522"]
    tags = provider["default_tags"][0]["tags"]
    assert tags == {"Project": "scheduling-agents", "Environment": "dev", "ManagedBy": "terraform",
                    "Owner": "platform-team", "CostCenter": "scheduling-agents"}
    assert "access_key" not in provider and "secret_key" not in provider
    assert dev["terraform"]["required_providers"]["aws"]["version"] == "5.100.0"


def test_bootstrap_provider_uses_the_backend_account(stacks):
    provider = stacks["state-backend"]["provider"]["aws"][0]
    assert provider["allowed_account_ids"] == ["618048437522"]
    assert provider["default_tags"][0]["tags"]["Stack"] == "state-backend"
