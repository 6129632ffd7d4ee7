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

Gap 7 - SQS `RedriveAllowPolicy` (moto 5.2.5, `moto.sqs.models.Queue.attributes`):
    SetQueueAttributes stores it, but GetQueueAttributes never returns it, so the provider waits
    20 minutes for the dead-letter queue's redrive-allow policy to appear and fails. Fix: the
    queue returns the policy it was given, as it does `Policy`.

Gap 8 - security group rule descriptions (moto 5.2.5, `moto.ec2.models.security_groups`):
    a rule's `Description` is read from its CIDR range only. A rule whose source is another
    security group (`UserIdGroupPairs`) or a prefix list keeps the description in a place
    DescribeSecurityGroupRules never reads, so it answers none and every plan after an apply
    wants to set it again (the rules between the stacks' security groups, and the CloudFront
    prefix-list rule). Fix: the rule's description comes from whichever source it was given with.

Gap 9 - container-image functions without `ImageConfig` (moto 5.2.5,
    `moto.awslambda.models.LambdaFunction.get_configuration`): GetFunction answers
    `ImageConfigResponse` with an empty command and entry point for every image function, where
    AWS answers none when the function has no image overrides, so every plan after an apply
    wants to remove an `image_config` the stack never set. Fix: answer none when all three
    overrides are empty.

Gap 10 - Aurora clusters outside serverless v1 (moto 5.2.5, `moto.rds.models.DBCluster`):
    DescribeDBClusters answers a `ScalingConfigurationInfo` of empty values for every cluster,
    where AWS answers it only for `engine_mode = "serverless"`, so every plan after an apply
    wants to remove a serverless-v1 `scaling_configuration` from the Serverless v2 cluster.
    Fix: no `ScalingConfigurationInfo` without a scaling configuration.

Gap 11 - Glue job `ExecutionClass` (moto 5.2.5, `moto.glue.models.FakeJob`): GetJob answers
    `STANDARD` for a job created without one, where AWS answers none for a Python shell job
    (the class applies to Spark jobs), so every plan after an apply wants to remove it. Fix:
    answer the execution class only when the job was given one.

Gap 12 - AWS Backup ListTags (moto 5.2.5, `moto.backup.responses.BackupResponse.list_tags`):
    it takes the resource ARN from the next-to-last path segment, which holds only with a
    trailing slash (`/tags/<arn>/`, as boto3 sends it). The provider sends `/tags/<arn>`, so
    moto looked up the tags of "tags", answered none, and every plan after an apply wanted to add
    the vault's and plan's `default_tags` again. Fix: the ARN is everything after `/tags/`.

Gap 13 - ECS services on a capacity-provider strategy (moto 5.2.5, `moto.ecs`): CreateService
    ignores `capacityProviderStrategy` and sets the launch type to EC2, so DescribeServices
    answers `launchType: EC2` and no strategy, and every plan after an apply replaces each
    FARGATE_SPOT service. Fix: a service created with a strategy and no launch type keeps the
    strategy and has no launch type, as on AWS (UpdateService already stores the strategy).

Gap 14 - a retried attempt after a lost response (moto's werkzeug server, any service): on a
    busy machine the provider sometimes loses a response ("use of closed network connection")
    after moto has already carried the request out. The SDK then sends the same call again
    (same `amz-sdk-invocation-id`, `amz-sdk-request: attempt=2`), and a create that succeeded the
    first time fails the second: CreateFunction answered 409 "Function already exist" and the
    apply failed. Fix: the emulator remembers its successful (2xx) answers to changing requests
    by invocation id, and answers a later attempt of the same invocation with the remembered
    answer instead of carrying it out twice, as the client would have seen had the first
    response arrived. Error answers are never replayed (a retry after a 5xx runs again); reads
    always run.
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
    _patch_sqs_redrive_allow_policy()
    _patch_security_group_rule_descriptions()
    _patch_lambda_empty_image_config()
    _patch_rds_scaling_configuration()
    _patch_glue_execution_class()
    _patch_backup_list_tags()
    _patch_ecs_create_service()
    _patch_route53_private_zone_by_vpc()
    _serialize_requests()
    _replay_retried_attempts()


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


def _patch_sqs_redrive_allow_policy() -> None:
    """Gap 7 (see module docstring)."""
    from moto.sqs.models import Queue

    original = Queue.attributes.fget
    Queue.redrive_allow_policy = None  # queues created without one
    # A known name, so GetQueueAttributes may ask for it alone.
    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]

    def attributes(self):
        result = original(self)
        if not self.redrive_allow_policy:
            result.pop("RedriveAllowPolicy", None)
        return result

    Queue.attributes = property(attributes)


def _patch_lambda_empty_image_config() -> None:
    """Gap 9 (see module docstring)."""
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.get_configuration

    def get_configuration(self, *args, **kwargs):
        config = original(self, *args, **kwargs)
        image = config.get("ImageConfigResponse", {}).get("ImageConfig")
        if image is not None and not any(image.values()):
            del config["ImageConfigResponse"]
        return config

    LambdaFunction.get_configuration = get_configuration


def _argument(function, name: str, *args, **kwargs):
    """The value `function(*args, **kwargs)` received for its parameter `name`."""
    import inspect

    return inspect.signature(function).bind(*args, **kwargs).arguments.get(name)


def _patch_rds_scaling_configuration() -> None:
    """Gap 10 (see module docstring)."""
    from moto.rds.models import DBCluster

    original = DBCluster.scaling_configuration_info.fget

    def scaling_configuration_info(self):
        return original(self) if self.scaling_configuration else None

    DBCluster.scaling_configuration_info = property(scaling_configuration_info)


def _patch_glue_execution_class() -> None:
    """Gap 11 (see module docstring)."""
    from moto.glue.models import FakeJob

    original_init = FakeJob.__init__
    original_as_dict = FakeJob.as_dict

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        given = _argument(original_init, "execution_class", self, *args, **kwargs)
        self.pf_execution_class_given = bool(given)

    def as_dict(self):
        result = original_as_dict(self)
        if not getattr(self, "pf_execution_class_given", True):
            result.pop("ExecutionClass", None)
        return result

    FakeJob.__init__ = __init__
    FakeJob.as_dict = as_dict


def _patch_backup_list_tags() -> None:
    """Gap 12 (see module docstring)."""
    import json
    from urllib.parse import unquote, urlsplit

    from moto.backup.responses import BackupResponse

    def list_tags(self) -> str:
        path = urlsplit(self.path).path
        arn = unquote(path.split("/tags/", 1)[1].rstrip("/"))
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=arn)})

    BackupResponse.list_tags = list_tags


#: CreateService parameters moto drops -> the `Service` attribute DescribeServices answers (gap 16).
_ECS_SERVICE_SETTINGS = {"healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
                         "enableECSManagedTags": "enable_ecs_managed_tags",
                         "availabilityZoneRebalancing": "availability_zone_rebalancing"}


def _patch_ecs_create_service() -> None:
    """Gaps 13 and 16 (see module docstring): what CreateService drops is kept on the service."""
    from moto.ecs.models import Service
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service
    Service.capacity_provider_strategy = None  # services created without one
    for attribute in _ECS_SERVICE_SETTINGS.values():
        setattr(Service, attribute, None)

    def create_service(self):
        result = original(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"),
                                                self._get_param("serviceName"))
        strategy = self._get_param("capacityProviderStrategy")
        if strategy and not self._get_param("launchType"):  # gap 13
            service.capacity_provider_strategy = strategy
            service.launch_type = None
            for deployment in service.deployments:
                deployment.pop("launchType", None)
                deployment["capacityProviderStrategy"] = strategy
        for parameter, attribute in _ECS_SERVICE_SETTINGS.items():  # gap 16
            value = self._get_param(parameter)
            if value is not None:
                setattr(service, attribute, value)
        return result

    EC2ContainerServiceResponse.create_service = create_service


def _patch_route53_private_zone_by_vpc() -> None:
    """Gap 15 (see module docstring)."""
    from moto.route53.responses import Route53

    original = Route53.create_hosted_zone

    def create_hosted_zone(self):
        if self._get_param("VPC.VPCId"):
            read_bool = self._get_bool_param

            def get_bool_param(name, *args, **kwargs):
                if name == "HostedZoneConfig.PrivateZone":
                    return True
                return read_bool(name, *args, **kwargs)

            self._get_bool_param = get_bool_param
        return original(self)

    Route53.create_hosted_zone = create_hosted_zone


def _patch_security_group_rule_descriptions() -> None:
    """Gap 8 (see module docstring)."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    original_init = SecurityGroupRule.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        prefix_list = _argument(original_init, "prefix_list_id", self, *args, **kwargs)
        self.prefix_list_description = (prefix_list or {}).get("Description")

    def description(self):
        for given in (self.ip_range.get("Description"), self.source_group.get("Description"),
                      getattr(self, "prefix_list_description", None)):
            if given is not None:
                return given
        return None

    SecurityGroupRule.__init__ = __init__
    SecurityGroupRule.description = property(description)


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


#: Methods whose requests change the emulator's state (reads are never replayed).
_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Successful answers remembered for a retried attempt; retries follow within seconds.
_REMEMBERED_ANSWERS = 2000


def _attempt(environ) -> int:
    """The SDK's attempt number from `amz-sdk-request: attempt=N; max=M` (1 when absent)."""
    for part in environ.get("HTTP_AMZ_SDK_REQUEST", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "attempt" and value.isdigit():
            return int(value)
    return 1


def _replay_retried_attempts() -> None:
    """Gap 14 (see module docstring): a later attempt of an invocation the emulator already
    answered successfully gets that answer again instead of running twice."""
    import threading
    from collections import OrderedDict

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    answers: OrderedDict[tuple, tuple[str, list, bytes]] = OrderedDict()
    guard = threading.Lock()
    serialized_call = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
        if not invocation or environ.get("REQUEST_METHOD") not in _CHANGING_METHODS:
            return serialized_call(self, environ, start_response)
        key = (invocation, environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
               environ.get("QUERY_STRING", ""))
        if _attempt(environ) > 1:
            with guard:
                remembered = answers.get(key)
            if remembered is not None:
                status, headers, body = remembered
                start_response(status, headers)
                return [body]
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        result = serialized_call(self, environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if captured and captured[0][:1] == "2":
            with guard:
                answers[key] = (captured[0], captured[1], body)
                while len(answers) > _REMEMBERED_ANSWERS:
                    answers.popitem(last=False)
        return [body]

    DomainDispatcherApplication.__call__ = __call__


def main(argv: list[str] | None = None) -> None:
    patch_moto()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
