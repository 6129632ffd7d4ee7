"""modules/stacks/system_stack.py: one stack per (environment, system), its id, backend key,
provider pin and tags; the stack never imports a system (it gets `build`)."""

from __future__ import annotations

import json

import cdktf
from cdktf import App

from modules.backend import load_backend_settings
from modules.config import EnvironmentBase, StrictModel
from modules.stacks.system_stack import build_system_stack
from modules.system import System


class Settings(StrictModel):
    size: int = 1


def test_stack_id_backend_key_provider_and_tags():
    built = []
    system = System(key="demo", title="t", settings=Settings,
                    build=lambda stack, settings: built.append((stack.node.id, settings.size)),
                    names=lambda env, settings: [])
    env = EnvironmentBase(prefix="t", environment="qa", account_id="111122223333",
                          region="eu-west-1", tags={"Owner": "me"})
    stack = build_system_stack(App(), env, system, Settings(size=3), load_backend_settings())
    synthesized = json.loads(cdktf.Testing.synth(stack))
    assert built == [("qa-demo", 3)]
    s3 = synthesized["terraform"]["backend"]["s3"]
    assert s3["key"] == "pf/qa/demo/terraform.tfstate" and s3["use_lockfile"] is True
    provider = synthesized["provider"]["aws"][0]
    assert provider["allowed_account_ids"] == ["111122223333"] and provider["region"] == "eu-west-1"
    assert provider["default_tags"][0]["tags"] == {
        "Project": "demo", "Environment": "qa", "ManagedBy": "terraform", "Owner": "me"}
    assert "access_key" not in provider and "secret_key" not in provider
