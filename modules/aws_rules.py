"""AWS naming rules and value sets, checked before synthesis so a bad name never reaches AWS."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Commercial regions where the services of this project exist; extend when AWS adds one.
KNOWN_REGIONS: tuple[str, ...] = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "ca-central-1", "ca-west-1", "sa-east-1", "mx-central-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-east-1", "me-south-1", "me-central-1", "il-central-1", "af-south-1",
)

# CloudWatch Logs accepts only these retention values (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)


@dataclass(frozen=True)
class NameRule:
    """One service's naming rule: a regex, a length range, the sentence shown to users and
    where the name must be unique."""

    service: str
    pattern: re.Pattern[str]
    min_length: int
    max_length: int
    allowed: str
    #: "global" (every account), "account" (all regions of one account), "region" (one region
    #: of one account) or "parent" (unique only inside its parent, e.g. a role's inline policy).
    scope: str = "region"

    def violation(self, name: str) -> str | None:
        if not self.min_length <= len(name) <= self.max_length:
            return f"is {len(name)} characters; {self.allowed}"
        if not self.pattern.fullmatch(name):
            return f"has characters or a shape that is not allowed; {self.allowed}"
        return None


S3_BUCKET = NameRule(
    "S3 bucket",
    re.compile(r"(?!xn--)(?!sthree-)(?!.*-s3alias$)(?!.*--ol-s3$)[a-z0-9][a-z0-9.-]*[a-z0-9]"
               r"(?<!\.\.)"),
    3, 63,
    "S3 bucket names are 3-63 characters of lowercase letters, digits, '.' and '-', "
    "starting and ending with a letter or digit",
    scope="global",
)
IAM_ROLE = NameRule(
    "IAM role", re.compile(r"[\w+=,.@-]+"), 1, 64,
    "IAM role names are 1-64 characters of letters, digits and +=,.@_-",
    scope="account",
)
IAM_POLICY = NameRule(
    "IAM inline policy", re.compile(r"[\w+=,.@-]+"), 1, 128,
    "IAM policy names are 1-128 characters of letters, digits and +=,.@_-",
    scope="parent",
)
LAMBDA_FUNCTION = NameRule(
    "Lambda function", re.compile(r"[A-Za-z0-9_-]+"), 1, 64,
    "Lambda function names are 1-64 characters of letters, digits, '-' and '_'",
)
BEDROCK_AGENT = NameRule(
    "Bedrock agent", re.compile(r"([0-9a-zA-Z][_-]?){1,100}"), 1, 100,
    "Bedrock agent names are 1-100 characters of letters, digits, '-' and '_', "
    "without two separators in a row",
)
BEDROCK_GUARDRAIL = NameRule(
    "Bedrock guardrail", re.compile(r"[0-9a-zA-Z_-]+"), 1, 50,
    "Bedrock guardrail names are 1-50 characters of letters, digits, '-' and '_'",
)
DYNAMODB_TABLE = NameRule(
    "DynamoDB table", re.compile(r"[a-zA-Z0-9_.-]+"), 3, 255,
    "DynamoDB table names are 3-255 characters of letters, digits and '_', '-', '.'",
)
LOG_GROUP = NameRule(
    "CloudWatch log group", re.compile(r"[\w\-/.#]+"), 1, 512,
    "log group names are 1-512 characters of letters, digits and '_-/.#'",
)
SECRET = NameRule(
    "Secrets Manager secret", re.compile(r"[\w/+=.@-]+"), 1, 512,
    "secret names are 1-512 characters of letters, digits and /_+=.@-",
)
KMS_ALIAS = NameRule(
    "KMS alias", re.compile(r"alias/(?!aws/)[a-zA-Z0-9/_-]+"), 7, 256,
    "KMS aliases are 'alias/' plus letters, digits, '/', '_' and '-', not under 'alias/aws/'",
)
# RDS cluster and instance identifiers (AWS stores them lowercase; we require lowercase).
RDS_CLUSTER = NameRule(
    "RDS DB identifier", re.compile(r"[a-z](?!.*--)[a-z0-9-]*(?<!-)"), 1, 63,
    "RDS cluster and instance identifiers are 1-63 lowercase letters, digits and '-', starting "
    "with a letter, without '--' or a trailing '-'",
)
# ElastiCache replication group, user and user group ids.
ELASTICACHE_ID = NameRule(
    "ElastiCache id", re.compile(r"[a-z](?!.*--)[a-z0-9-]*(?<!-)"), 1, 40,
    "ElastiCache replication group, user and user group ids are 1-40 lowercase letters, digits "
    "and '-', starting with a letter, without '--' or a trailing '-'",
)
# REST API names need not be unique in AWS; the project keeps them unique per region so two
# stacks never show up as one API in the console or in dashboards keyed by ApiName.
REST_API = NameRule(
    "API Gateway REST API", re.compile(r"[A-Za-z0-9 _.-]+"), 1, 128,
    "REST API names here are 1-128 letters, digits, spaces and '_', '.', '-'",
)
SNS_TOPIC = NameRule(
    "SNS topic", re.compile(r"[A-Za-z0-9_-]+"), 1, 256,
    "SNS topic names are 1-256 letters, digits, '-' and '_'",
)
CLOUDWATCH_DASHBOARD = NameRule(
    "CloudWatch dashboard", re.compile(r"[A-Za-z0-9_-]+"), 1, 255,
    "dashboard names are 1-255 letters, digits, '-' and '_'",
)
CLOUDWATCH_ALARM = NameRule(
    "CloudWatch alarm", re.compile(r"[^\x00-\x1f\x7f]+"), 1, 255,
    "alarm names are 1-255 printable characters",
)
# Backup vault and plan names.
BACKUP_NAME = NameRule(
    "AWS Backup vault or plan", re.compile(r"[A-Za-z0-9_.-]+"), 2, 50,
    "backup vault and plan names are 2-50 letters, digits, '-', '_' and '.'",
)
# Fraud detection: streams, queues, event rules, knowledge bases, vector collections.
KINESIS_STREAM = NameRule(
    "Kinesis data stream", re.compile(r"[A-Za-z0-9_.-]+"), 1, 128,
    "Kinesis stream names are 1-128 letters, digits, '_', '.' and '-'",
)
SQS_QUEUE = NameRule(
    "SQS queue", re.compile(r"[A-Za-z0-9_-]+(\.fifo)?"), 1, 80,
    "SQS queue names are 1-80 letters, digits, '-' and '_' (FIFO queues end in .fifo)",
)
EVENT_RULE = NameRule(
    "EventBridge rule", re.compile(r"[A-Za-z0-9_.-]+"), 1, 64,
    "EventBridge rule names are 1-64 letters, digits, '.', '-' and '_'",
)
BEDROCK_KNOWLEDGE_BASE = NameRule(
    "Bedrock knowledge base", re.compile(r"([0-9a-zA-Z][_-]?){1,100}"), 1, 100,
    "knowledge base names are 1-100 letters, digits, '-' and '_', without two separators in a row",
)
OPENSEARCH_COLLECTION = NameRule(
    "OpenSearch Serverless collection", re.compile(r"[a-z][a-z0-9-]+"), 3, 32,
    "collection (and collection policy) names are 3-32 lowercase letters, digits and '-', "
    "starting with a letter",
)
# -- edge: users, WAF, CDN (p3b) ----------------------------------------------------------------
COGNITO_USER_POOL = NameRule(
    "Cognito user pool", re.compile(r"[\w\s+=,.@-]+"), 1, 128,
    "user pool (and app client) names are 1-128 characters of letters, digits, spaces and +=,.@_-",
)
WAF_WEB_ACL = NameRule(
    "WAF web ACL", re.compile(r"[\w-]+"), 1, 128,
    "web ACL names are 1-128 characters of letters, digits, '_' and '-'",
)
CLOUDFRONT_NAME = NameRule(
    "CloudFront policy or origin access control", re.compile(r"[\w-]+"), 1, 64,
    "CloudFront policy and origin access control names are 1-64 letters, digits, '_' and '-'",
    scope="account",
)
# Workflows, stream archives and analytics (Step Functions, Firehose, Glue, Athena).
STATE_MACHINE = NameRule(
    "Step Functions state machine", re.compile(r"[A-Za-z0-9_-]+"), 1, 80,
    "state machine names are 1-80 characters of letters, digits, '-' and '_'",
)
FIREHOSE_STREAM = NameRule(
    "Firehose delivery stream", re.compile(r"[a-zA-Z0-9_.-]+"), 1, 64,
    "Firehose delivery stream names are 1-64 characters of letters, digits, '_', '.' and '-'",
)
GLUE_DATABASE = NameRule(
    "Glue database", re.compile(r"[a-z0-9_]+"), 1, 255,
    "Glue database names Athena can query are 1-255 lowercase letters, digits and '_'",
)
GLUE_NAME = NameRule(
    "Glue job, crawler, trigger or security configuration", re.compile(r"[\w.-]+"), 1, 255,
    "Glue job, crawler, trigger and security configuration names are 1-255 letters, digits, "
    "'_', '.' and '-'",
)
ATHENA_WORKGROUP = NameRule(
    "Athena workgroup", re.compile(r"[a-zA-Z0-9._-]+"), 1, 128,
    "Athena workgroup names are 1-128 characters of letters, digits, '.', '_' and '-'",
)
# -- account baseline, organization and asset allocation (SOC2) ---------------------------------
CLOUDTRAIL_TRAIL = NameRule(
    "CloudTrail trail", re.compile(r"[A-Za-z0-9](?!.*[._-]{2})[A-Za-z0-9._-]*[A-Za-z0-9]"), 3, 128,
    "trail names are 3-128 letters, digits, '.', '_' and '-', starting and ending with a letter "
    "or digit, without two separators in a row",
)
CONFIG_RULE = NameRule(
    "AWS Config rule", re.compile(r"[A-Za-z0-9_-]+"), 1, 128,
    "Config rule names are 1-128 letters, digits, '-' and '_'",
)
ACCESS_ANALYZER = NameRule(
    "IAM Access Analyzer analyzer", re.compile(r"[A-Za-z][A-Za-z0-9_.-]*"), 1, 255,
    "analyzer names are 1-255 letters, digits, '.', '_' and '-', starting with a letter",
)


def _singleton(service: str, scope: str) -> NameRule:
    """A service AWS allows once per account (or account and region); the name registered is a
    fixed token, so two stacks enabling it in one account collide before synthesis."""
    where = "account" if scope == "account" else "account and region"
    return NameRule(f"{service} (one per {where}: select the system in one env file per "
                    f"{where})", re.compile(r"[a-z0-9-]+"), 1, 64,
                    "a fixed token naming the account-level setting", scope=scope)


CONFIG_RECORDER = _singleton("AWS Config recorder", "region")
SECURITY_HUB = _singleton("Security Hub", "region")
GUARDDUTY_DETECTOR = _singleton("GuardDuty detector", "region")
MACIE_ACCOUNT = _singleton("Amazon Macie", "region")
EBS_DEFAULT_ENCRYPTION = _singleton("EBS encryption by default", "region")
PASSWORD_POLICY = _singleton("IAM account password policy", "account")
ACCOUNT_PUBLIC_ACCESS_BLOCK = _singleton("S3 account public access block", "account")
ORGANIZATION = _singleton("AWS Organizations organization", "account")
ORGANIZATION_UNIT = NameRule(
    "Organizations OU", re.compile(r"[\s\S]+"), 1, 128, "OU names are 1-128 characters",
    scope="account",
)
ORGANIZATION_POLICY = NameRule(
    "Organizations policy", re.compile(r"[\s\S]+"), 1, 128,
    "organization policy names are 1-128 characters", scope="account",
)
ECR_REPOSITORY = NameRule(
    "ECR repository", re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"),
    2, 256, "ECR repository names are 2-256 lowercase letters, digits and '.', '_', '-', '/'",
)
# -- language-learning portal (VPC, Aurora + RDS Proxy, Cognito domain and identity pool) -------
RDS_PROXY = NameRule(
    "RDS Proxy", re.compile(r"[a-z](?!.*--)[a-z0-9-]*[a-z0-9]"), 1, 60,
    "RDS Proxy names are 1-60 lowercase letters, digits and '-', starting with a letter, not "
    "ending with '-' and without '--'",
)
COGNITO_DOMAIN = NameRule(
    "Cognito domain prefix", re.compile(r"(?!aws|amazon|cognito)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"),
    1, 63,
    "Cognito domain prefixes are 1-63 lowercase letters, digits and '-', not starting with "
    "aws, amazon or cognito",
    scope="global",
)
COGNITO_IDENTITY_POOL = NameRule(
    "Cognito identity pool", re.compile(r"[\w\s+=,.@-]+"), 1, 128,
    "identity pool names are 1-128 letters, digits, spaces and +=,.@_-",
)
ELB_NAME = NameRule(
    "load balancer or target group", re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"),
    1, 32,
    "load balancer and target group names are 1-32 letters, digits and '-', not starting or "
    "ending with '-'",
)
ECS_CLUSTER = NameRule(
    "ECS cluster", re.compile(r"[A-Za-z0-9_-]+"), 1, 255,
    "ECS cluster names are 1-255 letters, digits, '-' and '_'",
)
ECS_SERVICE = NameRule(
    "ECS service", re.compile(r"[A-Za-z0-9_-]+"), 1, 255,
    "ECS service names are 1-255 letters, digits, '-' and '_'", scope="parent",
)
# -- CI/CD (CodePipeline, CodeBuild, CodeStar connections) -----------------------------------
CODEPIPELINE = NameRule(
    "CodePipeline pipeline", re.compile(r"[A-Za-z0-9.@_-]+"), 1, 100,
    "pipeline names are 1-100 letters, digits and '.', '@', '_', '-'",
)
CODEBUILD_PROJECT = NameRule(
    "CodeBuild project", re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*"), 2, 150,
    "CodeBuild project names are 2-150 letters, digits, '-' and '_', starting with a letter or "
    "digit",
)
CODESTAR_CONNECTION = NameRule(
    "CodeStar connection", re.compile(r"[\w-]+"), 1, 32,
    "connection names are 1-32 letters, digits, '_' and '-'",
)
# -- API Gateway v2 (WebSocket and HTTP APIs) -----------------------------------------------
API_GATEWAY_V2 = NameRule(
    "API Gateway v2 API", re.compile(r"[A-Za-z0-9 _.-]+"), 1, 128,
    "WebSocket and HTTP API names here are 1-128 letters, digits, spaces and '_', '.', '-'",
)
# -- Cost and tracing (budgets, Cost Anomaly Detection, X-Ray sampling rules) ----------------
BUDGET_NAME = NameRule(
    "AWS Budgets budget", re.compile(r"[^:\\]+"), 1, 100,
    "budget names are 1-100 characters without ':' or '\\'",
)
COST_ANOMALY_NAME = NameRule(
    "Cost Anomaly Detection monitor or subscription", re.compile(r"[A-Za-z0-9 _.:/=+@-]+"), 1, 1024,
    "anomaly monitor and subscription names are 1-1024 letters, digits, spaces and _.:/=+@-",
)
XRAY_SAMPLING_RULE = NameRule(
    "X-Ray sampling rule", re.compile(r"[A-Za-z0-9_-]+"), 1, 32,
    "X-Ray sampling rule names are 1-32 letters, digits, '-' and '_'",
)
SAGEMAKER_PIPELINE = NameRule(
    "SageMaker pipeline", re.compile(r"[A-Za-z0-9](-*[A-Za-z0-9])*"), 1, 256,
    "SageMaker pipeline names are 1-256 letters, digits and '-', starting and ending with a "
    "letter or digit",
)
