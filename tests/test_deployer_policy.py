"""The generated deployer policies: every type mapped, scoped to the stack, within the size
limits, and clean under parliament (with its documented, re-checked exceptions)."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
from pathlib import Path

import pytest

from modules.config import REPO_ROOT
from modules.pipeline.deployer_policy import (FIXED_SCOPES, INLINE_POLICY_LIMIT,
                                              MANAGED_POLICY_LIMIT, NAMED_SCOPES,
                                              NO_RESOURCE_LEVEL, PERMISSIONS, StackConfig,
                                              UnmappedTypes, build_policy, generalize, main,
                                              policy_size, split_documents, stack_types,
                                              state_key_alias)
from modules.pipeline.policy_lint import lint
from tests.systems.scheduling.conftest import load_stack, synth_scheduling

ACCOUNT, REGION = "618048437522", "us-east-1"
ENVIRONMENTS = ("dev", "staging", "prod")
#: Services whose ARNs carry no region (and, for Route 53 and S3, no account).
GLOBAL_SERVICES = ("s3", "iam", "apigateway", "cloudwatch", "cloudfront", "route53",
                   "organizations")
#: Findings the linter may accept (each one re-checked, see policy_lint's docstring).
ACCEPTED_ISSUES = {"UNKNOWN_CONDITION_FOR_ACTION", "RESOURCE_MISMATCH",
                   "RESOURCE_POLICY_PRIVILEGE_ESCALATION", "PRIVILEGE_ESCALATION",
                   "PERMISSIONS_MANAGEMENT_ACTIONS", "CREDENTIALS_EXPOSURE"}
#: The permission tables of the system's original plan (hand-written), for comparison.
HAND_WRITTEN = [
    ("dynamodb", ["CreateTable", "DescribeTable", "PutItem", "GetItem", "Query", "Scan",
                  "UpdateItem", "DeleteItem", "BatchWriteItem", "UpdateTimeToLive"]),
    ("apigateway", ["POST", "GET", "PATCH", "DELETE", "CreateDeployment", "CreateStage",
                    "UpdateStage"]),
    ("secretsmanager", ["CreateSecret", "GetSecretValue", "PutSecretValue", "DescribeSecret",
                        "RotateSecret", "DeleteSecret"]),
    ("cloudwatch", ["PutMetricData", "GetMetricData", "PutDashboard", "PutMetricAlarm",
                    "DescribeAlarms"]),
    ("xray", ["PutTraceSegments", "PutTelemetryRecords", "GetSamplingRules"]),
    ("sns", ["CreateTopic", "Subscribe", "Publish", "SetTopicAttributes"]),
    ("events", ["PutRule", "PutTargets", "EnableRule"]),
    ("lambda", ["AddPermission"]),
]


@pytest.fixture(scope="module")
def policies(stacks):
    return {name: build_policy(name, config, stacks) for name, config in stacks.items()}


@pytest.fixture(scope="module")
def phase3_stacks(stacks, tmp_path_factory):
    """Every stack, with staging's scheduling system at phase "3" (VPC, Aurora, Redis, Cognito,
    WAF, CloudFront, Route 53, Step Functions, Kinesis, Firehose, Glue, Athena, Backup...)."""
    stack_dir = synth_scheduling(tmp_path_factory.mktemp("phase3") / "out", "staging",
                                 {"systems": {"scheduling": {"phase": "3"}}})
    return {**stacks, "staging-scheduling": load_stack(stack_dir)}


@pytest.fixture(scope="module")
def phase3(phase3_stacks):
    return build_policy("staging-scheduling", phase3_stacks["staging-scheduling"], phase3_stacks)


def statements(policy) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy.statements}


def actions_of(policy) -> set[str]:
    return {a for s in policy.statements if s["Effect"] == "Allow" for a in s["Action"]}


def test_every_type_of_every_stack_is_mapped(stacks):
    for name, config in stacks.items():
        missing = [t for t in stack_types(config) if t not in PERMISSIONS]
        assert not missing, f"{name}: {missing}"


def test_every_type_a_construct_can_create_is_mapped():
    """Types behind settings the shipped environments leave off (CORS responses, the account
    logging role, e-mail subscriptions) are mapped too: every `provider_module(...)` in use."""
    used = set()
    for folder in ("modules", "systems"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            for module in re.findall(r'provider_module\("([a-z0-9_]+)"\)', path.read_text()):
                if module != "provider":
                    used.add(f"data.{module[5:]}" if module.startswith("data_")
                             else f"aws_{module}")
    assert len(used) > 40
    assert sorted(used - set(PERMISSIONS)) == []


def test_an_unknown_type_stops_the_generator(stacks, tmp_path, capsys):
    config = json.loads(json.dumps(stacks["dev-scheduling"]))
    config["resource"]["aws_neptune_cluster"] = {"graph": {"cluster_identifier": "g"}}
    with pytest.raises(UnmappedTypes, match="aws_neptune_cluster"):
        build_policy("dev-scheduling", config)
    stack_dir = tmp_path / "stacks" / "dev-scheduling"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(json.dumps(config))
    assert main(["--outdir", str(tmp_path)]) == 1
    assert "no deploy permissions are known for aws_neptune_cluster" in capsys.readouterr().err


def _assert_scoped(name: str, policy, account: str = ACCOUNT) -> None:
    """Every ARN in the stack's account and region (the state resources: the team backend's,
    where the service has them) and free of the other environments' names."""
    env = name.split("-", 1)[0]
    others = [e for e in ENVIRONMENTS if e != env] if env in ENVIRONMENTS else list(ENVIRONMENTS)
    for statement in policy.statements:
        if statement["Resource"] == ["*"]:
            assert statement["Sid"] == "NoResourceLevelPermissions", (name, statement)
            continue
        owner = ACCOUNT if statement["Sid"].startswith(("State", "ProtectState")) else account
        for arn in statement["Resource"]:
            service = arn.split(":")[2]
            if service in ("organizations", "budgets", "ce"):  # ARNs without a region
                assert f"::{owner}:" in arn, (name, arn)
            elif service not in GLOBAL_SERVICES:
                assert f":{REGION}:{owner}:" in arn, (name, arn)
            for other in others:
                assert not re.search(rf"(?<![a-z]){other}(?![a-z])", arn), (name, other, arn)


def test_resources_are_scoped_to_the_account_region_and_names(policies, stacks):
    staging = statements(policies["staging-scheduling"])
    # Exact names where a pattern (`pf-*-staging`) would reach the staging chatbot's tables.
    assert staging["DynamodbTable"]["Resource"] == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/pf-{table}-staging"
        for table in ("agent-metrics", "appointment-cache", "conversation-history",
                      "session-state")]
    assert f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pf-chat-api-staging" in \
        staging["LambdaFunction"]["Resource"]
    assert staging["SsmParameter"]["Resource"] == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/pf/staging/scheduling/*"]
    assert staging["S3Bucket"]["Resource"] == ["arn:aws:s3:::pf-schemas-staging-618048437522"]
    assert staging["SqsQueue"]["Resource"] == [
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:pf-*-staging-dlq"]
    assert f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/pf-chat-api-staging:*" in \
        staging["LogGroup"]["Resource"]
    assert sorted(staging["KmsAlias"]["Resource"]) == [
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/pf-agents-staging",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"]
    fraud = statements(policies["dev-fraud"])
    assert fraud["DynamodbTable"]["Resource"] == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/fraud-detection-*-dev"]
    assert {name.split("-", 1)[0] for name in policies} >= set(ENVIRONMENTS)
    for name, policy in policies.items():
        _assert_scoped(name, policy, stacks[name]["provider"]["aws"][0].get(
            "allowed_account_ids", [ACCOUNT])[0])


def _named_arns(name: str, config: dict) -> dict[str, set[str]]:
    """Per named scope, the exact ARNs of the stack's own names (no patterns)."""
    stack = StackConfig(name, config)
    found: dict[str, set[str]] = {}
    for scope, (templates, sources) in NAMED_SCOPES.items():
        names = [n.lstrip("/") if scope == "ssm_parameter" else n for n in stack.names(sources)]
        found[scope] = {t.format(name=n, region=stack.region, account=stack.account)
                        for n in names for t in templates
                        # Interpolated ids (`API-Gateway-Execution-Logs_${id}/stage`): no name.
                        if "{name}" in t and "*" not in n}
    return found


def _statement_patterns(policy) -> set[str]:
    """The resource ARNs of the stack's own resources (the state backend is tested apart)."""
    return {arn for s in policy.statements if s["Effect"] == "Allow" and s["Resource"] != ["*"]
            and not s["Sid"].startswith("State") for arn in s["Resource"]}


@pytest.mark.parametrize("with_phase3", [False, True], ids=["shipped", "staging-phase-3"])
def test_a_stacks_name_patterns_reach_no_other_stacks_resources(with_phase3, stacks,
                                                                  phase3_stacks):
    """Several systems per environment share the prefix (`pf-`): each stack's name patterns are
    narrowed until they match none of the other stacks' names, in any environment. Scopes of
    generated ids (`key/*`, `vpc/*`, `/restapis/*`) are account-wide by design (README)."""
    configs = phase3_stacks if with_phase3 else stacks
    owned = {name: {arn for arns in _named_arns(name, config).values() for arn in arns}
             for name, config in configs.items()}
    ids = {t.format(region=REGION, account=ACCOUNT) for templates in FIXED_SCOPES.values()
           for t in templates}
    for name, config in configs.items():
        patterns = _statement_patterns(build_policy(name, config, configs)) - ids
        for other, arns in owned.items():
            if other != name:
                reached = [(arn, p) for arn in arns for p in patterns
                           if fnmatch.fnmatchcase(arn, p)]
                assert not reached, (name, other, reached[:3])


def test_star_is_only_for_actions_without_resource_level_permissions(policies):
    from parliament import iam_definition

    by_service = {s["prefix"]: {p["privilege"]: p for p in s["privileges"]}
                  for s in iam_definition}
    for policy in policies.values():
        star = statements(policy).get("NoResourceLevelPermissions")
        for action in (star or {}).get("Action", []):
            prefix, name = action.split(":")
            types = {t["resource_type"] for t in by_service[prefix][name]["resource_types"]}
            assert types <= {""}, f"{action} supports resource-level permissions: {types}"


def test_roles_are_passed_only_to_their_service(policies, stacks):
    dev = statements(policies["dev-scheduling"])
    roles = {r["name"] for r in stacks["dev-scheduling"]["resource"]["aws_iam_role"].values()}
    for sid, service in (("PassRoleToLambda", "lambda"), ("PassRoleToBedrock", "bedrock")):
        statement = dev[sid]
        assert statement["Action"] == ["iam:PassRole"]
        assert statement["Condition"] == {
            "StringEquals": {"iam:PassedToService": f"{service}.amazonaws.com"}}
        passed = {arn.rsplit("/", 1)[1] for arn in statement["Resource"]}
        assert passed < roles
    assert {a for s in dev.values() for a in s["Action"] if a == "iam:PassRole"}
    bedrock_roles = {arn.rsplit("/", 1)[1] for arn in dev["PassRoleToBedrock"]["Resource"]}
    assert all("agent-role" in role for role in bedrock_roles) and len(bedrock_roles) == 5


def test_state_backend_access_is_the_stacks_own_key_and_lock(policies, stacks):
    staging = statements(policies["staging-scheduling"])
    backend = stacks["staging-scheduling"]["terraform"]["backend"]["s3"]
    bucket, key = backend["bucket"], backend["key"]
    assert staging["StateList"]["Resource"] == [f"arn:aws:s3:::{bucket}"]
    assert staging["StateObjects"]["Resource"] == [f"arn:aws:s3:::{bucket}/{key}",
                                                   f"arn:aws:s3:::{bucket}/{key}.tflock"]
    assert staging["StateLockTable"]["Resource"] == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{backend['dynamodb_table']}"]
    alias = {"kms:ResourceAliases": [state_key_alias(key.split("/")[0])]}
    assert staging["StateKey"]["Condition"]["ForAnyValue:StringEquals"] == alias
    assert staging["ProtectStateKey"]["Effect"] == "Deny"
    assert "kms:ScheduleKeyDeletion" in staging["ProtectStateKey"]["Action"]
    # The alias the condition names is the one the bootstrap stack creates.
    aliases = [a["name"] for a in stacks["state-backend"]["resource"]["aws_kms_alias"].values()]
    assert alias["kms:ResourceAliases"] == aliases
    # The bootstrap keeps its state locally until migrated: no backend statements, no Deny.
    assert not [sid for sid in statements(policies["state-backend"]) if sid.startswith("State")]
    assert "ProtectStateKey" not in statements(policies["state-backend"])


def test_other_stacks_cannot_touch_the_state_resources(policies, stacks):
    settings = stacks["state-backend"]["resource"]
    state_bucket = next(iter(settings["aws_s3_bucket"].values()))["bucket"]
    lock_table = next(iter(settings["aws_dynamodb_table"].values()))["name"]
    for name, policy in policies.items():
        if name == "state-backend":
            continue
        for statement in policy.statements:
            if statement["Sid"].startswith("State") or statement["Effect"] == "Deny":
                continue
            if statement["Resource"] == ["*"]:
                # Account settings (the compliance baseline's public access block) name no
                # bucket or table; any other S3 or DynamoDB action on "*" would reach the state.
                assert not [a for a in statement["Action"] if a.split(":")[0] in ("s3", "dynamodb")
                            and a not in ("s3:GetAccountPublicAccessBlock",
                                          "s3:PutAccountPublicAccessBlock")]
                continue
            for arn in statement["Resource"]:
                for target in (f"arn:aws:s3:::{state_bucket}",
                               f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{lock_table}"):
                    assert not fnmatch.fnmatchcase(target, arn), (name, statement["Sid"], arn)


def test_generalize_names():
    assert generalize(["pf-a-staging", "pf-bb-staging"]) == ["pf-*-staging"]
    assert generalize(["pf-schemas-staging-618048437522"]) == ["pf-schemas-staging-618048437522"]
    assert generalize(["/aws/lambda/pf-a-dev", "/aws/lambda/pf-b-dev",
                       "/aws/apigateway/pf-api-dev", "API-Gateway-Execution-Logs_*/dev"]) == [
        "/aws/apigateway/pf-api-dev", "/aws/lambda/pf-*-dev", "API-Gateway-Execution-Logs_*/dev"]
    # A name shorter than prefix + suffix cannot match `pf-*-staging`: the names stay exact.
    assert generalize(["pf-staging", "pf-x-staging"]) == ["pf-staging", "pf-x-staging"]
    assert generalize(["/pf/dev/scheduling/a_b", "/pf/dev/scheduling/c"]) == ["/pf/dev/scheduling/*"]
    assert generalize(["alpha", "beta"]) == ["alpha", "beta"]
    # First and last word make the family: a DLQ suffix keeps its environment in the pattern.
    assert generalize(["pf-a-staging", "pf-b-staging", "pf-c-staging-dlq", "pf-d-staging-dlq"]) \
        == ["pf-*-staging", "pf-*-staging-dlq"]
    # A pattern that would reach another stack's name is narrowed by leading words.
    assert generalize(["pf-chat-api-staging", "pf-notes-staging"], avoid=["pf-chatbot-staging"]) \
        == ["pf-chat-api-staging", "pf-notes-staging"]
    assert generalize(["pf-info-a-staging", "pf-info-b-staging", "pf-notes-staging"],
                      avoid=["pf-chatbot-x-staging"]) == ["pf-info-*-staging", "pf-notes-staging"]
    assert generalize(["pf-a-staging", "pf-b-staging"], avoid=["pf-a-staging"]) == \
        ["pf-*-staging"]


def test_documents_fit_the_managed_policy_limit_and_keep_every_statement(policies):
    for name, policy in policies.items():
        documents = policy.documents()
        assert all(policy_size(d) <= MANAGED_POLICY_LIMIT for d in documents), name
        kept = [s for d in documents for s in d["Statement"]]
        assert sorted(s["Sid"] for s in kept) == sorted(s["Sid"] for s in policy.statements)
        assert len({s["Sid"] for s in policy.statements}) == len(policy.statements)
    # Splitting one statement that is too large alone, by its actions:
    big = {"Sid": "Big", "Effect": "Allow", "Resource": ["*"],
           "Action": [f"s3:GetObject{i:04d}" for i in range(600)]}
    parts = split_documents([big], 6144)
    assert len(parts) > 1 and all(policy_size(d) <= 6144 for d in parts)
    assert sorted(a for d in parts for s in d["Statement"] for a in s["Action"]) == big["Action"]


def test_policy_sizes(policies):
    """The numbers the README quotes; staging is the one too large for inline policies."""
    sizes = {name: (len(p.statements), p.characters, len(p.documents()))
             for name, p in policies.items()}
    assert sizes["staging-scheduling"][1] > INLINE_POLICY_LIMIT
    assert sizes["state-backend"][2] == 1
    for name, (count, characters, documents) in sizes.items():
        assert documents == -(-characters // MANAGED_POLICY_LIMIT) or \
            documents == -(-characters // MANAGED_POLICY_LIMIT) + 1, (name, sizes)


def test_every_generated_policy_passes_parliament(policies):
    accepted: set[str] = set()
    for name, policy in policies.items():
        for index, document in enumerate(policy.documents(), start=1):
            findings = lint(document, set(policy.policy_buckets))
            failing = [f for f in findings if not f.accepted]
            assert not failing, (name, index, failing)
            accepted |= {f.issue for f in findings}
    # Only the documented exceptions were needed (policy_lint's docstring).
    assert accepted <= ACCEPTED_ISSUES


def test_the_linter_still_fails_real_mistakes():
    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Typo", "Effect": "Allow", "Action": ["apigateway:CreateDeployment"],
         "Resource": ["*"]},
        {"Sid": "Mismatch", "Effect": "Allow", "Action": ["dynamodb:CreateTable"],
         "Resource": ["arn:aws:s3:::bucket"]},
        {"Sid": "BadCondition", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": ["arn:aws:s3:::bucket/*"],
         "Condition": {"StringEquals": {"kms:ResourceAliases": ["alias/x"]}}},
        {"Sid": "ListTagsNowhere", "Effect": "Allow", "Action": ["bedrock:ListTagsForResource"],
         "Resource": ["arn:aws:s3:::bucket"]},
    ]}
    failing = {f.issue for f in lint(document) if not f.accepted}
    assert {"UNKNOWN_ACTION", "RESOURCE_MISMATCH", "UNKNOWN_CONDITION_FOR_ACTION"} <= failing


def test_the_hand_written_tables_miss_what_the_provider_calls(policies):
    """The original plan's tables, linted and compared with the generated staging policy."""
    hand = {f"{service}:{action}" for service, actions in HAND_WRITTEN for action in actions}
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": sorted(hand), "Resource": "*"}]}
    unknown = {f.detail.split()[-1] for f in lint(document, community=False)
               if f.issue == "UNKNOWN_ACTION"}
    assert unknown == {"apigateway:CreateDeployment", "apigateway:CreateStage",
                       "apigateway:UpdateStage"}
    generated = actions_of(policies["staging-scheduling"])
    missing = generated - hand
    for expected in ("dynamodb:DescribeTimeToLive", "dynamodb:DescribeContinuousBackups",
                     "dynamodb:UpdateContinuousBackups", "dynamodb:TagResource",
                     "dynamodb:ListTagsOfResource", "sns:GetTopicAttributes",
                     "sqs:CreateQueue", "iam:PassRole", "kms:CreateKey", "ssm:PutParameter",
                     "logs:CreateLogGroup", "application-autoscaling:RegisterScalableTarget",
                     "bedrock:CreateAgent", "lambda:CreateFunction", "events:DescribeRule",
                     "xray:CreateSamplingRule", "cloudwatch:DeleteAlarms"):
        assert expected in missing
    # Run-time actions the deployer never needs (the functions' roles hold them); item writes
    # only on the lock table.
    assert not {"dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem", "secretsmanager:GetSecretValue",
                "xray:PutTraceSegments", "sns:Publish", "cloudwatch:PutMetricData"} & generated
    assert statements(policies["staging-scheduling"])["StateLockTable"]["Action"] == [
        "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem"]


def test_cli_writes_documents_and_a_summary(synth_dir, tmp_path, capsys):
    outdir = tmp_path / "out"
    shutil.copytree(synth_dir / "stacks" / "staging-scheduling",
                    outdir / "stacks" / "staging-scheduling")
    shutil.copytree(synth_dir / "stacks" / "state-backend", outdir / "stacks" / "state-backend")
    assert main(["--outdir", str(outdir), "--only", "staging-scheduling",
                 "--write", str(tmp_path / "policies")]) == 0
    written = sorted(p.name for p in (tmp_path / "policies").iterdir())
    assert written == [f"staging-scheduling-deployer-{i}.json" for i in range(1, len(written) + 1)]
    for path in (tmp_path / "policies").iterdir():
        assert policy_size(json.loads(path.read_text())) <= MANAGED_POLICY_LIMIT
    out = capsys.readouterr().out.splitlines()
    assert out[-2].split()[:5] == ["stack", "types", "statements", "characters", "policies"]
    assert out[-1].split()[0] == "staging-scheduling"
    assert main(["--outdir", str(outdir)]) == 0
    captured = capsys.readouterr()
    parts = [json.loads(line) for line in captured.out.splitlines()]
    assert {p["stack"] for p in parts} == {"staging-scheduling", "state-backend"}
    assert "state-backend" in captured.err
    assert main(["--outdir", str(tmp_path / "missing")]) == 2
    assert main(["--outdir", str(outdir), "--only", "prod"]) == 2


def test_no_statement_grants_all_actions_of_a_service(policies):
    for policy in policies.values():
        for statement in policy.statements:
            assert not any(a.endswith(":*") or a == "*" for a in statement["Action"])
    assert NO_RESOURCE_LEVEL == "*"


def test_staging_at_phase_3_maps_every_type_and_passes_parliament(phase3, phase3_stacks):
    """The full phase-3 stack: mapped, scoped, within 10 managed policies, linted clean."""
    config = phase3_stacks["staging-scheduling"]
    assert len(phase3.types) > 90 and not [t for t in phase3.types if t not in PERMISSIONS]
    _assert_scoped("staging-scheduling", phase3)
    documents = phase3.documents()
    assert len(documents) <= 10 and all(policy_size(d) <= MANAGED_POLICY_LIMIT
                                         for d in documents)
    for index, document in enumerate(documents, start=1):
        failing = [f for f in lint(document, set(phase3.policy_buckets)) if not f.accepted]
        assert not failing, (index, failing)
    # Every role the stack hands to a service is passed to that service only.
    by_sid = statements(phase3)
    passed = {sid[len("PassRoleTo"):]: {arn.rsplit("/", 1)[1] for arn in s["Resource"]}
              for sid, s in by_sid.items() if sid.startswith("PassRoleTo")}
    assert set(passed) == {"Bedrock", "CognitoIdp", "Firehose", "Glue", "Lambda",
                           "MonitoringRds", "States", "VpcFlowLogs"}
    roles = {r["name"] for r in config["resource"]["aws_iam_role"].values()}
    assert set().union(*passed.values()) <= roles
    assert passed["MonitoringRds"] == {"pf-analytics-db-monitoring-role-staging"}
    assert passed["Glue"] == {"pf-analytics-crawler-role-staging",
                              "pf-conversations-to-s3-role-staging",
                              "pf-metrics-aggregation-role-staging"}
    assert by_sid["PassRoleToStates"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "states.amazonaws.com"}}


def test_phase_3_grants_follow_the_resources(phase3):
    by_sid = statements(phase3)
    # Actions authorized on several resources at once get all of them in one statement.
    network = by_sid["Ec2Network"]
    assert {"ec2:CreateSubnet", "ec2:CreateVpcEndpoint", "ec2:CreateNatGateway"} <= \
        set(network["Action"])
    assert f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/*" in network["Resource"]
    rds = by_sid["Rds"]
    assert {f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:pf-analytics-db-staging",
            f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster-pg:pf-analytics-db-staging",
            f"arn:aws:rds:{REGION}:{ACCOUNT}:subgrp:pf-analytics-db-staging",
            f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster-snapshot:pf-analytics-db-staging-final",
            f"arn:aws:rds:{REGION}:{ACCOUNT}:db:pf-analytics-db-staging-1",
            f"arn:aws:rds:{REGION}:{ACCOUNT}:db:pf-analytics-db-staging-2"} <= set(rds["Resource"])
    # RDS creates the master user's secret with the deployer's rights, never a stack secret.
    assert by_sid["RdsManagedSecret"]["Resource"] == [
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-*"]
    assert "secretsmanager:RotateSecret" in by_sid["RdsManagedSecret"]["Action"]
    assert not [a for a in by_sid["Secret"]["Action"] if "Rotate" in a]
    # Service-linked roles: one statement, each role for its own service.
    linked = by_sid["ServiceLinkedRoles"]
    assert linked["Action"] == ["iam:CreateServiceLinkedRole"]
    assert sorted(linked["Condition"]["StringEquals"]["iam:AWSServiceName"]) == [
        "dynamodb.application-autoscaling.amazonaws.com", "elasticache.amazonaws.com",
        "rds.amazonaws.com"]
    assert all("/aws-service-role/" in arn for arn in linked["Resource"])
    # Keys used through a service on the deployer's behalf, per service.
    for service in ("rds", "elasticache", "secretsmanager", "kinesis", "lambda"):
        condition = by_sid[f"KmsVia{service.capitalize()}"]["Condition"]
        assert condition == {"StringEquals": {"kms:ViaService":
                                              f"{service}.{REGION}.amazonaws.com"}}
    # Vended logs (WAF, Redis) and the log group policies have no resource-level permissions.
    star = set(by_sid["NoResourceLevelPermissions"]["Action"])
    assert {"logs:CreateLogDelivery", "logs:PutResourcePolicy", "acm:RequestCertificate",
            "route53:CreateHostedZone", "cognito-idp:CreateUserPool",
            "ec2:DescribeVpcs", "ec2:DescribeSubnets"} <= star
    # CloudFront's logging writes the log bucket's ACL; the web ACL is read for distributions.
    assert "s3:PutBucketAcl" in by_sid["S3Bucket"]["Action"]
    assert "wafv2:GetWebACL" in by_sid["Wafv2WebAcl"]["Action"]
    assert "apigateway:SetWebACL" in by_sid["ApigatewayRest"]["Action"]
    assert by_sid["Wafv2WebAcl"]["Resource"] == sorted(
        f"arn:aws:wafv2:{REGION}:{ACCOUNT}:{scope}/{kind}"
        for scope in ("regional", "global")
        for kind in ("managedruleset/*/*", "webacl/pf-*-protection-staging/*"))


def test_grants_only_for_what_the_stack_has(policies, stacks):
    """Conditional grants follow the stack's resources: the dev scheduling stack (phase 1) has
    no network, database, edge or analytics resources, so no such actions."""
    dev = actions_of(policies["dev-scheduling"])
    assert not {a for a in dev if a.split(":")[0] in ("ec2", "rds", "elasticache", "route53",
                                                       "cloudfront", "wafv2", "glue")}
    # Secrets are rotated by the deployer only in stacks with a rotation resource.
    rotating = {name for name, config in stacks.items()
                if config.get("resource", {}).get("aws_secretsmanager_secret_rotation")}
    assert {name for name, p in policies.items()
            if "secretsmanager:RotateSecret" in actions_of(p)} <= rotating
    assert not {a for name, p in policies.items() if name not in rotating
                for a in actions_of(p) if a == "secretsmanager:RotateSecret"}
