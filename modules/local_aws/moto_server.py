"""`python -m modules.local_aws.moto_server -H 127.0.0.1 -p PORT`: moto's server, with the
emulator gaps that block our stacks fixed in the emulator (never by weakening a stack).

Gap 1 - conditional Deny in bucket policies (moto 5.2.5, `moto.iam.policy_conditions`):
    moto evaluates only the `StringEquals` condition operator and treats every other operator
    (`Bool`, `ArnLike`, `NumericLessThan`, ...) as *satisfied*. A bucket policy's standard
    `DenyInsecureTransport` statement (`Deny s3:*` if `Bool aws:SecureTransport = false`) therefore
    denies every object request, and the S3 backend gets `403 Forbidden` on its state object.
    Fix: a Deny statement whose conditions moto cannot evaluate does not apply to the request
    (moto stays permissive about what it cannot evaluate, as it already is for Allow statements).
    moto has no notion of the transport either; the emulator stands in for an HTTPS endpoint.

Gap 2 - Lambda `LoggingConfig` (moto 5.2.5, `moto.awslambda.models.LambdaFunction`):
    CreateFunction/UpdateFunctionConfiguration drop `LoggingConfig` and GetFunction never returns
    it, so every plan after an apply wants to add `logging_config` (JSON logs into the function's
    log group) to the three functions again. Fix: keep the `LoggingConfig` a request sent and
    return it with the function's configuration.
"""

from __future__ import annotations

import sys


def patch_moto() -> None:
    """Apply the gap fixes to the moto modules of this process (idempotent)."""
    from moto.iam import access_control, policy_conditions

    statement_cls = access_control.IAMPolicyStatement
    if getattr(statement_cls, "_pf_patched", False):
        return
    original = statement_cls.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None,
                            incoming_condition_values=None):
        conditions = self._statement.get("Condition") or {}
        if self._statement.get("Effect") == "Deny" and any(
            operator not in policy_conditions.CONDITION_OPERATIONS for operator in conditions
        ):
            # Gap 1 (see module docstring): moto cannot evaluate this Deny's condition.
            return access_control.PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    statement_cls.is_action_permitted = is_action_permitted
    statement_cls._pf_patched = True
    _patch_lambda_logging_config()


def _patch_lambda_logging_config() -> None:
    """Gap 2 (see module docstring): keep and return a function's LoggingConfig."""
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_configuration = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def __init__(self, account_id, spec, region, version=1):
        original_init(self, account_id, spec, region, version)
        self.pf_logging_config = spec.get("LoggingConfig")

    def get_configuration(self, *args, **kwargs):
        config = original_configuration(self, *args, **kwargs)
        if getattr(self, "pf_logging_config", None):
            config["LoggingConfig"] = self.pf_logging_config
        return config

    def update_configuration(self, config_updates):
        if "LoggingConfig" in config_updates:
            self.pf_logging_config = config_updates["LoggingConfig"]
        return original_update(self, config_updates)

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration


def main(argv: list[str] | None = None) -> None:
    patch_moto()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
