"""The IAM policy a deploying role needs to plan, apply and destroy one synthesized stack.

    python -m modules.pipeline.deployer_policy [--outdir cdktf.out] [--only STACK]
                                               [--write build/deployer-policies]

Generated from `<outdir>/stacks/<stack>/cdk.tf.json`:

* `PERMISSIONS` maps every resource and data source type the project uses to the IAM actions
  hashicorp/aws 5.100 calls to create, read (plan/refresh), update, tag and delete it. A type
  that is not in the table stops the generator (`UnmappedTypes`), so a new construct cannot
  silently ship without deploy permissions.
* Resources are scoped to the stack's account and region (the provider block) and to the names
  the stack uses: the literal names in the JSON are generalized per family (same first and last
  word, or same path) to `<common prefix>*<common suffix>` (`table/pf-*-staging`), a single
  name stays exact, and an interpolated part (`${...}`) becomes `*`. A pattern that would match
  a name of another stack of the output (systems of one environment share the prefix) is
  narrowed by leading words, down to exact names: generate from a full synthesis. Services
  whose ARNs carry generated ids (KMS keys, Bedrock agents, API Gateway ids, VPC resources,
  CloudFront distributions, Route 53 zones, user pools, certificates) get `<type>/*` in the
  account (and region); actions without resource-level permissions get `"*"` in one statement
  whose Sid says so (`NoResourceLevelPermissions`). An action authorized on several resources
  at once (`ec2:CreateSubnet` on the subnet and its VPC, `rds:CreateDBCluster` on the cluster,
  its parameter and subnet groups) gets them in one statement (`COMPOSITE_SCOPES`).
* Key use by a service on the deployer's behalf (`kms:CreateGrant` for DynamoDB, RDS, ...)
  is conditioned on `kms:ViaService`; `iam:PassRole` on `iam:PassedToService`, one statement
  per service with only the roles the stack passes to it; `iam:CreateServiceLinkedRole` only
  for the service-linked roles the stack's services create, each for its own service.
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
    #: Only when the `when` attribute of some resource of the type references this type
    #: (`${<ref>.`), e.g. a rotation of the secret RDS manages rather than of a stack secret.
    ref: str | None = None
    #: For `iam:CreateServiceLinkedRole`: the service whose role (`SERVICE_LINKED_ROLES`) the
    #: first resource of the type creates in the account.
    linked_service: str | None = None
    #: Only when the `when` attribute of some resource of the type starts with this value,
    #: e.g. an autoscaling target of `service_namespace` "dynamodb" (not "ecs").
    when_prefix: str | None = None


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
# Tagging calls per service (default tags put tags on every resource that takes them).
_EC2_TAGS = ("ec2:CreateTags", "ec2:DeleteTags")
_RDS_TAGS = ("rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource")
_ELASTICACHE_TAGS = ("elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource",
                     "elasticache:ListTagsForResource")
_ELB_TAGS = ("elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags")
_GLUE_TAGS = ("glue:TagResource", "glue:UntagResource", "glue:GetTags")
#: Vended logs to CloudWatch Logs (WAF, ElastiCache): the delivery and the log group's
#: resource policy are created with the caller's rights; none of these take a resource ARN.
_LOG_DELIVERY = ("logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                 "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                 "logs:DescribeResourcePolicies", "logs:DescribeLogGroups")

#: Resource/data type -> what the provider calls for it. Keep sorted; data sources as `data.<type>`.
PERMISSIONS: dict[str, tuple[Grant, ...]] = {
    "aws_accessanalyzer_analyzer": (
        _g("access_analyzer", "access-analyzer:CreateAnalyzer", "access-analyzer:GetAnalyzer",
           "access-analyzer:DeleteAnalyzer", "access-analyzer:TagResource",
           "access-analyzer:UntagResource", "access-analyzer:ListTagsForResource"),
    ),
    "aws_acm_certificate": (
        _g(NO_RESOURCE_LEVEL, "acm:RequestCertificate"),
        _g("acm_certificate", "acm:DescribeCertificate", "acm:UpdateCertificateOptions",
           "acm:DeleteCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate",
           "acm:ListTagsForCertificate"),
    ),
    "aws_acm_certificate_validation": (
        # Waits for the certificate to be issued: reads only.
        _g("acm_certificate", "acm:DescribeCertificate"),
    ),
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
    "aws_api_gateway_authorizer": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_base_path_mapping": (
        _g("apigateway_domain", "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_deployment": (
        _g(_APIGW_REST, "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_domain_name": (
        _g("apigateway_domain", "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
        _g("apigateway_tags", "apigateway:PUT", "apigateway:DELETE", "apigateway:GET"),
    ),
    "aws_api_gateway_gateway_response": (
        _g(_APIGW_REST, "apigateway:PUT", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_integration": (
        _g(_APIGW_REST, "apigateway:PUT", "apigateway:GET", "apigateway:PATCH",
           "apigateway:DELETE"),
    ),
    "aws_api_gateway_integration_response": (
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
    # API Gateway v2 (WebSocket): apis, their routes, integrations and stages; ids generated.
    **{kind: (_g("apigateway_v2", "apigateway:POST", "apigateway:GET", "apigateway:PATCH",
                 "apigateway:PUT", "apigateway:DELETE"),
              _g("apigateway_tags", "apigateway:POST", "apigateway:DELETE", "apigateway:GET"))
       for kind in ("aws_apigatewayv2_api", "aws_apigatewayv2_integration",
                    "aws_apigatewayv2_route", "aws_apigatewayv2_stage")},
    "aws_appautoscaling_policy": (
        _g("scalable_target", "application-autoscaling:PutScalingPolicy",
           "application-autoscaling:DeleteScalingPolicy"),
        _g(NO_RESOURCE_LEVEL, "application-autoscaling:DescribeScalingPolicies"),
        # Target tracking creates and deletes its CloudWatch alarms with the caller's rights.
        _g("target_tracking_alarm", "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
           "cloudwatch:DeleteAlarms", when="service_namespace", when_prefix="dynamodb"),
        _g("ecs_target_tracking_alarm", "cloudwatch:PutMetricAlarm",
           "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", when="service_namespace",
           when_prefix="ecs"),
    ),
    "aws_appautoscaling_target": (
        _g("scalable_target", "application-autoscaling:RegisterScalableTarget",
           "application-autoscaling:DeregisterScalableTarget",
           "application-autoscaling:TagResource", "application-autoscaling:UntagResource",
           "application-autoscaling:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "application-autoscaling:DescribeScalableTargets"),
        # Registering a DynamoDB target checks the caller may read and scale the table.
        _g("dynamodb_table", "dynamodb:DescribeTable", "dynamodb:UpdateTable",
           when="service_namespace", when_prefix="dynamodb"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="dynamodb.application-autoscaling.amazonaws.com",
           when="service_namespace", when_prefix="dynamodb"),
        # An ECS service target: the caller must be able to read and scale the service.
        _g("ecs_service", "ecs:DescribeServices", "ecs:UpdateService",
           when="service_namespace", when_prefix="ecs"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="ecs.application-autoscaling.amazonaws.com",
           when="service_namespace", when_prefix="ecs"),
    ),
    "aws_athena_named_query": (
        _g("athena_workgroup", "athena:CreateNamedQuery", "athena:GetNamedQuery",
           "athena:DeleteNamedQuery"),
    ),
    "aws_athena_workgroup": (
        _g("athena_workgroup", "athena:CreateWorkGroup", "athena:GetWorkGroup",
           "athena:UpdateWorkGroup", "athena:DeleteWorkGroup", "athena:TagResource",
           "athena:UntagResource", "athena:ListTagsForResource"),
    ),
    "aws_backup_plan": (
        _g("backup_plans", "backup:CreateBackupPlan", "backup:GetBackupPlan",
           "backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:ListTags",
           "backup:TagResource", "backup:UntagResource"),
    ),
    "aws_backup_selection": (
        _g("backup_plans", "backup:CreateBackupSelection", "backup:GetBackupSelection",
           "backup:DeleteBackupSelection"),
        _g("passed_role", "iam:PassRole", role_attribute="iam_role_arn", passed_to="backup"),
    ),
    "aws_backup_vault": (
        _g("backup_vault", "backup:CreateBackupVault", "backup:DescribeBackupVault",
           "backup:DeleteBackupVault", "backup:ListTags", "backup:TagResource",
           "backup:UntagResource"),
        # A vault under a customer key: Backup creates a grant on it for the caller.
        _g("kms_key", "kms:CreateGrant", "kms:DescribeKey"),
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
    "aws_bedrockagent_agent_knowledge_base_association": (
        # Authorized on the agent and the knowledge base.
        _g("bedrock_agent_knowledge_base", "bedrock:AssociateAgentKnowledgeBase",
           "bedrock:GetAgentKnowledgeBase", "bedrock:UpdateAgentKnowledgeBase",
           "bedrock:DisassociateAgentKnowledgeBase"),
        _g("bedrock_agent", "bedrock:GetAgent"),
        _g("bedrock_knowledge_base", "bedrock:GetKnowledgeBase"),
    ),
    "aws_bedrockagent_data_source": (
        _g("bedrock_knowledge_base", "bedrock:CreateDataSource", "bedrock:GetDataSource",
           "bedrock:UpdateDataSource", "bedrock:DeleteDataSource"),
        _g("kms_key", "kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey",
           when="server_side_encryption_configuration", via="bedrock"),
    ),
    "aws_bedrockagent_knowledge_base": (
        _g("bedrock_knowledge_base", "bedrock:GetKnowledgeBase", "bedrock:UpdateKnowledgeBase",
           "bedrock:DeleteKnowledgeBase", "bedrock:TagResource", "bedrock:UntagResource",
           "bedrock:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "bedrock:CreateKnowledgeBase"),
        _g("passed_role", "iam:PassRole", role_attribute="role_arn", passed_to="bedrock"),
        # Bedrock checks the vector index with the caller's rights when the base is created.
        _g("aoss_collection", "aoss:APIAccessAll"),
    ),
    "aws_budgets_budget": (
        _g("budget", "budgets:ModifyBudget", "budgets:ViewBudget", "budgets:TagResource",
           "budgets:UntagResource", "budgets:ListTagsForResource"),
    ),
    # Cost Anomaly Detection: monitor and subscription ARNs carry generated ids.
    # SageMaker pipelines: named resources; the pipeline's role is passed to SageMaker.
    "aws_sagemaker_pipeline": (
        _g("sagemaker_pipeline", "sagemaker:CreatePipeline", "sagemaker:DescribePipeline",
           "sagemaker:UpdatePipeline", "sagemaker:DeletePipeline", "sagemaker:AddTags",
           "sagemaker:DeleteTags", "sagemaker:ListTags"),
        _g("passed_role", "iam:PassRole", role_attribute="role_arn", passed_to="sagemaker"),
    ),
    "aws_ce_anomaly_monitor": (
        _g("ce_anomaly", "ce:GetAnomalyMonitors", "ce:UpdateAnomalyMonitor",
           "ce:DeleteAnomalyMonitor", "ce:TagResource", "ce:UntagResource",
           "ce:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "ce:CreateAnomalyMonitor"),
    ),
    "aws_ce_anomaly_subscription": (
        _g("ce_anomaly", "ce:GetAnomalySubscriptions", "ce:UpdateAnomalySubscription",
           "ce:DeleteAnomalySubscription", "ce:TagResource", "ce:UntagResource",
           "ce:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "ce:CreateAnomalySubscription"),
    ),
    "aws_cloudfront_cache_policy": (
        _g("cloudfront", "cloudfront:CreateCachePolicy", "cloudfront:GetCachePolicy",
           "cloudfront:UpdateCachePolicy", "cloudfront:DeleteCachePolicy"),
    ),
    "aws_cloudfront_distribution": (
        # Created with its tags (CreateDistributionWithTags is authorized as these two).
        _g("cloudfront", "cloudfront:CreateDistribution", "cloudfront:GetDistribution",
           "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution",
           "cloudfront:TagResource", "cloudfront:UntagResource", "cloudfront:ListTagsForResource"),
        # Standard logging adds the log delivery account to the log bucket's ACL with the
        # caller's rights.
        _g("s3_bucket", "s3:GetBucketAcl", "s3:PutBucketAcl", when="logging_config"),
        _g("wafv2_web_acl", "wafv2:GetWebACL", when="web_acl_id"),
    ),
    "aws_cloudfront_origin_access_control": (
        _g(NO_RESOURCE_LEVEL, "cloudfront:CreateOriginAccessControl"),
        _g("cloudfront", "cloudfront:GetOriginAccessControl",
           "cloudfront:UpdateOriginAccessControl", "cloudfront:DeleteOriginAccessControl"),
    ),
    "aws_cloudfront_response_headers_policy": (
        _g("cloudfront", "cloudfront:CreateResponseHeadersPolicy",
           "cloudfront:GetResponseHeadersPolicy", "cloudfront:UpdateResponseHeadersPolicy",
           "cloudfront:DeleteResponseHeadersPolicy"),
    ),
    "aws_cloudtrail": (
        _g("cloudtrail_trail", "cloudtrail:CreateTrail", "cloudtrail:GetTrail",
           "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
           "cloudtrail:GetInsightSelectors", "cloudtrail:PutInsightSelectors",
           "cloudtrail:StartLogging", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
           "cloudtrail:DeleteTrail", "cloudtrail:AddTags", "cloudtrail:RemoveTags",
           "cloudtrail:ListTags"),
        _g(NO_RESOURCE_LEVEL, "cloudtrail:DescribeTrails"),
        _g("passed_role", "iam:PassRole", role_attribute="cloud_watch_logs_role_arn",
           passed_to="cloudtrail"),
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
    # CloudFront standard logging v2 (a vended-logs delivery source, destination, delivery).
    "aws_cloudwatch_log_delivery": (
        _g("log_delivery", "logs:CreateDelivery", "logs:GetDelivery",
           "logs:UpdateDeliveryConfiguration", "logs:DeleteDelivery", "logs:TagResource",
           "logs:UntagResource", "logs:ListTagsForResource"),
    ),
    "aws_cloudwatch_log_delivery_destination": (
        _g("log_delivery", "logs:PutDeliveryDestination", "logs:GetDeliveryDestination",
           "logs:DeleteDeliveryDestination", "logs:TagResource", "logs:UntagResource",
           "logs:ListTagsForResource"),
    ),
    "aws_cloudwatch_log_delivery_source": (
        _g("log_delivery", "logs:PutDeliverySource", "logs:GetDeliverySource",
           "logs:DeleteDeliverySource", "logs:TagResource", "logs:UntagResource",
           "logs:ListTagsForResource"),
        # The source is the distribution: CloudFront checks the caller may export its logs.
        _g("cloudfront", "cloudfront:AllowVendedLogDeliveryForResource"),
    ),
    "aws_cloudwatch_log_group": (
        # Both tagging APIs: the provider moved from the *LogGroup ones to *Resource ones.
        _g("log_group", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
           "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
           "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource",
           "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup"),
        _g(NO_RESOURCE_LEVEL, "logs:DescribeLogGroups"),
    ),
    "aws_cloudwatch_log_metric_filter": (
        _g("log_group", "logs:PutMetricFilter", "logs:DeleteMetricFilter",
           "logs:DescribeMetricFilters"),
    ),
    "aws_cloudwatch_log_resource_policy": (
        _g(NO_RESOURCE_LEVEL, "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
           "logs:DeleteResourcePolicy"),
    ),
    "aws_cloudwatch_log_stream": (
        _g("log_group", "logs:CreateLogStream", "logs:DescribeLogStreams",
           "logs:DeleteLogStream"),
    ),
    "aws_cloudwatch_metric_alarm": (
        _g("alarm", "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
           "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource",
           "cloudwatch:ListTagsForResource"),
    ),
    "aws_codebuild_project": (
        _g("codebuild_project", "codebuild:CreateProject", "codebuild:BatchGetProjects",
           "codebuild:UpdateProject", "codebuild:DeleteProject"),
        _g("passed_role", "iam:PassRole", role_attribute="service_role", passed_to="codebuild"),
    ),
    "aws_codepipeline": (
        _g("codepipeline", "codepipeline:CreatePipeline", "codepipeline:GetPipeline",
           "codepipeline:UpdatePipeline", "codepipeline:DeletePipeline",
           "codepipeline:TagResource", "codepipeline:UntagResource",
           "codepipeline:ListTagsForResource"),
        _g("passed_role", "iam:PassRole", role_attribute="role_arn", passed_to="codepipeline"),
    ),
    "aws_codestarconnections_connection": (
        _g(NO_RESOURCE_LEVEL, "codestar-connections:CreateConnection"),
        _g("codestar_connection", "codestar-connections:GetConnection", "codestar-connections:DeleteConnection",
           "codestar-connections:TagResource", "codestar-connections:UntagResource",
           "codestar-connections:ListTagsForResource"),
    ),
    "aws_cognito_identity_pool": (
        _g(NO_RESOURCE_LEVEL, "cognito-identity:CreateIdentityPool"),
        _g("cognito_identity_pool", "cognito-identity:DescribeIdentityPool",
           "cognito-identity:UpdateIdentityPool", "cognito-identity:DeleteIdentityPool",
           "cognito-identity:TagResource", "cognito-identity:UntagResource",
           "cognito-identity:ListTagsForResource"),
    ),
    "aws_cognito_identity_pool_roles_attachment": (
        # Role mappings take no resource ARN.
        _g(NO_RESOURCE_LEVEL, "cognito-identity:SetIdentityPoolRoles"),
        _g("cognito_identity_pool", "cognito-identity:GetIdentityPoolRoles"),
        _g("passed_role", "iam:PassRole", role_attribute="roles.authenticated",
           passed_to="cognito-identity"),
        _g("passed_role", "iam:PassRole", role_attribute="roles.unauthenticated",
           passed_to="cognito-identity"),
    ),
    "aws_cognito_user_pool": (
        _g(NO_RESOURCE_LEVEL, "cognito-idp:CreateUserPool"),
        _g("cognito_user_pool", "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool",
           "cognito-idp:DeleteUserPool", "cognito-idp:GetUserPoolMfaConfig",
           "cognito-idp:SetUserPoolMfaConfig", "cognito-idp:TagResource",
           "cognito-idp:UntagResource", "cognito-idp:ListTagsForResource"),
        _g("passed_role", "iam:PassRole", role_attribute="sms_configuration.sns_caller_arn",
           passed_to="cognito-idp", when="sms_configuration.sns_caller_arn"),
    ),
    "aws_cognito_user_pool_client": (
        _g("cognito_user_pool", "cognito-idp:CreateUserPoolClient",
           "cognito-idp:DescribeUserPoolClient", "cognito-idp:UpdateUserPoolClient",
           "cognito-idp:DeleteUserPoolClient"),
    ),
    "aws_cognito_user_pool_domain": (
        _g("cognito_user_pool", "cognito-idp:CreateUserPoolDomain",
           "cognito-idp:UpdateUserPoolDomain", "cognito-idp:DeleteUserPoolDomain"),
        # Looked up by domain name, not by pool.
        _g(NO_RESOURCE_LEVEL, "cognito-idp:DescribeUserPoolDomain"),
    ),
    "aws_config_config_rule": (
        _g("config_rule", "config:PutConfigRule", "config:DeleteConfigRule",
           "config:TagResource", "config:UntagResource", "config:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "config:DescribeConfigRules"),
    ),
    "aws_config_configuration_recorder": (
        _g(NO_RESOURCE_LEVEL, "config:PutConfigurationRecorder"),
        _g("config_recorder", "config:DescribeConfigurationRecorders",
           "config:DeleteConfigurationRecorder"),
        _g("passed_role", "iam:PassRole", role_attribute="role_arn", passed_to="config"),
    ),
    "aws_config_configuration_recorder_status": (
        _g("config_recorder", "config:StartConfigurationRecorder",
           "config:StopConfigurationRecorder", "config:DescribeConfigurationRecorderStatus"),
    ),
    "aws_config_delivery_channel": (
        _g(NO_RESOURCE_LEVEL, "config:PutDeliveryChannel", "config:DescribeDeliveryChannels",
           "config:DeleteDeliveryChannel"),
    ),
    "aws_db_parameter_group": (
        _g("rds", "rds:CreateDBParameterGroup", "rds:DescribeDBParameterGroups",
           "rds:DescribeDBParameters", "rds:ModifyDBParameterGroup",
           "rds:ResetDBParameterGroup", "rds:DeleteDBParameterGroup", *_RDS_TAGS),
    ),
    "aws_db_proxy": (
        _g(NO_RESOURCE_LEVEL, "rds:CreateDBProxy"),
        _g("rds_proxy", "rds:DescribeDBProxies", "rds:ModifyDBProxy", "rds:DeleteDBProxy",
           *_RDS_TAGS),
        _g("passed_role", "iam:PassRole", role_attribute="role_arn", passed_to="rds"),
    ),
    "aws_db_proxy_default_target_group": (
        _g("rds_proxy", "rds:ModifyDBProxyTargetGroup", "rds:DescribeDBProxyTargetGroups"),
    ),
    "aws_db_proxy_target": (
        _g("rds_proxy_targets", "rds:RegisterDBProxyTargets", "rds:DeregisterDBProxyTargets",
           "rds:DescribeDBProxyTargets"),
    ),
    "aws_db_subnet_group": (
        _g("rds", "rds:CreateDBSubnetGroup", "rds:DescribeDBSubnetGroups",
           "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", *_RDS_TAGS),
    ),
    "aws_default_security_group": (
        # Adopts the VPC's default group and removes its rules; nothing is deleted.
        _g("ec2_network", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
           "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
           *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeSecurityGroups"),
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
    "aws_ebs_default_kms_key": (
        _g(NO_RESOURCE_LEVEL, "ec2:ModifyEbsDefaultKmsKeyId", "ec2:GetEbsDefaultKmsKeyId",
           "ec2:ResetEbsDefaultKmsKeyId"),
    ),
    "aws_ebs_encryption_by_default": (
        _g(NO_RESOURCE_LEVEL, "ec2:EnableEbsEncryptionByDefault",
           "ec2:DisableEbsEncryptionByDefault", "ec2:GetEbsEncryptionByDefault"),
    ),
    "aws_ecr_lifecycle_policy": (
        _g("ecr_repository", "ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy",
           "ecr:DeleteLifecyclePolicy"),
    ),
    "aws_ecr_repository": (
        _g("ecr_repository", "ecr:CreateRepository", "ecr:DescribeRepositories",
           "ecr:DeleteRepository", "ecr:PutImageScanningConfiguration",
           "ecr:PutImageTagMutability", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy",
           "ecr:TagResource", "ecr:UntagResource", "ecr:ListTagsForResource"),
        _g("kms_key", "kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant",
           when="encryption_configuration.0.kms_key", via="ecr"),
    ),
    "aws_ecr_repository_policy": (
        _g("ecr_repository", "ecr:SetRepositoryPolicy", "ecr:GetRepositoryPolicy",
           "ecr:DeleteRepositoryPolicy"),
    ),
    "aws_ecs_cluster": (
        _g("ecs_cluster", "ecs:CreateCluster", "ecs:DescribeClusters", "ecs:UpdateCluster",
           "ecs:DeleteCluster", "ecs:TagResource", "ecs:UntagResource",
           "ecs:ListTagsForResource"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="ecs.amazonaws.com"),
    ),
    "aws_ecs_cluster_capacity_providers": (
        _g("ecs_cluster", "ecs:PutClusterCapacityProviders", "ecs:DescribeClusters"),
    ),
    "aws_ecs_service": (
        _g("ecs_service", "ecs:CreateService", "ecs:DescribeServices", "ecs:UpdateService",
           "ecs:DeleteService", "ecs:TagResource", "ecs:UntagResource",
           "ecs:ListTagsForResource"),
    ),
    "aws_ecs_task_definition": (
        # Task definition registration and reads take no resource ARN.
        _g(NO_RESOURCE_LEVEL, "ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition"),
        _g("ecs_task_definition", "ecs:RegisterTaskDefinition", "ecs:TagResource",
           "ecs:UntagResource", "ecs:ListTagsForResource"),
        _g("passed_role", "iam:PassRole", role_attribute="execution_role_arn",
           passed_to="ecs-tasks"),
        _g("passed_role", "iam:PassRole", role_attribute="task_role_arn",
           passed_to="ecs-tasks"),
    ),
    "aws_eip": (
        _g("ec2_network", "ec2:AllocateAddress", "ec2:ReleaseAddress",
           "ec2:DisassociateAddress", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute"),
    ),
    "aws_elasticache_replication_group": (
        _g("elasticache", "elasticache:CreateReplicationGroup",
           "elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup",
           "elasticache:IncreaseReplicaCount", "elasticache:DecreaseReplicaCount",
           "elasticache:DeleteReplicationGroup", "elasticache:DescribeCacheClusters",
           *_ELASTICACHE_TAGS),
        _g("kms_key", "kms:CreateGrant", "kms:DescribeKey", when="kms_key_id", via="elasticache"),
        # Engine and slow logs are vended logs, set up with the caller's rights.
        _g(NO_RESOURCE_LEVEL, *_LOG_DELIVERY, when="log_delivery_configuration"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="elasticache.amazonaws.com"),
    ),
    "aws_elasticache_subnet_group": (
        _g("elasticache", "elasticache:CreateCacheSubnetGroup",
           "elasticache:DescribeCacheSubnetGroups", "elasticache:ModifyCacheSubnetGroup",
           "elasticache:DeleteCacheSubnetGroup", *_ELASTICACHE_TAGS),
    ),
    "aws_elasticache_user": (
        _g("elasticache", "elasticache:CreateUser", "elasticache:DescribeUsers",
           "elasticache:ModifyUser", "elasticache:DeleteUser", *_ELASTICACHE_TAGS),
    ),
    "aws_elasticache_user_group": (
        _g("elasticache", "elasticache:CreateUserGroup", "elasticache:DescribeUserGroups",
           "elasticache:ModifyUserGroup", "elasticache:DeleteUserGroup", *_ELASTICACHE_TAGS),
    ),
    "aws_flow_log": (
        _g("ec2_network", "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeFlowLogs"),
        _g("passed_role", "iam:PassRole", role_attribute="iam_role_arn",
           passed_to="vpc-flow-logs"),
    ),
    "aws_glue_catalog_database": (
        _g("glue_database", "glue:CreateDatabase", "glue:GetDatabase", "glue:UpdateDatabase",
           "glue:DeleteDatabase"),
    ),
    "aws_glue_crawler": (
        _g(NO_RESOURCE_LEVEL, "glue:CreateCrawler"),
        _g("glue_crawler", "glue:GetCrawler", "glue:UpdateCrawler", "glue:StopCrawler",
           "glue:DeleteCrawler", *_GLUE_TAGS),
        _g("passed_role", "iam:PassRole", role_attribute="role", passed_to="glue"),
    ),
    "aws_glue_job": (
        _g("glue_job", "glue:CreateJob", "glue:GetJob", "glue:UpdateJob", "glue:DeleteJob",
           *_GLUE_TAGS),
        _g("passed_role", "iam:PassRole", role_attribute="role_arn", passed_to="glue"),
    ),
    "aws_glue_security_configuration": (
        _g(NO_RESOURCE_LEVEL, "glue:CreateSecurityConfiguration",
           "glue:GetSecurityConfiguration", "glue:DeleteSecurityConfiguration"),
    ),
    "aws_glue_trigger": (
        _g("glue_trigger", "glue:CreateTrigger", "glue:GetTrigger", "glue:UpdateTrigger",
           "glue:StartTrigger", "glue:StopTrigger", "glue:DeleteTrigger", *_GLUE_TAGS),
    ),
    "aws_guardduty_detector": (
        _g(NO_RESOURCE_LEVEL, "guardduty:CreateDetector", "guardduty:ListDetectors"),
        _g("guardduty_detector", "guardduty:GetDetector", "guardduty:UpdateDetector",
           "guardduty:DeleteDetector", "guardduty:TagResource", "guardduty:UntagResource",
           "guardduty:ListTagsForResource"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="guardduty.amazonaws.com"),
    ),
    "aws_guardduty_detector_feature": (
        _g("guardduty_detector", "guardduty:GetDetector", "guardduty:UpdateDetector"),
    ),
    "aws_iam_account_password_policy": (
        _g(NO_RESOURCE_LEVEL, "iam:UpdateAccountPasswordPolicy", "iam:GetAccountPasswordPolicy",
           "iam:DeleteAccountPasswordPolicy"),
    ),
    "aws_iam_role": (
        _g("iam_role", "iam:CreateRole", "iam:GetRole", "iam:UpdateRole",
           "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
           "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies",
           "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"),
    ),
    "aws_iam_role_policy_attachment": (
        _g("iam_role", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
           "iam:ListAttachedRolePolicies"),
    ),
    "aws_iam_role_policy": (
        _g("iam_role", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"),
    ),
    "aws_internet_gateway": (
        _g("ec2_network", "ec2:CreateInternetGateway", "ec2:AttachInternetGateway",
           "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeInternetGateways"),
    ),
    "aws_kinesis_firehose_delivery_stream": (
        _g("firehose_stream", "firehose:CreateDeliveryStream", "firehose:DescribeDeliveryStream",
           "firehose:UpdateDestination", "firehose:DeleteDeliveryStream",
           "firehose:TagDeliveryStream", "firehose:UntagDeliveryStream",
           "firehose:ListTagsForDeliveryStream"),
        _g("passed_role", "iam:PassRole", role_attribute="extended_s3_configuration.role_arn",
           passed_to="firehose"),
        _g("passed_role", "iam:PassRole", role_attribute="kinesis_source_configuration.role_arn",
           passed_to="firehose"),
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
    "aws_kinesis_stream": (
        _g("kinesis_stream", "kinesis:CreateStream", "kinesis:DeleteStream",
           "kinesis:DescribeStreamSummary", "kinesis:DescribeStream",
           "kinesis:IncreaseStreamRetentionPeriod", "kinesis:DecreaseStreamRetentionPeriod",
           "kinesis:AddTagsToStream", "kinesis:RemoveTagsFromStream", "kinesis:ListTagsForStream"),
        # Authorized on the stream and its key.
        _g("kinesis_encryption", "kinesis:StartStreamEncryption", "kinesis:StopStreamEncryption"),
        _g(NO_RESOURCE_LEVEL, "kinesis:UpdateStreamMode", "kinesis:UpdateShardCount",
           "kinesis:EnableEnhancedMonitoring", "kinesis:DisableEnhancedMonitoring"),
        _g("kms_key", "kms:GenerateDataKey", "kms:DescribeKey", when="kms_key_id", via="kinesis"),
    ),
    "aws_lambda_event_source_mapping": (
        _g(NO_RESOURCE_LEVEL, "lambda:CreateEventSourceMapping", "lambda:ListEventSourceMappings"),
        # Mappings have generated ids (UUIDs).
        _g("lambda_event_source_mapping", "lambda:GetEventSourceMapping",
           "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"),
    ),
    "aws_lambda_function": (
        _g("lambda_function", "lambda:CreateFunction", "lambda:GetFunction",
           "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
           "lambda:ListVersionsByFunction", "lambda:UpdateFunctionCode",
           "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency",
           "lambda:DeleteFunctionConcurrency", "lambda:DeleteFunction", "lambda:TagResource",
           "lambda:UntagResource", "lambda:ListTags"),
        _g("passed_role", "iam:PassRole", role_attribute="role", passed_to="lambda"),
        # Lambda checks the VPC placement with the caller's rights.
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
           "ec2:DescribeVpcs", when="vpc_config.subnet_ids"),
        _g("kms_key", "kms:CreateGrant", "kms:Encrypt", "kms:Decrypt", when="kms_key_arn",
           via="lambda"),
    ),
    "aws_lambda_invocation": (
        _g("lambda_function", "lambda:InvokeFunction"),
    ),
    "aws_lambda_permission": (
        _g("lambda_function", "lambda:AddPermission", "lambda:GetPolicy",
           "lambda:RemovePermission"),
    ),
    "aws_lb": (
        _g("elb", "elasticloadbalancing:CreateLoadBalancer",
           "elasticloadbalancing:ModifyLoadBalancerAttributes",
           "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:SetSecurityGroups",
           "elasticloadbalancing:SetSubnets", *_ELB_TAGS),
        _g(NO_RESOURCE_LEVEL, "elasticloadbalancing:DescribeLoadBalancers",
           "elasticloadbalancing:DescribeLoadBalancerAttributes",
           "elasticloadbalancing:DescribeTags", "ec2:DescribeSubnets",
           "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeInternetGateways",
           "ec2:DescribeAccountAttributes"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="elasticloadbalancing.amazonaws.com"),
    ),
    "aws_lb_listener": (
        _g("elb", "elasticloadbalancing:CreateListener", "elasticloadbalancing:ModifyListener",
           "elasticloadbalancing:DeleteListener", *_ELB_TAGS),
        _g(NO_RESOURCE_LEVEL, "elasticloadbalancing:DescribeListeners",
           "elasticloadbalancing:DescribeListenerAttributes",
           "elasticloadbalancing:DescribeTags"),
        _g("acm_certificate", "acm:DescribeCertificate"),
    ),
    "aws_lb_listener_rule": (
        _g("elb", "elasticloadbalancing:CreateRule", "elasticloadbalancing:ModifyRule",
           "elasticloadbalancing:DeleteRule", "elasticloadbalancing:SetRulePriorities",
           *_ELB_TAGS),
        _g(NO_RESOURCE_LEVEL, "elasticloadbalancing:DescribeRules",
           "elasticloadbalancing:DescribeTags"),
    ),
    "aws_lb_target_group": (
        _g("elb", "elasticloadbalancing:CreateTargetGroup",
           "elasticloadbalancing:ModifyTargetGroup",
           "elasticloadbalancing:ModifyTargetGroupAttributes",
           "elasticloadbalancing:DeleteTargetGroup", *_ELB_TAGS),
        _g(NO_RESOURCE_LEVEL, "elasticloadbalancing:DescribeTargetGroups",
           "elasticloadbalancing:DescribeTargetGroupAttributes",
           "elasticloadbalancing:DescribeTags"),
    ),
    "aws_macie2_account": (
        _g(NO_RESOURCE_LEVEL, "macie2:EnableMacie", "macie2:GetMacieSession",
           "macie2:UpdateMacieSession", "macie2:DisableMacie"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="macie.amazonaws.com"),
    ),
    "aws_nat_gateway": (
        _g("ec2_network", "ec2:CreateNatGateway", "ec2:DeleteNatGateway", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeNatGateways"),
    ),
    "aws_network_acl": (
        _g("ec2_network_acl", "ec2:CreateNetworkAcl", "ec2:DeleteNetworkAcl",
           "ec2:ReplaceNetworkAclAssociation", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeNetworkAcls"),
    ),
    "aws_network_acl_rule": (
        _g("ec2_network_acl", "ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry",
           "ec2:ReplaceNetworkAclEntry"),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeNetworkAcls"),
    ),
    "aws_opensearchserverless_access_policy": (
        _g(NO_RESOURCE_LEVEL, "aoss:CreateAccessPolicy", "aoss:GetAccessPolicy",
           "aoss:UpdateAccessPolicy", "aoss:DeleteAccessPolicy"),
    ),
    "aws_opensearchserverless_collection": (
        _g(NO_RESOURCE_LEVEL, "aoss:CreateCollection", "aoss:BatchGetCollection",
           "aoss:ListCollections"),
        _g("aoss_collection", "aoss:UpdateCollection", "aoss:DeleteCollection"),
        _g(NO_RESOURCE_LEVEL, "aoss:TagResource", "aoss:UntagResource",
           "aoss:ListTagsForResource"),
    ),
    "aws_opensearchserverless_security_policy": (
        _g(NO_RESOURCE_LEVEL, "aoss:CreateSecurityPolicy", "aoss:GetSecurityPolicy",
           "aoss:UpdateSecurityPolicy", "aoss:DeleteSecurityPolicy"),
        # An encryption policy naming a customer key is checked with the caller's rights.
        _g("kms_key", "kms:DescribeKey", "kms:CreateGrant", via="aoss"),
    ),
    "aws_organizations_account": (
        _g(NO_RESOURCE_LEVEL, "organizations:CreateAccount",
           "organizations:DescribeCreateAccountStatus", "organizations:ListAccounts"),
        _g("organizations", "organizations:DescribeAccount", "organizations:MoveAccount",
           "organizations:CloseAccount", "organizations:RemoveAccountFromOrganization",
           "organizations:ListParents", "organizations:TagResource",
           "organizations:UntagResource", "organizations:ListTagsForResource"),
    ),
    "aws_organizations_organization": (
        _g(NO_RESOURCE_LEVEL, "organizations:CreateOrganization",
           "organizations:DescribeOrganization", "organizations:DeleteOrganization",
           "organizations:EnableAWSServiceAccess", "organizations:DisableAWSServiceAccess",
           "organizations:ListAWSServiceAccessForOrganization", "organizations:ListRoots",
           "organizations:ListAccounts", "organizations:ListDelegatedAdministrators"),
        _g("organizations", "organizations:EnablePolicyType", "organizations:DisablePolicyType"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="organizations.amazonaws.com"),
    ),
    "aws_organizations_organizational_unit": (
        _g("organizations", "organizations:CreateOrganizationalUnit",
           "organizations:DescribeOrganizationalUnit", "organizations:UpdateOrganizationalUnit",
           "organizations:DeleteOrganizationalUnit", "organizations:ListChildren",
           "organizations:ListParents", "organizations:TagResource",
           "organizations:UntagResource", "organizations:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "organizations:ListAccounts"),
    ),
    "aws_organizations_policy": (
        _g(NO_RESOURCE_LEVEL, "organizations:CreatePolicy"),
        _g("organizations", "organizations:DescribePolicy", "organizations:UpdatePolicy",
           "organizations:DeletePolicy", "organizations:ListTargetsForPolicy",
           "organizations:TagResource", "organizations:UntagResource",
           "organizations:ListTagsForResource"),
    ),
    "aws_organizations_policy_attachment": (
        _g("organizations", "organizations:AttachPolicy", "organizations:DetachPolicy",
           "organizations:ListTargetsForPolicy", "organizations:ListPoliciesForTarget"),
    ),
    "aws_rds_cluster": (
        # The delete takes the final snapshot (cluster-snapshot in the `rds` scope).
        _g("rds", "rds:CreateDBCluster", "rds:DescribeDBClusters", "rds:ModifyDBCluster",
           "rds:DeleteDBCluster", "rds:CreateDBClusterSnapshot", *_RDS_TAGS),
        _g("kms_key", "kms:CreateGrant", "kms:DescribeKey", when="kms_key_id", via="rds"),
        # RDS creates and rotates the master user's secret (`rds!cluster-...`) with the caller's
        # rights, under the given key.
        _g("rds_managed_secret", "secretsmanager:CreateSecret", "secretsmanager:DescribeSecret",
           "secretsmanager:UpdateSecret", "secretsmanager:RotateSecret",
           "secretsmanager:DeleteSecret", "secretsmanager:TagResource",
           when="manage_master_user_password"),
        _g("kms_key", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey",
           when="master_user_secret_kms_key_id", via="secretsmanager"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="rds.amazonaws.com"),
    ),
    "aws_rds_cluster_instance": (
        _g("rds", "rds:CreateDBInstance", "rds:DescribeDBInstances", "rds:ModifyDBInstance",
           "rds:DeleteDBInstance", *_RDS_TAGS),
        _g("kms_key", "kms:CreateGrant", "kms:DescribeKey",
           when="performance_insights_kms_key_id", via="rds"),
        _g("passed_role", "iam:PassRole", role_attribute="monitoring_role_arn",
           passed_to="monitoring.rds"),
    ),
    "aws_rds_cluster_parameter_group": (
        _g("rds", "rds:CreateDBClusterParameterGroup", "rds:DescribeDBClusterParameterGroups",
           "rds:DescribeDBClusterParameters", "rds:ModifyDBClusterParameterGroup",
           "rds:ResetDBClusterParameterGroup", "rds:DeleteDBClusterParameterGroup", *_RDS_TAGS),
    ),
    "aws_route": (
        _g("ec2_network", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeRouteTables"),
    ),
    "aws_route53_health_check": (
        _g(NO_RESOURCE_LEVEL, "route53:CreateHealthCheck"),
        _g("route53", "route53:GetHealthCheck", "route53:UpdateHealthCheck",
           "route53:DeleteHealthCheck", "route53:ChangeTagsForResource",
           "route53:ListTagsForResource"),
    ),
    "aws_route53_hosted_zone_dnssec": (
        _g("route53", "route53:EnableHostedZoneDNSSEC", "route53:DisableHostedZoneDNSSEC",
           "route53:GetDNSSEC", "route53:GetChange"),
    ),
    "aws_route53_key_signing_key": (
        _g("route53", "route53:CreateKeySigningKey", "route53:ActivateKeySigningKey",
           "route53:DeactivateKeySigningKey", "route53:DeleteKeySigningKey", "route53:GetDNSSEC",
           "route53:GetChange"),
    ),
    "aws_route53_query_log": (
        _g("route53", "route53:CreateQueryLoggingConfig", "route53:GetQueryLoggingConfig",
           "route53:DeleteQueryLoggingConfig"),
    ),
    "aws_route53_record": (
        _g("route53", "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
           "route53:GetHostedZone", "route53:GetChange"),
    ),
    "aws_route53_zone": (
        _g(NO_RESOURCE_LEVEL, "route53:CreateHostedZone"),
        _g("route53", "route53:GetHostedZone", "route53:UpdateHostedZoneComment",
           "route53:ListResourceRecordSets", "route53:DeleteHostedZone", "route53:GetChange",
           "route53:ChangeTagsForResource", "route53:ListTagsForResource"),
    ),
    "aws_route_table": (
        _g("ec2_network", "ec2:CreateRouteTable", "ec2:DeleteRouteTable", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeRouteTables"),
    ),
    "aws_route_table_association": (
        _g("ec2_network", "ec2:AssociateRouteTable", "ec2:ReplaceRouteTableAssociation",
           "ec2:DisassociateRouteTable"),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeRouteTables"),
    ),
    "aws_s3_account_public_access_block": (
        _g(NO_RESOURCE_LEVEL, "s3:PutAccountPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
    ),
    "aws_s3_bucket": (
        _g("s3_bucket", "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging",
           *_S3_BUCKET_READ),
    ),
    "aws_s3_bucket_cors_configuration": (
        _g("s3_bucket", "s3:PutBucketCORS", "s3:GetBucketCORS"),
    ),
    "aws_s3_bucket_inventory": (
        _g("s3_bucket", "s3:PutInventoryConfiguration", "s3:GetInventoryConfiguration"),
    ),
    "aws_s3_bucket_lifecycle_configuration": (
        _g("s3_bucket", "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
    ),
    "aws_s3_bucket_logging": (
        _g("s3_bucket", "s3:PutBucketLogging", "s3:GetBucketLogging"),
    ),
    "aws_s3_bucket_metric": (
        _g("s3_bucket", "s3:PutMetricsConfiguration", "s3:GetMetricsConfiguration"),
    ),
    "aws_s3_bucket_notification": (
        _g("s3_bucket", "s3:PutBucketNotification", "s3:GetBucketNotification"),
    ),
    "aws_s3_bucket_object_lock_configuration": (
        _g("s3_bucket", "s3:PutBucketObjectLockConfiguration",
           "s3:GetBucketObjectLockConfiguration"),
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
    "aws_s3_bucket_replication_configuration": (
        _g("s3_bucket", "s3:PutReplicationConfiguration", "s3:GetReplicationConfiguration"),
        _g("passed_role", "iam:PassRole", role_attribute="role", passed_to="s3"),
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
    "aws_secretsmanager_secret_rotation": (
        _g("rds_managed_secret", "secretsmanager:RotateSecret", "secretsmanager:DescribeSecret",
           "secretsmanager:CancelRotateSecret", when="secret_id", ref="aws_rds_cluster"),
        _g("secret", "secretsmanager:RotateSecret", "secretsmanager:DescribeSecret",
           "secretsmanager:CancelRotateSecret", when="secret_id",
           ref="aws_secretsmanager_secret"),
    ),
    "aws_security_group": (
        # The provider revokes the default allow-all egress rule after creating a group, and
        # deletes the network interfaces Lambda leaves in it before deleting it.
        _g("ec2_network", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
           "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupEgress",
           "ec2:RevokeSecurityGroupIngress", "ec2:DeleteNetworkInterface", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"),
    ),
    "aws_securityhub_account": (
        _g("securityhub_hub", "securityhub:EnableSecurityHub", "securityhub:DisableSecurityHub",
           "securityhub:DescribeHub", "securityhub:UpdateSecurityHubConfiguration",
           "securityhub:TagResource"),
        _g("service_linked_role", "iam:CreateServiceLinkedRole",
           linked_service="securityhub.amazonaws.com"),
    ),
    "aws_securityhub_standards_subscription": (
        _g("securityhub_hub", "securityhub:BatchEnableStandards",
           "securityhub:BatchDisableStandards", "securityhub:GetEnabledStandards"),
    ),
    "aws_service_discovery_private_dns_namespace": (
        _g(NO_RESOURCE_LEVEL, "servicediscovery:CreatePrivateDnsNamespace",
           "servicediscovery:GetOperation", "servicediscovery:TagResource",
           "servicediscovery:UntagResource", "servicediscovery:ListTagsForResource",
           "ec2:DescribeVpcs"),
        _g("ec2_network", "ec2:DescribeVpcAttribute"),
        _g("servicediscovery", "servicediscovery:GetNamespace",
           "servicediscovery:UpdatePrivateDnsNamespace", "servicediscovery:DeleteNamespace"),
        # Cloud Map creates and deletes the namespace's private zone with the caller's rights.
        _g(NO_RESOURCE_LEVEL, "route53:CreateHostedZone"),
        _g("route53", "route53:GetHostedZone", "route53:DeleteHostedZone",
           "route53:AssociateVPCWithHostedZone", "route53:ChangeResourceRecordSets",
           "route53:GetChange"),
    ),
    "aws_service_discovery_service": (
        _g("servicediscovery", "servicediscovery:CreateService", "servicediscovery:GetService",
           "servicediscovery:UpdateService", "servicediscovery:DeleteService"),
        _g(NO_RESOURCE_LEVEL, "servicediscovery:ListInstances", "servicediscovery:TagResource",
           "servicediscovery:UntagResource", "servicediscovery:ListTagsForResource"),
    ),
    "aws_sfn_state_machine": (
        _g("state_machine", "states:CreateStateMachine", "states:DescribeStateMachine",
           "states:UpdateStateMachine", "states:ListStateMachineVersions",
           "states:DeleteStateMachine", "states:TagResource", "states:UntagResource",
           "states:ListTagsForResource"),
        _g("passed_role", "iam:PassRole", role_attribute="role_arn", passed_to="states"),
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
    "aws_sqs_queue_redrive_allow_policy": (
        _g("sqs_queue", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"),
    ),
    "aws_sqs_queue_redrive_policy": (
        _g("sqs_queue", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"),
    ),
    "aws_ssm_parameter": (
        _g("ssm_parameter", "ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters",
           "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource",
           "ssm:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "ssm:DescribeParameters"),
    ),
    "aws_subnet": (
        # Deleting a subnet first deletes the network interfaces Lambda leaves in it.
        _g("ec2_network", "ec2:CreateSubnet", "ec2:ModifySubnetAttribute", "ec2:DeleteSubnet",
           "ec2:DeleteNetworkInterface", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces"),
    ),
    "aws_vpc": (
        # Reading a VPC also reads its default network ACL, security group and main route table.
        _g("ec2_network", "ec2:CreateVpc", "ec2:DescribeVpcAttribute", "ec2:ModifyVpcAttribute",
           "ec2:DeleteVpc", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeVpcs", "ec2:DescribeNetworkAcls",
           "ec2:DescribeSecurityGroups", "ec2:DescribeRouteTables"),
    ),
    "aws_vpc_endpoint": (
        _g("ec2_network", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint",
           "ec2:DeleteVpcEndpoints", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"),
        # Private DNS associates the VPC with the endpoint service's (AWS-owned) private zone.
        _g("route53", "route53:AssociateVPCWithHostedZone", when="private_dns_enabled"),
    ),
    "aws_vpc_security_group_egress_rule": (
        _g("ec2_network", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
           "ec2:ModifySecurityGroupRules", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeSecurityGroupRules"),
    ),
    "aws_vpc_security_group_ingress_rule": (
        _g("ec2_network", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
           "ec2:ModifySecurityGroupRules", *_EC2_TAGS),
        _g(NO_RESOURCE_LEVEL, "ec2:DescribeSecurityGroupRules"),
    ),
    "aws_wafv2_web_acl": (
        # Managed rule groups are authorized too (`managedruleset` in the scope).
        _g("wafv2_web_acl", "wafv2:CreateWebACL", "wafv2:GetWebACL", "wafv2:UpdateWebACL",
           "wafv2:DeleteWebACL", "wafv2:TagResource", "wafv2:UntagResource",
           "wafv2:ListTagsForResource"),
    ),
    "aws_wafv2_web_acl_association": (
        # Associating with an API Gateway stage is authorized on the stage as well.
        _g("wafv2_association", "wafv2:AssociateWebACL", "wafv2:GetWebACLForResource",
           "wafv2:DisassociateWebACL"),
        _g(_APIGW_REST, "apigateway:SetWebACL"),
    ),
    "aws_wafv2_web_acl_logging_configuration": (
        _g("wafv2_web_acl", "wafv2:PutLoggingConfiguration", "wafv2:GetLoggingConfiguration",
           "wafv2:DeleteLoggingConfiguration"),
        # Delivery to CloudWatch Logs is a vended-logs delivery set up with the caller's rights.
        _g(NO_RESOURCE_LEVEL, *_LOG_DELIVERY),
    ),
    "aws_xray_group": (
        _g("xray_group", "xray:CreateGroup", "xray:GetGroup", "xray:UpdateGroup",
           "xray:DeleteGroup", "xray:TagResource", "xray:UntagResource",
           "xray:ListTagsForResource"),
    ),
    "aws_xray_sampling_rule": (
        _g("xray_sampling_rule", "xray:CreateSamplingRule", "xray:UpdateSamplingRule",
           "xray:DeleteSamplingRule", "xray:TagResource", "xray:UntagResource",
           "xray:ListTagsForResource"),
        _g(NO_RESOURCE_LEVEL, "xray:GetSamplingRules"),
    ),
    # Rendered by Terraform itself: no AWS call.
    "data.aws_iam_policy_document": (),
    # Reads another part's state object from the state bucket: granted with the backend
    # statements (`RemoteStateRead`, the producers' state keys only), not per resource.
    "data.terraform_remote_state": (),
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
_WEB_ACL_SOURCES = (("aws_wafv2_web_acl", "name"),)

#: Scope -> (ARN templates with `{name}`, name sources). `{region}`/`{account}` from the stack.
NAMED_SCOPES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "alarm": (("arn:aws:cloudwatch:{region}:{account}:alarm:{name}",),
              (("aws_cloudwatch_metric_alarm", "alarm_name"),)),
    # POST creates on the collection; the name and its base path mappings below it.
    "apigateway_domain": (("arn:aws:apigateway:{region}::/domainnames",
                           "arn:aws:apigateway:{region}::/domainnames/{name}",
                           "arn:aws:apigateway:{region}::/domainnames/{name}/*"),
                          (("aws_api_gateway_domain_name", "domain_name"),
                           ("aws_api_gateway_base_path_mapping", "domain_name"))),
    "athena_workgroup": (("arn:aws:athena:{region}:{account}:workgroup/{name}",),
                         (("aws_athena_workgroup", "name"),
                          ("aws_athena_named_query", "workgroup"))),
    "backup_vault": (("arn:aws:backup:{region}:{account}:backup-vault:{name}",),
                     (("aws_backup_vault", "name"),)),
    "dashboard": (("arn:aws:cloudwatch::{account}:dashboard/{name}",),
                  (("aws_cloudwatch_dashboard", "dashboard_name"),)),
    "dynamodb_table": (("arn:aws:dynamodb:{region}:{account}:table/{name}",),
                       (("aws_dynamodb_table", "name"),)),
    "elasticache_cluster": (("arn:aws:elasticache:{region}:{account}:cluster:{name}-*",),
                            (("aws_elasticache_replication_group", "replication_group_id"),)),
    "elasticache_replication_group": (
        ("arn:aws:elasticache:{region}:{account}:replicationgroup:{name}",),
        (("aws_elasticache_replication_group", "replication_group_id"),)),
    "elasticache_subnet_group": (("arn:aws:elasticache:{region}:{account}:subnetgroup:{name}",),
                                 (("aws_elasticache_subnet_group", "name"),
                                  ("aws_elasticache_replication_group", "subnet_group_name"))),
    "elasticache_user": (("arn:aws:elasticache:{region}:{account}:user:{name}",),
                         (("aws_elasticache_user", "user_id"),)),
    "elasticache_user_group": (("arn:aws:elasticache:{region}:{account}:usergroup:{name}",),
                               (("aws_elasticache_user_group", "user_group_id"),)),
    "event_rule": (("arn:aws:events:{region}:{account}:rule/{name}",),
                   (("aws_cloudwatch_event_rule", "name"), ("aws_cloudwatch_event_target", "rule"))),
    "firehose_stream": (("arn:aws:firehose:{region}:{account}:deliverystream/{name}",),
                        (("aws_kinesis_firehose_delivery_stream", "name"),)),
    "glue_crawler": (("arn:aws:glue:{region}:{account}:crawler/{name}",),
                     (("aws_glue_crawler", "name"),)),
    # Deleting a database deletes its tables and functions.
    "glue_database_names": (("arn:aws:glue:{region}:{account}:database/{name}",
                             "arn:aws:glue:{region}:{account}:table/{name}/*",
                             "arn:aws:glue:{region}:{account}:userDefinedFunction/{name}/*"),
                            (("aws_glue_catalog_database", "name"),
                             ("aws_glue_crawler", "database_name"))),
    "glue_job": (("arn:aws:glue:{region}:{account}:job/{name}",), (("aws_glue_job", "name"),)),
    "glue_trigger": (("arn:aws:glue:{region}:{account}:trigger/{name}",),
                     (("aws_glue_trigger", "name"),)),
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
    "rds_cluster": (("arn:aws:rds:{region}:{account}:cluster:{name}",),
                    (("aws_rds_cluster", "cluster_identifier"),
                     ("aws_rds_cluster_instance", "cluster_identifier"))),
    "rds_cluster_parameter_group": (("arn:aws:rds:{region}:{account}:cluster-pg:{name}",),
                                    (("aws_rds_cluster_parameter_group", "name"),
                                     ("aws_rds_cluster", "db_cluster_parameter_group_name"))),
    "rds_final_snapshot": (("arn:aws:rds:{region}:{account}:cluster-snapshot:{name}",),
                           (("aws_rds_cluster", "final_snapshot_identifier"),)),
    "rds_instance": (("arn:aws:rds:{region}:{account}:db:{name}",),
                     (("aws_rds_cluster_instance", "identifier"),)),
    "rds_subnet_group": (("arn:aws:rds:{region}:{account}:subgrp:{name}",),
                         (("aws_db_subnet_group", "name"),
                          ("aws_rds_cluster", "db_subnet_group_name"),
                          ("aws_rds_cluster_instance", "db_subnet_group_name"))),
    "s3_bucket": (("arn:aws:s3:::{name}",), _BUCKET_SOURCES),
    "s3_object": (("arn:aws:s3:::{name}/*",), _BUCKET_SOURCES),
    "secret": (("arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????",),
               (("aws_secretsmanager_secret", "name"),)),
    "sns_topic": (("arn:aws:sns:{region}:{account}:{name}",), _TOPIC_SOURCES),
    "sqs_queue": (("arn:aws:sqs:{region}:{account}:{name}",),
                  (("aws_sqs_queue", "name"), ("aws_sqs_queue_policy", "queue_url"),
                   ("aws_sqs_queue_redrive_policy", "queue_url"),
                   ("aws_sqs_queue_redrive_allow_policy", "queue_url"))),
    "ssm_parameter": (("arn:aws:ssm:{region}:{account}:parameter/{name}",),
                      (("aws_ssm_parameter", "name"), ("data.aws_ssm_parameter", "name"))),
    "state_machine": (("arn:aws:states:{region}:{account}:stateMachine:{name}",),
                      (("aws_sfn_state_machine", "name"),)),
    "target_tracking_alarm": (("arn:aws:cloudwatch:{region}:{account}:alarm:"
                               "TargetTracking-table/{name}-*",),
                              (("aws_dynamodb_table", "name"),)),
    # Web ACLs of both scopes (CLOUDFRONT ones live in us-east-1, as the stacks do).
    "wafv2_web_acl_names": (("arn:aws:wafv2:{region}:{account}:regional/webacl/{name}/*",
                             "arn:aws:wafv2:{region}:{account}:global/webacl/{name}/*"),
                            _WEB_ACL_SOURCES),
    "sagemaker_pipeline": (("arn:aws:sagemaker:{region}:{account}:pipeline/{name}",),
                           (("aws_sagemaker_pipeline", "pipeline_name"),)),
    "xray_sampling_rule": (("arn:aws:xray:{region}:{account}:sampling-rule/{name}",),
                           (("aws_xray_sampling_rule", "rule_name"),)),
    "codebuild_project": (("arn:aws:codebuild:{region}:{account}:project/{name}",),
                          (("aws_codebuild_project", "name"),)),
    "codepipeline": (("arn:aws:codepipeline:{region}:{account}:{name}",),
                     (("aws_codepipeline", "name"),)),
    "ecr_repository": (("arn:aws:ecr:{region}:{account}:repository/{name}",),
                       (("aws_ecr_repository", "name"),)),
    # Target tracking of an ECS service names its alarms after the cluster and service.
    "ecs_target_tracking_alarm": (("arn:aws:cloudwatch:{region}:{account}:alarm:"
                                   "TargetTracking-service/{name}/*",),
                                  (("aws_ecs_cluster", "name"),)),
    "ecs_cluster": (("arn:aws:ecs:{region}:{account}:cluster/{name}",),
                    (("aws_ecs_cluster", "name"),
                     ("aws_ecs_cluster_capacity_providers", "cluster_name"))),
    "xray_group": (("arn:aws:xray:{region}:{account}:group/{name}/*",),
                   (("aws_xray_group", "group_name"),)),
    "budget": (("arn:aws:budgets::{account}:budget/{name}",), (("aws_budgets_budget", "name"),)),
    "rds_parameter_group": (("arn:aws:rds:{region}:{account}:pg:{name}",),
                            (("aws_db_parameter_group", "name"),
                             ("aws_rds_cluster_instance", "db_parameter_group_name"))),
}
#: Scopes whose ARNs hold generated ids: the account and region are all that can be named.
FIXED_SCOPES: dict[str, tuple[str, ...]] = {
    # Plan ids are generated by AWS: every plan of the account and region.
    "backup_plans": ("arn:aws:backup:{region}:{account}:backup-plan:*",),
    "apigateway_account": ("arn:aws:apigateway:{region}::/account",),
    "apigateway_api_keys": ("arn:aws:apigateway:{region}::/apikeys",
                            "arn:aws:apigateway:{region}::/apikeys/*"),
    "apigateway_rest": ("arn:aws:apigateway:{region}::/restapis",
                        "arn:aws:apigateway:{region}::/restapis/*"),
    "apigateway_tags": ("arn:aws:apigateway:{region}::/tags/*",),
    "apigateway_usage_plans": ("arn:aws:apigateway:{region}::/usageplans",
                               "arn:aws:apigateway:{region}::/usageplans/*"),
    "acm_certificate": ("arn:aws:acm:{region}:{account}:certificate/*",),
    "apigateway_v2": ("arn:aws:apigateway:{region}::/apis", "arn:aws:apigateway:{region}::/apis/*"),
    "ce_anomaly": ("arn:aws:ce::{account}:anomalymonitor/*",
                   "arn:aws:ce::{account}:anomalysubscription/*"),
    "bedrock_agent": ("arn:aws:bedrock:{region}:{account}:agent/*",),
    "bedrock_agent_alias": ("arn:aws:bedrock:{region}:{account}:agent-alias/*/*",),
    "bedrock_guardrail": ("arn:aws:bedrock:{region}:{account}:guardrail/*",),
    "bedrock_knowledge_base": ("arn:aws:bedrock:{region}:{account}:knowledge-base/*",),
    "aoss_collection": ("arn:aws:aoss:{region}:{account}:collection/*",),
    # Distributions and their policies: ids only; CloudFront ARNs carry no region.
    "cloudfront": ("arn:aws:cloudfront::{account}:distribution/*",
                   "arn:aws:cloudfront::{account}:cache-policy/*",
                   "arn:aws:cloudfront::{account}:origin-access-control/*",
                   "arn:aws:cloudfront::{account}:response-headers-policy/*"),
    "cognito_user_pool": ("arn:aws:cognito-idp:{region}:{account}:userpool/*",),
    # Connection ids are generated by AWS.
    "codestar_connection": ("arn:aws:codestar-connections:{region}:{account}:connection/*",),
    # Vended-log delivery sources, destinations and deliveries (delivery ids are generated).
    "log_delivery": ("arn:aws:logs:{region}:{account}:delivery-source:*",
                     "arn:aws:logs:{region}:{account}:delivery-destination:*",
                     "arn:aws:logs:{region}:{account}:delivery:*"),
    # Load balancers, listeners, rules and target groups carry generated ids.
    "elb": ("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/*/*",
            "arn:aws:elasticloadbalancing:{region}:{account}:listener/app/*/*/*",
            "arn:aws:elasticloadbalancing:{region}:{account}:listener-rule/app/*/*/*/*",
            "arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/*/*"),
    # Services are named under their cluster; task definitions by family and revision.
    "ecs_service": ("arn:aws:ecs:{region}:{account}:service/*/*",),
    "ecs_task_definition": ("arn:aws:ecs:{region}:{account}:task-definition/*:*",),
    "cognito_identity_pool": ("arn:aws:cognito-identity:{region}:{account}:identitypool/*",),
    # Proxies and their target groups have generated ids (`prx-...`, `prx-tg-...`).
    "rds_proxy": ("arn:aws:rds:{region}:{account}:db-proxy:*",
                  "arn:aws:rds:{region}:{account}:target-group:*"),
    "servicediscovery": ("arn:aws:servicediscovery:{region}:{account}:namespace/*",
                         "arn:aws:servicediscovery:{region}:{account}:service/*"),
    # VPC resources have generated ids; one scope so that a create authorized on several
    # of them (a subnet in a VPC, a route table association) is one statement.
    "ec2_network": tuple(f"arn:aws:ec2:{{region}}:{{account}}:{kind}/*" for kind in (
        "elastic-ip", "internet-gateway", "natgateway", "network-interface", "route-table",
        "security-group", "security-group-rule", "subnet", "vpc", "vpc-endpoint",
        "vpc-flow-log")),
    "elasticache_defaults": ("arn:aws:elasticache:{region}:{account}:parametergroup:default.*",),
    "glue_catalog": ("arn:aws:glue:{region}:{account}:catalog",),
    "kinesis_stream": ("arn:aws:kinesis:{region}:{account}:stream/*",),
    "kms_key": ("arn:aws:kms:{region}:{account}:key/*",),
    "lambda_event_source_mapping": (
        "arn:aws:lambda:{region}:{account}:event-source-mapping:*",),
    # The default option and parameter groups a cluster and its instances use.
    "rds_defaults": ("arn:aws:rds:{region}:{account}:og:default:*",
                     "arn:aws:rds:{region}:{account}:pg:default.*"),
    # The master user secret RDS creates and names itself.
    "rds_managed_secret": ("arn:aws:secretsmanager:{region}:{account}:secret:rds!cluster-*",),
    # Route 53 ARNs carry neither account nor region; zones, checks and changes have ids.
    "route53": ("arn:aws:route53:::hostedzone/*", "arn:aws:route53:::healthcheck/*",
                "arn:aws:route53:::change/*", "arn:aws:route53:::queryloggingconfig/*"),
    "scalable_target": ("arn:aws:application-autoscaling:{region}:{account}:scalable-target/*",),
    "wafv2_managed_rules": ("arn:aws:wafv2:{region}:{account}:regional/managedruleset/*/*",
                            "arn:aws:wafv2:{region}:{account}:global/managedruleset/*/*"),
    # SOC2 account baseline and the organization (ids are generated by AWS).
    "access_analyzer": ("arn:aws:access-analyzer:{region}:{account}:analyzer/*",),
    "cloudtrail_trail": ("arn:aws:cloudtrail:{region}:{account}:trail/*",),
    "config_recorder": ("arn:aws:config:{region}:{account}:configuration-recorder/*",),
    "config_rule": ("arn:aws:config:{region}:{account}:config-rule/*",),
    "guardduty_detector": ("arn:aws:guardduty:{region}:{account}:detector/*",),
    "organizations": ("arn:aws:organizations::{account}:root/o-*/r-*",
                      "arn:aws:organizations::{account}:ou/o-*/ou-*",
                      "arn:aws:organizations::{account}:account/o-*/*",
                      "arn:aws:organizations::{account}:policy/o-*/service_control_policy/p-*"),
    "securityhub_hub": ("arn:aws:securityhub:{region}:{account}:hub/default",),
    # Network ACLs: created in a VPC, associated with its subnets (ids generated by AWS).
    "ec2_network_acl": tuple(f"arn:aws:ec2:{{region}}:{{account}}:{kind}/*"
                             for kind in ("network-acl", "vpc", "subnet")),
    NO_RESOURCE_LEVEL: ("*",),
}
#: Scopes for actions authorized on several resources at once (IAM checks each of them):
#: the union of the parts that the stack has.
COMPOSITE_SCOPES: dict[str, tuple[str, ...]] = {
    "elasticache": ("elasticache_replication_group", "elasticache_cluster",
                    "elasticache_subnet_group", "elasticache_user", "elasticache_user_group",
                    "elasticache_defaults"),
    "bedrock_agent_knowledge_base": ("bedrock_agent", "bedrock_knowledge_base"),
    "glue_database": ("glue_catalog", "glue_database_names"),
    "kinesis_encryption": ("kinesis_stream", "kms_key"),
    "rds": ("rds_cluster", "rds_instance", "rds_cluster_parameter_group", "rds_subnet_group",
            "rds_final_snapshot", "rds_defaults", "rds_parameter_group"),
    "rds_proxy_targets": ("rds_proxy", "rds_cluster", "rds_instance"),
    "wafv2_web_acl": ("wafv2_web_acl_names", "wafv2_managed_rules"),
    "wafv2_association": ("wafv2_web_acl_names", _APIGW_REST),
}
#: Service-linked roles a first resource creates: service -> role name.
SERVICE_LINKED_ROLES = {
    "dynamodb.application-autoscaling.amazonaws.com":
        "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
    "elasticache.amazonaws.com": "AWSServiceRoleForElastiCache",
    "rds.amazonaws.com": "AWSServiceRoleForRDS",
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "ecs.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_ECSService",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "guardduty.amazonaws.com": "AWSServiceRoleForAmazonGuardDuty",
    "macie.amazonaws.com": "AWSServiceRoleForAmazonMacie",
    "securityhub.amazonaws.com": "AWSServiceRoleForSecurityHub",
    "organizations.amazonaws.com": "AWSServiceRoleForOrganizations",
}
#: Attribute that names a resource of a type, to resolve `${<type>.<id>.<attr>}` references.
NAME_ATTRIBUTE = {
    "aws_api_gateway_domain_name": "domain_name", "aws_athena_workgroup": "name",
    "aws_cloudwatch_event_rule": "name", "aws_db_parameter_group": "name",
    "aws_ecr_repository": "name", "aws_ecs_cluster": "name",
    "aws_db_subnet_group": "name",
    "aws_dynamodb_table": "name", "aws_elasticache_subnet_group": "name",
    "aws_glue_catalog_database": "name", "aws_iam_role": "name",
    "aws_lambda_function": "function_name", "aws_rds_cluster": "cluster_identifier",
    "aws_rds_cluster_parameter_group": "name", "aws_s3_bucket": "bucket", "aws_sns_topic": "name",
    "aws_sqs_queue": "name", "aws_ssm_parameter": "name",
}


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
        #: Named scope -> the other stacks' names there (see `build_policy`).
        self.avoid: dict[str, list[str]] = {}

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


def _family(name: str) -> tuple[str, str]:
    if "/" in name.strip("/"):
        return name.rsplit("/", 1)[0], ""
    # First and last word: `pf-a-staging` and `pf-b-staging-dlq` are two families, so that
    # neither pattern loses the environment (`pf-*`).
    words = re.split(r"[-_.]", name)
    return words[0], words[-1] if len(words) > 1 else ""


def _pattern(members: list[str]) -> str | None:
    prefix = os.path.commonprefix(members)
    cut = max((prefix.rfind(s) for s in _SEPARATORS), default=-1)
    prefix = prefix[:cut + 1]
    suffix = os.path.commonprefix([m[::-1] for m in members])[::-1]
    cuts = [suffix.find(s) for s in _SEPARATORS if s in suffix]
    suffix = suffix[min(cuts):] if cuts else ""
    pattern = f"{prefix}*{suffix}"
    if pattern != "*" and all(fnmatch.fnmatchcase(m, pattern) for m in members):
        return pattern
    return None


def _word_prefix(name: str, words: int) -> str:
    parts = re.split(f"([{re.escape(_SEPARATORS)}])", name)
    return "".join(parts[:2 * words])


def _patterns(members: list[str], avoid: frozenset[str], words: int) -> list[str]:
    if len(members) == 1:
        return members
    pattern = _pattern(members)
    if pattern and not any(fnmatch.fnmatchcase(other, pattern) for other in avoid):
        return [pattern]
    if pattern is None or words > 8:
        return members
    # The pattern would reach another stack's names: split by one more leading word.
    groups: dict[str, list[str]] = {}
    for member in members:
        groups.setdefault(_word_prefix(member, words + 1), []).append(member)
    return [p for group in groups.values() for p in _patterns(group, avoid, words + 1)]


def generalize(names: list[str], avoid: list[str] | frozenset[str] = frozenset()) -> list[str]:
    """Names -> ARN name patterns: one `<prefix>*<suffix>` per family (same path, or same first
    and last word) cut at separators, a lone name kept exact; every name must match its
    pattern, and no name in `avoid` (the other stacks' names of the scope) may: a family whose
    pattern would is split by its next leading word, down to exact names."""
    families: dict[tuple[str, str], list[str]] = {}
    for name in sorted(set(names)):
        families.setdefault(_family(name), []).append(name)
    avoid = frozenset(avoid) - set(names)
    patterns: list[str] = []
    for members in families.values():
        patterns += _patterns(members, avoid, 1)
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
        value = _dig(block, attribute)
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
    values = [_dig(block, grant.when) for block in stack.blocks(block_type)]
    if grant.when_prefix is not None:
        return any(isinstance(v, str) and v.startswith(grant.when_prefix) for v in values)
    if grant.ref:
        return any(isinstance(v, str) and f"${{{grant.ref}." in v for v in values)
    return any(v not in (None, "", [], {}, False, "false") for v in values)


def _scope_resources(stack: StackConfig, scope: str) -> list[str]:
    fields = {"region": stack.region, "account": stack.account}
    if scope in COMPOSITE_SCOPES:
        found = sorted({arn for part in COMPOSITE_SCOPES[scope]
                        if part in FIXED_SCOPES or stack.names(NAMED_SCOPES[part][1])
                        for arn in _scope_resources(stack, part)})
        return found
    if scope in FIXED_SCOPES:
        return [t.format(**fields) for t in FIXED_SCOPES[scope]]
    templates, sources = NAMED_SCOPES[scope]
    names = stack.names(sources)
    if not names:
        raise ValueError(f"{stack.name}: scope {scope} found no names in {sources}")
    avoid = stack.avoid.get(scope, [])
    if scope == "ssm_parameter":
        names = [n.lstrip("/") for n in names]
        avoid = [n.lstrip("/") for n in avoid]
    return sorted({t.format(name=pattern, **fields)
                   for pattern in generalize(names, avoid) for t in templates})


def _other_names(stack_name: str, others: dict[str, dict]) -> dict[str, list[str]]:
    """Per named scope, the names the other stacks use (which this stack's patterns avoid)."""
    found: dict[str, list[str]] = {}
    for name, config in others.items():
        if name == stack_name:
            continue
        other = StackConfig(name, config)
        for scope, (_, sources) in NAMED_SCOPES.items():
            found.setdefault(scope, []).extend(other.names(sources))
    return found


def state_key_alias(key_prefix: str) -> str:
    """The state key's alias, as modules/state_backend.py names it."""
    return f"alias/{key_prefix}-terraform-state"


def _backend_account(backend: dict, stack_account: str) -> str:
    """The account holding the state bucket, lock table and state key: the team backend's
    (backend.tf.json) when the stack uses its bucket, which may differ from the stack's own
    account (the organization's management account keeps its state there too)."""
    if backend.get("kms_key_id", "").startswith("arn:"):
        return backend["kms_key_id"].split(":")[4]
    from modules.backend import load_backend_settings

    settings = load_backend_settings()
    return settings.account_id if backend.get("bucket") == settings.bucket else stack_account


def _backend_statements(stack: StackConfig) -> list[dict]:
    backend = stack.config.get("terraform", {}).get("backend", {}).get("s3")
    if not backend:
        return []
    bucket, key, table = backend["bucket"], backend["key"], backend.get("dynamodb_table")
    region = backend.get("region", stack.region)
    account = _backend_account(backend, stack.account)
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
    # A part of a system reads the state of the parts it references (read-only, by key).
    remote = sorted({f"arn:aws:s3:::{body['config']['bucket']}/{body['config']['key']}"
                     for body in stack.config.get("data", {}).get("terraform_remote_state",
                                                                  {}).values()
                     if body.get("backend") == "s3"})
    if remote:
        statements.append({"Sid": "RemoteStateRead", "Effect": "Allow",
                           "Action": ["s3:GetObject"], "Resource": remote})
    if table:
        statements.append({
            "Sid": "StateLockTable", "Effect": "Allow",
            "Action": ["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
                       "dynamodb:PutItem"],
            "Resource": [f"arn:aws:dynamodb:{region}:{account}:table/{table}"]})
    statements.append({
        "Sid": "StateKey", "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        "Resource": [f"arn:aws:kms:{region}:{account}:key/*"],
        "Condition": {
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": [state_key_alias(key_prefix)]},
            "StringEquals": {"kms:ViaService": [f"s3.{region}.amazonaws.com",
                                                f"dynamodb.{region}.amazonaws.com"]}}})
    statements.append({
        "Sid": "ProtectStateKey", "Effect": "Deny",
        "Action": ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
        "Resource": [f"arn:aws:kms:{region}:{account}:key/*"],
        "Condition": {"ForAnyValue:StringEquals": {
            "kms:ResourceAliases": [state_key_alias(key_prefix)]}}})
    return statements


def build_policy(stack_name: str, config: dict,
                 others: dict[str, dict] | None = None) -> DeployerPolicy:
    """The policy of one stack; `others` (stack name -> synthesized JSON) are the stacks whose
    named resources its name patterns must not reach (every stack of the output)."""
    stack = StackConfig(stack_name, config)
    stack.avoid = _other_names(stack_name, others or {})
    types = stack_types(config)
    unmapped = [t for t in types if t not in PERMISSIONS]
    if unmapped:
        raise UnmappedTypes(stack_name, unmapped)
    # (sid, resources, condition) -> actions
    merged: dict[tuple[str, tuple[str, ...], str], set[str]] = {}
    linked_services: set[str] = set()
    passed_roles: dict[str, set[str]] = {}
    for block_type in types:
        for grant in PERMISSIONS[block_type]:
            if not _applies(stack, block_type, grant):
                continue
            if grant.linked_service:
                linked_services.add(grant.linked_service)
                continue
            if grant.role_attribute:
                # Collected per service: one statement with every role passed to it.
                passed_roles.setdefault(grant.passed_to or "", set()).update(
                    _role_arns(stack, block_type, grant.role_attribute))
                continue
            condition: dict = {}
            resources = _scope_resources(stack, grant.scope)
            sid = ("NoResourceLevelPermissions" if grant.scope == NO_RESOURCE_LEVEL
                   else _sid(grant.scope))
            if grant.via:
                condition = {"StringEquals": {"kms:ViaService":
                                              f"{grant.via}.{stack.region}.amazonaws.com"}}
                sid = _sid("KmsVia", grant.via)
            key = (sid, tuple(sorted(resources)), json.dumps(condition, sort_keys=True))
            merged.setdefault(key, set()).update(grant.actions)
    for service, roles in passed_roles.items():
        key = (_sid("PassRoleTo", service), tuple(sorted(roles)),
               json.dumps({"StringEquals": {"iam:PassedToService": f"{service}.amazonaws.com"}},
                          sort_keys=True))
        merged[key] = {"iam:PassRole"}
    if linked_services:
        # One statement: each role by its path, created only for its own service.
        services = sorted(linked_services)
        key = ("ServiceLinkedRoles",
               tuple(f"arn:aws:iam::{stack.account}:role/aws-service-role/{service}/"
                     f"{SERVICE_LINKED_ROLES[service]}" for service in services),
               json.dumps({"StringEquals": {"iam:AWSServiceName": services}}, sort_keys=True))
        merged[key] = {"iam:CreateServiceLinkedRole"}
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
    configs = {p.name: json.loads((p / "cdk.tf.json").read_text())
               for p in sorted(stacks_root.iterdir()) if (p / "cdk.tf.json").exists()}
    return [build_policy(name, config, configs) for name, config in configs.items()
            if selects(name, only)]


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
