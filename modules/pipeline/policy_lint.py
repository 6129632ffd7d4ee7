"""Lint the generated deployer policies with parliament, with narrow, reasoned exceptions.

parliament (a dev dependency) reads each document with its own IAM action database and,
with `community=True`, its community auditors too. Every finding fails, except these, each
re-checked against parliament's own database rather than skipped by name:

* `UNKNOWN_CONDITION_FOR_ACTION` for a condition key that the database lists on a resource
  type of that action (`kms:ResourceAliases` on `key`): parliament only consults the keys listed
  on the action itself, not those of its resource types.
* `RESOURCE_MISMATCH` for an action in `ANY_OF_RESOURCE_ACTIONS` (tagging reads whose
  reference lists every taggable type, of which a request names one): accepted when every
  statement with the action names at least one of its resource types.
* `RESOURCE_POLICY_PRIVILEGE_ESCALATION` on a bucket (or a bucket name pattern covering one)
  whose policy the stack manages (`aws_s3_bucket_policy`): writing that policy is the
  deployer's job; object rights are granted on `<bucket>/*`, which parliament compares with the
  bucket ARN literally.
* `CREDENTIALS_EXPOSURE` for an action in `EXPECTED_CREDENTIAL_READS`: a read the provider
  makes to refresh a resource's state, whose answer can carry a secret.
* community `PRIVILEGE_ESCALATION` of a kind in `ACCEPTED_ESCALATIONS`, and
  `PERMISSIONS_MANAGEMENT_ACTIONS` within `EXPECTED_PERMISSIONS_MANAGEMENT`: a deployer that
  creates roles, key policies and function code can grant rights by definition; a new action
  in that class fails until it is reviewed and added here.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass

#: Actions whose documented resource types are alternatives, not all required.
ANY_OF_RESOURCE_ACTIONS = frozenset({
    "athena:ListTagsForResource", "athena:TagResource", "athena:UntagResource",
    "bedrock:ListTagsForResource",
    # Listener and rule actions list application- and network-listener types; a request names
    # the one (application) listener or rule it changes.
    "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
})
#: Community privilege-escalation kinds inherent to deploying the stack's functions.
ACCEPTED_ESCALATIONS = frozenset({
    # lambda:UpdateFunctionCode on functions whose (stack-created) roles it passes.
    "EditExistingLambdaFunctionWithRole",
    # lambda:CreateFunction with iam:PassRole (only of the stack's roles, to Lambda) and an
    # invocation (aws_lambda_invocation) or a trigger (aws_lambda_event_source_mapping) the
    # stack declares.
    "PassExistingRoleToNewLambdaThenInvoke",
    "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo",
})
#: Reads whose answer can hold a secret, made by the provider to refresh state.
EXPECTED_CREDENTIAL_READS = frozenset({
    # A user pool client's secret, when it has one (the web client of a SPA has none).
    "cognito-idp:describeuserpoolclient",
})
#: Permissions-management actions the deployer needs (lower case, as parliament reports them).
EXPECTED_PERMISSIONS_MANAGEMENT = frozenset({
    "iam:createrole", "iam:deleterole", "iam:updaterole", "iam:updateroledescription",
    "iam:updateassumerolepolicy", "iam:putrolepolicy", "iam:deleterolepolicy", "iam:passrole",
    "iam:createservicelinkedrole", "kms:createkey", "kms:putkeypolicy", "kms:creategrant",
    "lambda:addpermission", "lambda:removepermission", "s3:putbucketpolicy",
    "s3:deletebucketpolicy", "s3:putbucketpublicaccessblock", "sns:createtopic",
    "sns:settopicattributes", "sqs:createqueue", "sqs:setqueueattributes",
    # The prod backup role's AWS-managed policy: attached to and detached from the stack's own
    # roles only (the `iam_role` scope of the role names).
    "iam:attachrolepolicy", "iam:detachrolepolicy",
    # Log group resource policies: Route 53 query logs, and the vended-logs deliveries
    # (WAF, ElastiCache) write the policy that lets the delivery service write the log group.
    "logs:putresourcepolicy", "logs:deleteresourcepolicy",
    # CloudFront standard logging grants the log delivery account write access to the log
    # bucket through its ACL (the stack's buckets only).
    "s3:putbucketacl",
    # WAF web ACLs are resource-protection policies of the stack's API and distributions.
    "wafv2:createwebacl", "wafv2:updatewebacl", "wafv2:deletewebacl",
    # Identity pools map the pool's identities to the stack's own roles.
    "cognito-identity:createidentitypool", "cognito-identity:updateidentitypool",
    "cognito-identity:deleteidentitypool", "cognito-identity:setidentitypoolroles",
    # The account baseline (compliance system): the IAM password policy and the account-wide
    # S3 public access block are account settings the stack owns.
    "iam:updateaccountpasswordpolicy", "iam:deleteaccountpasswordpolicy",
    "s3:putaccountpublicaccessblock",
    # The image repository's policy lets Lambda pull the stack's container image.
    "ecr:setrepositorypolicy",
})


@dataclass(frozen=True)
class LintFinding:
    issue: str
    detail: str
    accepted: str | None = None  # the reason, when one of the exceptions applies


def _privileges(action: str) -> list[dict]:
    from parliament import iam_definition

    prefix, name = action.split(":", 1)
    for service in iam_definition:
        if service["prefix"] == prefix:
            for privilege in service["privileges"]:
                if privilege["privilege"].lower() == name.lower():
                    return privilege["resource_types"]
    return []


def _resource_formats(action: str) -> list[tuple[str, str]]:
    from parliament import iam_definition

    prefix = action.split(":", 1)[0]
    arns = {r["resource"]: r["arn"] for s in iam_definition if s["prefix"] == prefix
            for r in s["resources"]}
    return [(t["resource_type"].rstrip("*"), arns[t["resource_type"].rstrip("*")])
            for t in _privileges(action) if t["resource_type"].rstrip("*") in arns]


def _resource_condition_keys(action: str) -> set[str]:
    from parliament import iam_definition

    prefix = action.split(":", 1)[0]
    keys = {r["resource"]: set(r.get("condition_keys", [])) for s in iam_definition
            if s["prefix"] == prefix for r in s["resources"]}
    found: set[str] = set()
    for resource_type, _ in _resource_formats(action):
        found |= keys.get(resource_type, set())
    return found


def _statements(document: dict) -> list[dict]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _covers_one_type(document: dict, action: str) -> bool:
    from parliament import is_arn_match

    formats = _resource_formats(action)
    for statement in _statements(document):
        if action.lower() not in {a.lower() for a in _as_list(statement.get("Action", []))}:
            continue
        if not any(is_arn_match(resource_type, re.sub(r"\$\{[^}]*\}", "*", arn), resource)
                   for resource in _as_list(statement["Resource"])
                   for resource_type, arn in formats):
            return False
    return True


def _accept(finding, document: dict, policy_buckets: set[str]) -> str | None:
    detail = finding.detail
    # The community auditors put their data in the location, not the detail.
    if not detail and isinstance(finding.location, dict):
        detail = finding.location
    if finding.issue == "UNKNOWN_CONDITION_FOR_ACTION":
        # "Unknown condition kms:ResourceAliases for action kms:Decrypt"
        words = str(detail).split()
        if len(words) >= 6 and words[1] == "condition":
            key, action = words[2], words[5]
            if key in _resource_condition_keys(action):
                return (f"{key} is a condition key of {action}'s resource type; parliament only "
                        "reads the keys listed on the action")
    if finding.issue == "RESOURCE_MISMATCH" and isinstance(detail, list) and detail:
        actions = {entry["action"] for entry in detail}
        if actions <= ANY_OF_RESOURCE_ACTIONS and all(_covers_one_type(document, a)
                                                       for a in actions):
            return "the action takes one of its resource types per request, not all of them"
    if finding.issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION":
        # "Possible resource policy privilege escalation on arn:aws:s3:::<bucket or pattern> ..."
        arn = re.search(r"arn:aws:s3:::(\S+)", str(detail))
        pattern = arn.group(1) if arn else None
        bucket = next((b for b in sorted(policy_buckets)
                       if pattern and fnmatch.fnmatchcase(b, pattern)), None)
        if bucket:
            return (f"the stack manages the policy of {bucket} ({pattern}); object rights are "
                    f"granted on {pattern}/*")
    if finding.issue == "CREDENTIALS_EXPOSURE" and isinstance(detail, dict) \
            and set(detail.get("actions", [])) <= EXPECTED_CREDENTIAL_READS:
        return "a read the provider makes to refresh state (reviewed)"
    if finding.issue == "PRIVILEGE_ESCALATION" and isinstance(detail, dict) \
            and detail.get("type") in ACCEPTED_ESCALATIONS:
        return f"{detail['type']}: inherent to deploying the stack's functions"
    if finding.issue == "PERMISSIONS_MANAGEMENT_ACTIONS" and isinstance(detail, dict) \
            and set(detail.get("actions", [])) <= EXPECTED_PERMISSIONS_MANAGEMENT:
        return "reviewed permissions-management actions a deployer of IAM roles needs"
    return None


def lint(document: dict, policy_buckets: set[str] = frozenset(),
         community: bool = True) -> list[LintFinding]:
    """parliament's findings on one policy document, each marked accepted (with the reason)
    or not. `policy_buckets`: names of the buckets whose policy the stack manages."""
    from parliament import analyze_policy_string

    analyzed = analyze_policy_string(json.dumps(document), include_community_auditors=community)
    findings = []
    for finding in analyzed.findings:
        detail = finding.detail or finding.location
        if isinstance(detail, dict):
            detail = {k: v for k, v in detail.items() if k != "filepath"}
        findings.append(LintFinding(finding.issue, json.dumps(detail, default=str)
                                    if not isinstance(detail, str) else detail,
                                    _accept(finding, document, set(policy_buckets))))
    return findings
