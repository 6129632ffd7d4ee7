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

Gap 2 - Lambda `LoggingConfig` and `DeadLetterConfig` (moto 5.2.5,
    `moto.awslambda.models.LambdaFunction`): CreateFunction/UpdateFunctionConfiguration drop both
    and GetFunction never returns them, so every plan after an apply wants to add `logging_config`
    (JSON logs into the function's log group; every function) and `dead_letter_config` (the SQS
    dead-letter queue of the phase-2 scheduled functions) again. Fix: keep what a request sent and
    return it with the function's configuration; an update with an empty
    `DeadLetterConfig.TargetArn` removes it, as on AWS (GetFunction then omits it).

Gap 3 - Application Auto Scaling tags (moto 5.2.5, `moto.applicationautoscaling`):
    RegisterScalableTarget ignores `Tags` and ListTagsForResource/TagResource/UntagResource are
    not implemented (HTTP 500 "The list_tags_for_resource action has not been implemented"). The
    provider reads a target's tags right after creating it (`aws_appautoscaling_target` is
    taggable; the stacks' `default_tags` make it send tags), so every DynamoDB scalable target
    failed. Fix: a new target keeps the `Tags` it was registered with (AWS ignores `Tags` when
    RegisterScalableTarget updates an existing target), and the three tag actions read and change
    them by `ScalableTargetARN`; an unknown ARN answers `ResourceNotFoundException`, as AWS does.

Gap 4 - concurrent requests (moto 5.2.5 server: werkzeug `run_simple(threaded=True)`):
    every request runs in a thread of its own, but moto's in-memory backends are plain dicts
    without locks. Terraform sends up to 10 requests at once (more with two applies), and e.g.
    two CreateRole calls race in `IAMBackend.create_role` (`RuntimeError: dictionary changed size
    during iteration`, HTTP 500). Fix: one lock around each request's handling in the WSGI
    dispatcher, so the emulator's state changes one request at a time, as AWS's are consistent;
    sending the responses stays concurrent. (No request our stacks send blocks inside moto.)

Gap 5 - API Gateway authorizer `identityValidationExpression` (moto 5.2.5,
    `moto.apigateway`): CreateAuthorizer passes it on as `identiy_validation_expression`
    (misspelt), which `Authorizer.__init__` never reads, so GetAuthorizer omits it and every
    plan wants to set it again. Fix: accept the misspelt keyword as the real one.

Gap 6 - Kinesis stream tags on create (moto 5.2.5, `moto.kinesis.responses.create_stream`):
    CreateStream ignores its `Tags` (the provider sends the stacks' `default_tags` there), so
    ListTagsForStream answers none and every plan after an apply wants to add them again (and
    re-reads every policy document naming the stream). Fix: a new stream keeps the tags it was
    created with, as AddTagsToStream would.
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
    _patch_lambda_kept_config()
    _patch_appautoscaling_tags()
    _patch_authorizer_validation_expression()
    _patch_kinesis_create_tags()
    _serialize_requests()


_KEPT_LAMBDA_CONFIG = ("LoggingConfig", "DeadLetterConfig")


def _kept_value(key: str, value):
    """What GetFunction returns for a kept setting; None: nothing (AWS omits it)."""
    if key == "DeadLetterConfig" and not (value or {}).get("TargetArn"):
        return None
    return value or None


def _patch_lambda_kept_config() -> None:
    """Gap 2 (see module docstring): keep and return a function's LoggingConfig and
    DeadLetterConfig."""
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_configuration = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def __init__(self, account_id, spec, region, version=1):
        original_init(self, account_id, spec, region, version)
        self.pf_kept_config = {key: _kept_value(key, spec.get(key)) for key in _KEPT_LAMBDA_CONFIG}

    def get_configuration(self, *args, **kwargs):
        config = original_configuration(self, *args, **kwargs)
        for key, value in getattr(self, "pf_kept_config", {}).items():
            if value is not None:
                config[key] = value
        return config

    def update_configuration(self, config_updates):
        kept = self.__dict__.setdefault("pf_kept_config", {})
        for key in _KEPT_LAMBDA_CONFIG:
            if key in config_updates:
                kept[key] = _kept_value(key, config_updates[key])
        return original_update(self, config_updates)

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration


def _patch_authorizer_validation_expression() -> None:
    """Gap 5 (see module docstring)."""
    from moto.apigateway.models import Authorizer

    original_init = Authorizer.__init__

    def __init__(self, *args, **kwargs):
        misspelt = kwargs.pop("identiy_validation_expression", None)
        if misspelt and not kwargs.get("identity_validation_expression"):
            kwargs["identity_validation_expression"] = misspelt
        original_init(self, *args, **kwargs)

    Authorizer.__init__ = __init__


def _patch_kinesis_create_tags() -> None:
    """Gap 6 (see module docstring)."""
    from moto.kinesis.responses import KinesisResponse

    original_create = KinesisResponse.create_stream

    def create_stream(self):
        result = original_create(self)
        tags = self._get_param("Tags")
        if tags:
            self.kinesis_backend.add_tags_to_stream(None, self._get_param("StreamName"), tags)
        return result

    KinesisResponse.create_stream = create_stream


def _patch_appautoscaling_tags() -> None:
    """Gap 3 (see module docstring): tags of Application Auto Scaling scalable targets."""
    import json

    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.core.exceptions import JsonRESTError

    responses = ApplicationAutoScalingResponse
    original_register = responses.register_scalable_target

    def target_by_arn(self, arn):
        backend = self.applicationautoscaling_backend
        for by_resource in backend.targets.values():
            for target in by_resource.values():
                if target.arn == arn:
                    return target
        raise JsonRESTError("ResourceNotFoundException",
                            f"Scalable target with ARN {arn} not found")

    def register_scalable_target(self):
        backend = self.applicationautoscaling_backend
        dimension, resource_id = self._get_param("ScalableDimension"), self._get_param("ResourceId")
        existed = resource_id in backend.targets.get(dimension, {})
        body = original_register(self)
        if not existed:
            target = backend.targets[dimension][resource_id]
            target.pf_tags = dict(self._get_param("Tags") or {})
        return body

    def list_tags_for_resource(self):
        target = target_by_arn(self, self._get_param("ResourceARN"))
        return json.dumps({"Tags": getattr(target, "pf_tags", {})})

    def tag_resource(self):
        target = target_by_arn(self, self._get_param("ResourceARN"))
        target.pf_tags = {**getattr(target, "pf_tags", {}), **(self._get_param("Tags") or {})}
        return json.dumps({})

    def untag_resource(self):
        target = target_by_arn(self, self._get_param("ResourceARN"))
        keys = set(self._get_param("TagKeys") or [])
        target.pf_tags = {k: v for k, v in getattr(target, "pf_tags", {}).items()
                          if k not in keys}
        return json.dumps({})

    responses.register_scalable_target = register_scalable_target
    responses.list_tags_for_resource = list_tags_for_resource
    responses.tag_resource = tag_resource
    responses.untag_resource = untag_resource


def _serialize_requests() -> None:
    """Gap 4 (see module docstring): one request at a time through moto's backends."""
    import threading

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    lock = threading.Lock()
    original_call = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        with lock:
            return original_call(self, environ, start_response)

    DomainDispatcherApplication.__call__ = __call__


def main(argv: list[str] | None = None) -> None:
    patch_moto()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
