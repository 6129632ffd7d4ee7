"""checkov findings that an env file's off-switch causes on purpose, excused per resource with
a reason naming the setting, so switching a control off is visible in the gate's report."""

from __future__ import annotations

from modules.suppressions import suppress

NO_CUSTOMER_KEY = ("Env setting agents.customer_managed_key = false turns the customer KMS key "
                   "off for this environment; this resource is encrypted with an AWS-owned or "
                   "AWS-managed key instead.")
NO_GUARDRAIL = ("Env setting agents.guardrail_enabled = false turns the guardrail off for this "
                "environment; the agents run without content or prompt-attack filters.")


def excuse(resources: list, checks: tuple[str, ...], reason: str) -> None:
    for resource in resources:
        for check in checks:
            suppress(resource, check, reason)
