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
