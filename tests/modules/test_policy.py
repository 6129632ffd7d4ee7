"""modules/policy.py: statements become aws_iam_policy_document data sources, fully."""

from __future__ import annotations

import cdktf
from cdktf import App, TerraformStack

from modules.aws import provider_module
from modules.policy import Statement, policy_document, service_trust


def synth(statements):
    stack = TerraformStack(App(), "policy")
    provider_module("provider").AwsProvider(stack, "aws", region="us-east-1")
    policy_document(stack, "doc", statements)
    import json
    return json.loads(cdktf.Testing.synth(stack))["data"]["aws_iam_policy_document"]


def test_statement_keeps_every_field():
    (doc,) = synth([Statement(
        sid="Read", actions=("s3:GetObject",), resources=("arn:aws:s3:::b/k",),
        principals=(("AWS", ("arn:aws:iam::111111111111:root",)),),
        conditions=(("StringEquals", "aws:SourceAccount", ("111111111111",)),),
    )]).values()
    (statement,) = doc["statement"]
    assert statement == {
        "sid": "Read", "effect": "Allow", "actions": ["s3:GetObject"],
        "resources": ["arn:aws:s3:::b/k"],
        "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111111111111:root"]}],
        "condition": [{"test": "StringEquals", "variable": "aws:SourceAccount",
                       "values": ["111111111111"]}],
    }


def test_service_trust_has_confused_deputy_conditions():
    trust = service_trust("bedrock.amazonaws.com", account_id="111111111111",
                          source_arn_pattern="arn:aws:bedrock:us-east-1:111111111111:agent/*")
    assert trust.actions == ("sts:AssumeRole",)
    assert {c[1] for c in trust.conditions} == {"aws:SourceAccount", "aws:SourceArn"}
