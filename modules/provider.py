"""The AWS provider of a stack: pinned to one account and region, tagging every resource."""

from __future__ import annotations

from constructs import Construct

from modules.aws import provider_module


def aws_provider(scope: Construct, *, region: str, account_id: str, tags: dict[str, str],
                 alias: str | None = None):
    """`allowed_account_ids` makes a plan against the wrong account fail before any change.
    `alias` adds a second provider (another region) beside the default one."""
    module = provider_module("provider")
    return module.AwsProvider(
        scope,
        f"aws_{alias}" if alias else "aws",
        alias=alias,
        region=region,
        allowed_account_ids=[account_id],
        default_tags=[module.AwsProviderDefaultTags(tags=dict(tags))] if tags else None,
    )
