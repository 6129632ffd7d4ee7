"""The IAM policy a deploying role needs to plan, apply and destroy one synthesized stack.

    python -m modules.pipeline.deployer_policy [--outdir cdktf.out] [--only STACK]
                                               [--write build/deployer-policies]

Generated from `<outdir>/stacks/<stack>/cdk.tf.json`:

* `PERMISSIONS` maps every resource and data source type the project uses to the IAM actions
  hashicorp/aws 5.100 calls to create, read (plan/refresh), update, tag and delete it. A type
  that is not in the table stops the generator (`UnmappedTypes`), so a new construct cannot
  silently ship without deploy permissions.
* Resources are scoped to the stack's account and region (the provider block) and to the names
  the stack uses: the literal names in the JSON are generalized per family to
  `<common prefix>*<common suffix>` (`table/pf-*-staging`), a single name stays exact, and an
  interpolated part (`${...}`) becomes `*`. Services whose ARNs carry generated ids
  (KMS keys, Bedrock agents and guardrails, API Gateway ids, scalable targets) get
  `<type>/*` in the account and region; actions without resource-level permissions get `"*"`
  in one statement whose Sid says so (`NoResourceLevelPermissions`).
* Key use by a service on the deployer's behalf (`kms:CreateGrant` for DynamoDB, Lambda, ...)
  is conditioned on `kms:ViaService`; `iam:PassRole` on `iam:PassedToService` and only for the
  roles the stack passes.
* The state backend: `s3:ListBucket` on the bucket, get/put on the stack's state object and
  get/put/delete on its `.tflock`, the DynamoDB lock table items, and the state KMS key through S3 and
  DynamoDB, selected by its alias (`kms:ResourceAliases`). Stacks other than the bootstrap also
  get an explicit Deny on deleting, disabling or re-policing the state key, since KMS key ARNs
  cannot be scoped by name.

Not needed and not granted: `sts:GetCallerIdentity` (the provider's account check; it needs no
permission), anything the functions and agents do at run time (their own roles hold that).

Each policy is split into documents of at most 6,144 characters (the managed-policy limit,
whitespace not counted); a role holds 10 managed policies by default, and inline policies share
10,240 characters per role.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from modules.backend import BOOTSTRAP_STACK
from modules.pipeline.synth import selects

MANAGED_POLICY_LIMIT = 6144
INLINE_POLICY_LIMIT = 10240
NO_RESOURCE_LEVEL = "*"
_REF = re.compile(r"\$\{([^}]*)\}")
_SEPARATORS = "-_/.:"


@dataclass(frozen=True)
class Grant:
    """Actions of one resource type on one scope (see `SCOPES`)."""

    actions: tuple[str, ...]
    scope: str
    #: Only when some resource of the type sets this attribute (dotted path), e.g. a KMS key.
    when: str | None = None
    #: `kms:ViaService` service (`dynamodb` -> `dynamodb.<region>.amazonaws.com`).
    via: str | None = None
    #: For `iam:PassRole`: the attribute holding the role ARN, and the service it is passed to.
    role_attribute: str | None = None
    passed_to: str | None = None


def _g(scope: str, *actions: str, **options) -> Grant:
    return Grant(tuple(actions), scope, **options)


_S3_BUCKET_READ = ("s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketPolicy",
                   "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite",
                   "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration",
                   "s3:GetBucketRequestPayment", "s3:GetBucketLogging",
                   "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
                   "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration",
                   "s3:GetBucketTagging")
_APIGW_REST = "apigateway_rest"

#: Resource/data type -> what the provider calls for it. Keep sorted; data sources as `data.<type>`.
PERMISSIONS: dict[str, tuple[Grant, ...]] = {
    "aws_api_gateway_account": (
        _g("apigateway_account", "apigateway:GET", "apigateway:PATCH"),
        _g("passed_role", "iam:PassRole", role_attribute="cloudwatch_role_arn",
           passed_to="apigateway"),
    ),
    "aws_api_gateway_api_key": (
        _g("apigateway_api_keys", "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
        _g("apigateway_tags", "apigateway:PUT", "apigateway:DELETE", "apigateway:GET"),
    ),
    "aws_api_gateway_deployment": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_gateway_response": (
        _g(_APIGW_REST, "apigateway:PUT", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_integration": (
        _g(_APIGW_REST, "apigateway:PUT", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_method": (
        _g(_APIGW_REST, "apigateway:PUT", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_method_response": (
        _g(_APIGW_REST, "apigateway:PUT", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_method_settings": (
        _g(_APIGW_REST, "apigateway:GET", "apigateway:PATCH"),
    ),
    "aws_api_gateway_model": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_request_validator": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_resource": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_rest_api": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PUT",
           "apigateway:PATCH", "apigateway:DELETE"),
        _g("apigateway_tags", "apigateway:PUT", "apigateway:DELETE", "apigateway:GET"),
    ),
    "aws_api_gateway_stage": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
        _g("apigateway_tags", "apigateway:PUT", "apigateway:DELETE", "apigateway:GET"),
    ),
    "aws_api_gateway_usage_plan": (
        _g("apigateway_usage_plans", "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
        _g("apigateway_tags", "apigateway:PUT", "apigateway:DELETE", "apigateway:GET"),
    ),
    "aws_api_gateway_usage_plan_key": (
        _g("apigateway_usage_plans", "apigateway:POST", "apigateway:GET", "apigateway:DELETE"),
    ),
    "aws_appautoscaling_policy": (
        _g("scalable_target", "application-autoscaling:PutScalingPolicy",
           "application-autoscaling:DeleteScalingPolicy"),
        _g(NO_RESOURCE_LEVEL, "application-autoscaling:DescribeScalingPolicies"),
        # Target tracking creates and deletes its CloudWatch alarms with the caller's rights.
        _g("target_tracking_alarm", "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
           "cloudwatch:DeleteAlarms"),
    ),
    "aws_appautoscaling_target": (
        _g("scalable_target", "application-autoscaling:RegisterScalableTarget",
           "application-autoscaling:DeregisterScalableTarget",
           "application-autoscaling:TagResource", "application-autoscaling:UntagResource",
           "application-autoscaling:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "application-autoscaling:DescribeScalableTargets"),
        # Registering a DynamoDB target checks the caller may read and scale the table.
        _g("dynamodb_table", "dynamodb:DescribeTable", "dynamodb:UpdateTable"),
        _g("autoscaling_service_linked_role", "iam:CreateServiceLinkedRole"),
    ),
    "aws_bedrock_guardrail": (
        _g("bedrock_guardrail", "bedrock:GetGuardrail", "bedrock:UpdateGuardrail",
           "bedrock:DeleteGuardrail", "bedrock:TagResource", "bedrock:UntagResource",
           "bedrock:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "bedrock:CreateGuardrail"),
        _g("kms_key", "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey",
           "kms:GenerateDataKey", when="kms_key_arn", via="bedrock"),
    ),
    "aws_bedrock_guardrail_version": (
        _g("bedrock_guardrail", "bedrock:CreateGuardrailVersion", "bedrock:GetGuardrail",
           "bedrock:DeleteGuardrail"),
    ),
    "aws_bedrockagent_agent": (
        _g("bedrock_agent", "bedrock:GetAgent", "bedrock:UpdateAgent", "bedrock:PrepareAgent",
           "bedrock:DeleteAgent", "bedrock:TagResource", "bedrock:UntagResource",
           "bedrock:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "bedrock:CreateAgent"),
        _g("bedrock_guardrail", "bedrock:GetGuardrail", when="guardrail_configuration"),
        _g("passed_role", "iam:PassRole", role_attribute="agent_resource_role_arn",
           passed_to="bedrock"),
        _g("kms_key", "kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey",
           when="customer_encryption_key_arn", via="bedrock"),
    ),
    "aws_bedrockagent_agent_action_group": (
        _g("bedrock_agent", "bedrock:CreateAgentActionGroup", "bedrock:GetAgentActionGroup",
           "bedrock:UpdateAgentActionGroup", "bedrock:DeleteAgentActionGroup",
           "bedrock:PrepareAgent", "bedrock:GetAgent"),
        # The OpenAPI schema is read from S3 with the caller's credentials.
        _g("s3_object", "s3:GetObject", when="api_schema.s3"),
        _g("kms_key", "kms:Decrypt", when="api_schema.s3", via="s3"),
    ),
    "aws_bedrockagent_agent_alias": (
        _g("bedrock_agent", "bedrock:CreateAgentAlias", "bedrock:GetAgent"),
        _g("bedrock_agent_alias", "bedrock:GetAgentAlias", "bedrock:UpdateAgentAlias",
           "bedrock:DeleteAgentAlias", "bedrock:TagResource", "bedrock:UntagResource",
           "bedrock:ListTagsForResource"),
    ),
    "aws_bedrockagent_agent_collaborator": (
        _g("bedrock_agent", "bedrock:AssociateAgentCollaborator",
           "bedrock:GetAgentCollaborator", "bedrock:UpdateAgentCollaborator",
           "bedrock:DisassociateAgentCollaborator", "bedrock:PrepareAgent", "bedrock:GetAgent",
           "bedrock:UpdateAgent"),
        _g("bedrock_agent_alias", "bedrock:GetAgentAlias"),
    ),
    "aws_cloudwatch_dashboard": (
        _g("dashboard", "cloudwatch:PutDashboard", "cloudwatch:GetDashboard",
           "cloudwatch:DeleteDashboards"),
    ),
    "aws_cloudwatch_event_rule": (
        _g("event_rule", "events:PutRule", "events:DescribeRule", "events:DeleteRule",
           "events:EnableRule", "events:DisableRule", "events:TagResource",
           "events:UntagResource", "events:ListTagsForResource"),
    ),
    "aws_cloudwatch_event_target": (
        _g("event_rule", "events:PutTargets", "events:ListTargetsByRule", "events:RemoveTargets"),
    ),
    "aws_cloudwatch_log_group": (
        # Both tagging APIs: the provider moved from the *LogGroup ones to *Resource ones.
        _g("log_group", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
           "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
           "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource",
           "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup"),
        _g(NO_RESOURCE_LEVEL, "logs:DescribeLogGroups"),
    ),
    "aws_cloudwatch_metric_alarm": (
        _g("alarm", "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
           "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource",
           "cloudwatch:ListTagsForResource"),
    ),
    "aws_dynamodb_table": (
        _g("dynamodb_table", "dynamodb:CreateTable", "dynamodb:DescribeTable",
           "dynamodb:UpdateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTimeToLive",
           "dynamodb:UpdateTimeToLive", "dynamodb:DescribeContinuousBackups",
           "dynamodb:UpdateContinuousBackups", "dynamodb:ListTagsOfResource",
           "dynamodb:TagResource", "dynamodb:UntagResource"),
        _g("kms_key", "kms:DescribeKey", "kms:CreateGrant",
           when="server_side_encryption.kms_key_arn", via="dynamodb"),
    ),
    "aws_iam_role": (
        _g("iam_role", "iam:CreateRole", "iam:GetRole", "iam:UpdateRole",
           "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
           "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies",
           "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"),
    ),
    "aws_iam_role_policy": (
        _g("iam_role", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"),
    ),
    "aws_kms_alias": (
        # Authorized on both the alias and the key it points at (one statement, see the scope).
        _g("kms_alias", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"),
        _g(NO_RESOURCE_LEVEL, "kms:ListAliases"),
    ),
    "aws_kms_key": (
        _g(NO_RESOURCE_LEVEL, "kms:CreateKey"),
        _g("kms_key", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy",
           "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:DisableKeyRotation",
           "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource",
           "kms:UpdateKeyDescription", "kms:EnableKey", "kms:DisableKey",
           "kms:ScheduleKeyDeletion"),
    ),
    "aws_lambda_function": (
        _g("lambda_function", "lambda:CreateFunction", "lambda:GetFunction",
           "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
           "lambda:ListVersionsByFunction", "lambda:UpdateFunctionCode",
           "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency",
           "lambda:DeleteFunctionConcurrency", "lambda:DeleteFunction", "lambda:TagResource",
           "lambda:UntagResource", "lambda:ListTags"),
        _g("passed_role", "iam:PassRole", role_attribute="role", passed_to="lambda"),
        _g("kms_key", "kms:CreateGrant", "kms:Encrypt", "kms:Decrypt", when="kms_key_arn",
           via="lambda"),
    ),
    "aws_lambda_permission": (
        _g("lambda_function", "lambda:AddPermission", "lambda:GetPolicy",
           "lambda:RemovePermission"),
    ),
    "aws_s3_bucket": (
        _g("s3_bucket", "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging",
           *_S3_BUCKET_READ),
    ),
    "aws_s3_bucket_lifecycle_configuration": (
        _g("s3_bucket", "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
    ),
    "aws_s3_bucket_ownership_controls": (
        _g("s3_bucket", "s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"),
    ),
    "aws_s3_bucket_policy": (
        _g("s3_bucket", "s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"),
    ),
    "aws_s3_bucket_public_access_block": (
        _g("s3_bucket", "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ),
    "aws_s3_bucket_server_side_encryption_configuration": (
        _g("s3_bucket", "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"),
    ),
    "aws_s3_bucket_versioning": (
        _g("s3_bucket", "s3:PutBucketVersioning", "s3:GetBucketVersioning"),
    ),
    "aws_s3_object": (
        _g("s3_object", "s3:PutObject", "s3:GetObject", "s3:GetObjectTagging",
           "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"),
        # Deleting an object of a versioned bucket removes every version of its key.
        _g("s3_bucket", "s3:ListBucketVersions"),
        _g("kms_key", "kms:GenerateDataKey", "kms:Decrypt", when="kms_key_id", via="s3"),
    ),
    "aws_secretsmanager_secret": (
        _g("secret", "secretsmanager:CreateSecret", "secretsmanager:DescribeSecret",
           "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret",
           "secretsmanager:GetResourcePolicy", "secretsmanager:TagResource",
           "secretsmanager:UntagResource"),
        _g("kms_key", "kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey",
           when="kms_key_id", via="secretsmanager"),
    ),
    "aws_sns_topic": (
        _g("sns_topic", "sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
           "sns:DeleteTopic", "sns:TagResource", "sns:UntagResource",
           "sns:ListTagsForResource"),
    ),
    "aws_sns_topic_policy": (
        _g("sns_topic", "sns:SetTopicAttributes", "sns:GetTopicAttributes"),
    ),
    "aws_sns_topic_subscription": (
        _g("sns_topic", "sns:Subscribe", "sns:GetTopicAttributes",
           "sns:ListSubscriptionsByTopic"),
        _g(NO_RESOURCE_LEVEL, "sns:Unsubscribe", "sns:GetSubscriptionAttributes",
           "sns:SetSubscriptionAttributes"),
    ),
    "aws_sqs_queue": (
        _g("sqs_queue", "sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
           "sqs:GetQueueUrl", "sqs:DeleteQueue", "sqs:ListQueueTags", "sqs:TagQueue",
           "sqs:UntagQueue"),
    ),
    "aws_sqs_queue_policy": (
        _g("sqs_queue", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"),
    ),
    "aws_ssm_parameter": (
        _g("ssm_parameter", "ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters",
           "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource",
           "ssm:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "ssm:DescribeParameters"),
    ),
    "aws_xray_sampling_rule": (
        _g("xray_sampling_rule", "xray:CreateSamplingRule", "xray:UpdateSamplingRule",
           "xray:DeleteSamplingRule", "xray:TagResource", "xray:UntagResource",
           "xray:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "xray:GetSamplingRules"),
    ),
    # Rendered by Terraform itself: no AWS call.
    "data.aws_iam_policy_document": (),
    "data.aws_ssm_parameter": (
        _g("ssm_parameter", "ssm:GetParameter"),
        # SecureString values are decrypted through SSM (the account's aws/ssm key by default).
        _g("kms_key", "kms:Decrypt", via="ssm"),
    ),
}

#: Where the names of a scope come from: (type, attribute holding a name or a reference).
_BUCKET_SOURCES = (("aws_s3_bucket", "bucket"), ("aws_s3_bucket_lifecycle_configuration", "bucket"),
                   ("aws_s3_bucket_ownership_controls", "bucket"), ("aws_s3_bucket_policy", "bucket"),
                   ("aws_s3_bucket_public_access_block", "bucket"),
                   ("aws_s3_bucket_server_side_encryption_configuration", "bucket"),
                   ("aws_s3_bucket_versioning", "bucket"), ("aws_s3_object", "bucket"))
_TOPIC_SOURCES = (("aws_sns_topic", "name"), ("aws_sns_topic_policy", "arn"),
                  ("aws_sns_topic_subscription", "topic_arn"))

#: Scope -> (ARN templates with `{name}`, name sources). `{region}`/`{account}` from the stack.
NAMED_SCOPES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "alarm": (("arn:aws:cloudwatch:{region}:{account}:alarm:{name}",),
              (("aws_cloudwatch_metric_alarm", "alarm_name"),)),
    "dashboard": (("arn:aws:cloudwatch::{account}:dashboard/{name}",),
                  (("aws_cloudwatch_dashboard", "dashboard_name"),)),
    "dynamodb_table": (("arn:aws:dynamodb:{region}:{account}:table/{name}",),
                       (("aws_dynamodb_table", "name"),)),
    "event_rule": (("arn:aws:events:{region}:{account}:rule/{name}",),
                   (("aws_cloudwatch_event_rule", "name"), ("aws_cloudwatch_event_target", "rule"))),
    "iam_role": (("arn:aws:iam::{account}:role/{name}",),
                 (("aws_iam_role", "name"), ("aws_iam_role_policy", "role"))),
    "kms_alias": (("arn:aws:kms:{region}:{account}:{name}", "arn:aws:kms:{region}:{account}:key/*"),
                  (("aws_kms_alias", "name"),)),
    "lambda_function": (("arn:aws:lambda:{region}:{account}:function:{name}",),
                        (("aws_lambda_function", "function_name"),
                         ("aws_lambda_permission", "function_name"))),
    "log_group": (("arn:aws:logs:{region}:{account}:log-group:{name}",
                   "arn:aws:logs:{region}:{account}:log-group:{name}:*"),
                  (("aws_cloudwatch_log_group", "name"),)),
    "s3_bucket": (("arn:aws:s3:::{name}",), _BUCKET_SOURCES),
    "s3_object": (("arn:aws:s3:::{name}/*",), _BUCKET_SOURCES),
    "secret": (("arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????",),
               (("aws_secretsmanager_secret", "name"),)),
    "sns_topic": (("arn:aws:sns:{region}:{account}:{name}",), _TOPIC_SOURCES),
    "sqs_queue": (("arn:aws:sqs:{region}:{account}:{name}",),
                  (("aws_sqs_queue", "name"), ("aws_sqs_queue_policy", "queue_url"))),
    "ssm_parameter": (("arn:aws:ssm:{region}:{account}:parameter/{name}",),
                      (("aws_ssm_parameter", "name"), ("data.aws_ssm_parameter", "name"))),
    "target_tracking_alarm": (("arn:aws:cloudwatch:{region}:{account}:alarm:"
                               "TargetTracking-table/{name}-*",),
                              (("aws_dynamodb_table", "name"),)),
    "xray_sampling_rule": (("arn:aws:xray:{region}:{account}:sampling-rule/{name}",),
                           (("aws_xray_sampling_rule", "rule_name"),)),
}
#: Scopes whose ARNs hold generated ids: the account and region are all that can be named.
FIXED_SCOPES: dict[str, tuple[str, ...]] = {
    "apigateway_account": ("arn:aws:apigateway:{region}::/account",),
    "apigateway_api_keys": ("arn:aws:apigateway:{region}::/apikeys",
                            "arn:aws:apigateway:{region}::/apikeys/*"),
    "apigateway_rest": ("arn:aws:apigateway:{region}::/restapis",
                        "arn:aws:apigateway:{region}::/restapis/*"),
    "apigateway_tags": ("arn:aws:apigateway:{region}::/tags/*",),
    "apigateway_usage_plans": ("arn:aws:apigateway:{region}::/usageplans",
                               "arn:aws:apigateway:{region}::/usageplans/*"),
    "autoscaling_service_linked_role": (
        "arn:aws:iam::{account}:role/aws-service-role/dynamodb.application-autoscaling."
        "amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",),
    "bedrock_agent": ("arn:aws:bedrock:{region}:{account}:agent/*",),
    "bedrock_agent_alias": ("arn:aws:bedrock:{region}:{account}:agent-alias/*/*",),
    "bedrock_guardrail": ("arn:aws:bedrock:{region}:{account}:guardrail/*",),
    "kms_key": ("arn:aws:kms:{region}:{account}:key/*",),
    "scalable_target": ("arn:aws:application-autoscaling:{region}:{account}:scalable-target/*",),
    NO_RESOURCE_LEVEL: ("*",),
}
#: Attribute that names a resource of a type, to resolve `${<type>.<id>.<attr>}` references.
NAME_ATTRIBUTE = {
    "aws_cloudwatch_event_rule": "name", "aws_dynamodb_table": "name", "aws_iam_role": "name",
    "aws_lambda_function": "function_name", "aws_s3_bucket": "bucket", "aws_sns_topic": "name",
    "aws_sqs_queue": "name", "aws_ssm_parameter": "name",
}
_SERVICE_LINKED_ROLE_CONDITION = {
    "StringEquals": {"iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com"}}


class UnmappedTypes(RuntimeError):
    def __init__(self, stack: str, types: list[str]) -> None:
        self.types = types
        super().__init__(
            f"{stack}: no deploy permissions are known for {', '.join(types)}; add each type to "
            "PERMISSIONS in modules/pipeline/deployer_policy.py with the IAM actions the "
            "provider calls to create, read, update, tag and delete it")


def stack_types(config: dict) -> list[str]:
    types = set(config.get("resource", {}))
    types |= {f"data.{t}" for t in config.get("data", {})}
    return sorted(types)


def _dig(block: dict, path: str):
    value = block
    for part in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0] or None
    return value


class StackConfig:
    def __init__(self, name: str, config: dict) -> None:
        self.name = name
        self.config = config
        provider = config["provider"]["aws"][0]
        self.region: str = provider["region"]
        accounts = provider.get("allowed_account_ids") or []
        if len(accounts) != 1:
            raise ValueError(f"{name}: the provider must pin exactly one account "
                             "(allowed_account_ids) to scope the policy")
        self.account: str = accounts[0]

    def blocks(self, block_type: str) -> list[dict]:
        if block_type.startswith("data."):
            return list(self.config.get("data", {}).get(block_type[5:], {}).values())
        return list(self.config.get("resource", {}).get(block_type, {}).values())

    def resolve(self, value) -> str | None:
        """A literal name, or the name of the resource a `${type.id.attr}` reference names;
        any other interpolation becomes `*`."""
        if not isinstance(value, str):
            return None
        whole = _REF.fullmatch(value)
        if whole:
            parts = whole.group(1).split(".")
            if len(parts) >= 3 and parts[0] in NAME_ATTRIBUTE:
                target = self.config.get("resource", {}).get(parts[0], {}).get(parts[1])
                if target is not None:
                    return self.resolve(target.get(NAME_ATTRIBUTE[parts[0]]))
        return _REF.sub("*", value)

    def names(self, sources: tuple[tuple[str, str], ...]) -> list[str]:
        found = {self.resolve(block.get(attribute)) for block_type, attribute in sources
                 for block in self.blocks(block_type)}
        if "*" in found:
            raise ValueError(f"{self.name}: a name in {sources} is a reference the generator "
                             "cannot resolve to a name; add its type to NAME_ATTRIBUTE")
        return sorted(n for n in found if n)


def _family(name: str) -> str:
    if "/" in name.strip("/"):
        return name.rsplit("/", 1)[0]
    return re.split(r"[-_.]", name, maxsplit=1)[0]


def generalize(names: list[str]) -> list[str]:
    """Names -> ARN name patterns: one `<prefix>*<suffix>` per family (same path, or same first
    word) cut at separators, a lone name kept exact; every name must match its pattern."""
    families: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        families.setdefault(_family(name), []).append(name)
    patterns: list[str] = []
    for members in families.values():
        if len(members) == 1:
            patterns.append(members[0])
            continue
        prefix = os.path.commonprefix(members)
        cut = max((prefix.rfind(s) for s in _SEPARATORS), default=-1)
        prefix = prefix[:cut + 1]
        suffix = os.path.commonprefix([m[::-1] for m in members])[::-1]
        cuts = [suffix.find(s) for s in _SEPARATORS if s in suffix]
        suffix = suffix[min(cuts):] if cuts else ""
        pattern = f"{prefix}*{suffix}"
        if pattern != "*" and all(fnmatch.fnmatchcase(m, pattern) for m in members):
            patterns.append(pattern)
        else:
            patterns += members
    return sorted(patterns)


@dataclass
class DeployerPolicy:
    stack: str
    statements: list[dict]
    #: The resource and data source types of the stack (all of them mapped).
    types: list[str] = field(default_factory=list)
    #: Buckets whose bucket policy the stack manages (the linter's escalation check).
    policy_buckets: list[str] = field(default_factory=list)

    def documents(self, limit: int = MANAGED_POLICY_LIMIT) -> list[dict]:
        return split_documents(self.statements, limit)

    @property
    def characters(self) -> int:
        return policy_size({"Version": "2012-10-17", "Statement": self.statements})


def policy_size(document: dict) -> int:
    """Characters IAM counts: the JSON without whitespace outside strings."""
    return len(json.dumps(document, separators=(",", ":")))


def _sid(*words: str) -> str:
    return "".join(w[:1].upper() + w[1:] for word in words
                   for w in re.split(r"[^A-Za-z0-9]+", word) if w)


def _role_arns(stack: StackConfig, block_type: str, attribute: str) -> list[str]:
    arns = []
    for block in stack.blocks(block_type):
        value = block.get(attribute)
        if value is None:
            continue
        match = _REF.fullmatch(value) if isinstance(value, str) else None
        if match and match.group(1).split(".")[0] == "aws_iam_role":
            role = stack.resolve(f"${{{'.'.join(match.group(1).split('.')[:2])}.name}}")
            arns.append(f"arn:aws:iam::{stack.account}:role/{role}")
        elif isinstance(value, str) and value.startswith("arn:"):
            arns.append(value)
        else:
            raise ValueError(f"{stack.name}: cannot tell which role {block_type}.{attribute} "
                             f"passes ({value!r})")
    return arns


def _applies(stack: StackConfig, block_type: str, grant: Grant) -> bool:
    if grant.when is None:
        return bool(stack.blocks(block_type))
    return any(_dig(block, grant.when) not in (None, "", [], {}) for block in stack.blocks(block_type))


def _scope_resources(stack: StackConfig, scope: str) -> list[str]:
    fields = {"region": stack.region, "account": stack.account}
    if scope in FIXED_SCOPES:
        return [t.format(**fields) for t in FIXED_SCOPES[scope]]
    templates, sources = NAMED_SCOPES[scope]
    names = stack.names(sources)
    if not names:
        raise ValueError(f"{stack.name}: scope {scope} found no names in {sources}")
    if scope == "ssm_parameter":
        names = [n.lstrip("/") for n in names]
    return sorted({t.format(name=pattern, **fields)
                   for pattern in generalize(names) for t in templates})


def state_key_alias(key_prefix: str) -> str:
    """The state key's alias, as modules/state_backend.py names it."""
    return f"alias/{key_prefix}-terraform-state"


def _backend_statements(stack: StackConfig) -> list[dict]:
    backend = stack.config.get("terraform", {}).get("backend", {}).get("s3")
    if not backend:
        return []
    bucket, key, table = backend["bucket"], backend["key"], backend.get("dynamodb_table")
    region = backend.get("region", stack.region)
    key_prefix = key.split("/", 1)[0]
    objects = [f"arn:aws:s3:::{bucket}/{key}"]
    if backend.get("use_lockfile"):
        objects.append(f"arn:aws:s3:::{bucket}/{key}.tflock")
    statements = [
        # Unconditioned: the backend lists the workspace prefix (`env:/`) on every plan, and the
        # key names of the other stacks are no secret.
        {"Sid": "StateList", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::{bucket}"]},
        {"Sid": "StateObjects", "Effect": "Allow",
         "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"] if backend.get("use_lockfile")
         else ["s3:GetObject", "s3:PutObject"], "Resource": objects},
    ]
    if table:
        statements.append({
            "Sid": "StateLockTable", "Effect": "Allow",
            "Action": ["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
                       "dynamodb:PutItem"],
            "Resource": [f"arn:aws:dynamodb:{region}:{stack.account}:table/{table}"]})
    statements.append({
        "Sid": "StateKey", "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        "Resource": [f"arn:aws:kms:{region}:{stack.account}:key/*"],
        "Condition": {
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": [state_key_alias(key_prefix)]},
            "StringEquals": {"kms:ViaService": [f"s3.{region}.amazonaws.com",
                                                f"dynamodb.{region}.amazonaws.com"]}}})
    statements.append({
        "Sid": "ProtectStateKey", "Effect": "Deny",
        "Action": ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
        "Resource": [f"arn:aws:kms:{region}:{stack.account}:key/*"],
        "Condition": {"ForAnyValue:StringEquals": {
            "kms:ResourceAliases": [state_key_alias(key_prefix)]}}})
    return statements


def build_policy(stack_name: str, config: dict) -> DeployerPolicy:
    stack = StackConfig(stack_name, config)
    types = stack_types(config)
    unmapped = [t for t in types if t not in PERMISSIONS]
    if unmapped:
        raise UnmappedTypes(stack_name, unmapped)
    # (sid, resources, condition) -> actions
    merged: dict[tuple[str, tuple[str, ...], str], set[str]] = {}
    for block_type in types:
        for grant in PERMISSIONS[block_type]:
            if not _applies(stack, block_type, grant):
                continue
            condition: dict = {}
            if grant.role_attribute:
                resources = _role_arns(stack, block_type, grant.role_attribute)
                condition = {"StringEquals": {"iam:PassedToService":
                                              f"{grant.passed_to}.amazonaws.com"}}
                sid = _sid("PassRoleTo", grant.passed_to or "")
            else:
                resources = _scope_resources(stack, grant.scope)
                sid = ("NoResourceLevelPermissions" if grant.scope == NO_RESOURCE_LEVEL
                       else _sid(grant.scope))
            if grant.via:
                condition = {"StringEquals": {"kms:ViaService":
                                              f"{grant.via}.{stack.region}.amazonaws.com"}}
                sid = _sid("KmsVia", grant.via)
            if grant.scope == "autoscaling_service_linked_role":
                condition = _SERVICE_LINKED_ROLE_CONDITION
            key = (sid, tuple(sorted(resources)), json.dumps(condition, sort_keys=True))
            merged.setdefault(key, set()).update(grant.actions)
    statements = [s for s in _backend_statements(stack)
                  # The bootstrap stack manages the state key itself.
                  if s["Effect"] == "Allow" or stack_name != BOOTSTRAP_STACK]
    by_sid: dict[str, int] = {}
    for (sid, resources, condition), actions in sorted(merged.items()):
        by_sid[sid] = by_sid.get(sid, 0) + 1
        statement: dict = {"Sid": sid if by_sid[sid] == 1 else f"{sid}{by_sid[sid]}",
                           "Effect": "Allow", "Action": sorted(actions),
                           "Resource": list(resources)}
        if condition != "{}":
            statement["Condition"] = json.loads(condition)
        statements.append(statement)
    policy_buckets = stack.names((("aws_s3_bucket_policy", "bucket"),))
    return DeployerPolicy(stack_name, statements, types, policy_buckets)


def split_documents(statements: list[dict], limit: int = MANAGED_POLICY_LIMIT) -> list[dict]:
    """Pack statements into as few documents of at most `limit` characters as first-fit
    decreasing allows; a statement too large alone is split by its actions."""
    def document(items: list[dict]) -> dict:
        return {"Version": "2012-10-17", "Statement": items}

    pieces: list[dict] = []
    for statement in statements:
        if policy_size(document([statement])) <= limit:
            pieces.append(statement)
            continue
        actions = statement["Action"]
        half = len(actions) // 2
        if half == 0:
            raise ValueError(f"statement {statement['Sid']} alone exceeds {limit} characters")
        for index, part in enumerate((actions[:half], actions[half:]), start=1):
            pieces += split_documents([{**statement, "Sid": f"{statement['Sid']}Part{index}",
                                        "Action": part}], limit)[0]["Statement"]
    bins: list[list[dict]] = []
    for statement in sorted(pieces, key=lambda s: -policy_size(s)):
        for items in bins:
            if policy_size(document(items + [statement])) <= limit:
                items.append(statement)
                break
        else:
            bins.append([statement])
    order = {id(s): i for i, s in enumerate(pieces)}
    return [document(sorted(items, key=lambda s: order[id(s)])) for items in bins]


def build_all(outdir: Path, only: list[str] | None = None) -> list[DeployerPolicy]:
    stacks_root = outdir / "stacks"
    policies = []
    for stack_dir in sorted(p for p in stacks_root.iterdir() if (p / "cdk.tf.json").exists()):
        if selects(stack_dir.name, only):
            config = json.loads((stack_dir / "cdk.tf.json").read_text())
            policies.append(build_policy(stack_dir.name, config))
    return policies


def format_summary(policies: list[DeployerPolicy]) -> str:
    width = max([len("stack"), *(len(p.stack) for p in policies)]) + 2
    lines = [f"{'stack':<{width}}{'types':>6}{'statements':>12}{'characters':>12}"
             f"{'policies':>10}  inline (<= {INLINE_POLICY_LIMIT})"]
    for policy in policies:
        documents = policy.documents()
        sizes = "+".join(str(policy_size(d)) for d in documents)
        inline = "fits" if policy.characters <= INLINE_POLICY_LIMIT else "too large"
        lines.append(f"{policy.stack:<{width}}{len(policy.types):>6}{len(policy.statements):>12}"
                     f"{policy.characters:>12}{len(documents):>10}  {inline}; managed: {sizes}")
    return "\n".join(lines)


def write_policies(policies: list[DeployerPolicy], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for policy in policies:
        for stale in folder.glob(f"{policy.stack}-deployer-*.json"):
            stale.unlink()
        for index, document in enumerate(policy.documents(), start=1):
            path = folder / f"{policy.stack}-deployer-{index}.json"
            path.write_text(json.dumps(document, indent=2) + "\n")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate each stack's deployer IAM policy.")
    parser.add_argument("--outdir", default="cdktf.out", type=Path)
    parser.add_argument("--only", action="append", default=[], metavar="STACK",
                        help="a stack or an environment's stacks; repeatable")
    parser.add_argument("--write", type=Path, metavar="FOLDER",
                        help="write <stack>-deployer-<n>.json documents there")
    args = parser.parse_args(argv)
    if not (args.outdir / "stacks").is_dir():
        print(f"error: no stacks in {args.outdir}/stacks; synthesize first (python main.py)",
              file=sys.stderr)
        return 2
    try:
        policies = build_all(args.outdir, args.only or None)
    except (UnmappedTypes, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not policies:
        print(f"error: no stack of {args.outdir}/stacks matches {args.only}", file=sys.stderr)
        return 2
    if args.write:
        for path in write_policies(policies, args.write):
            print(f"wrote {path}")
        print(format_summary(policies))
    else:
        # stdout is the documents only (a JSON object per line), the summary goes to stderr.
        for policy in policies:
            for index, document in enumerate(policy.documents(), start=1):
                print(json.dumps({"stack": policy.stack, "part": index, "policy": document}))
        print(format_summary(policies), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
