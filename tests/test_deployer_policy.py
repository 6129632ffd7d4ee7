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
from modules.pipeline.deployer_policy import (INLINE_POLICY_LIMIT, MANAGED_POLICY_LIMIT,
                                              NO_RESOURCE_LEVEL, PERMISSIONS, UnmappedTypes,
                                              build_policy, generalize, main, policy_size,
                                              split_documents, stack_types, state_key_alias)
from modules.pipeline.policy_lint import lint

ACCOUNT, REGION = "618048437522", "us-east-1"
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
    return {name: build_policy(name, config) for name, config in stacks.items()}


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


def test_resources_are_scoped_to_the_account_region_and_names(policies):
    staging = statements(policies["staging-scheduling"])
    assert staging["DynamodbTable"]["Resource"] == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/pf-*-staging"]
    assert staging["LambdaFunction"]["Resource"] == [
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pf-*-staging"]
    assert staging["SsmParameter"]["Resource"] == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/pf/staging/scheduling/*"]
    assert staging["S3Bucket"]["Resource"] == ["arn:aws:s3:::pf-schemas-staging-618048437522"]
    assert staging["SqsQueue"]["Resource"] == [
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:pf-*-staging-dlq"]
    assert f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/pf-*-staging:*" in \
        staging["LogGroup"]["Resource"]
    assert sorted(staging["KmsAlias"]["Resource"]) == [
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/pf-agents-staging",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"]
    for name, policy in policies.items():
        for statement in policy.statements:
            if statement["Resource"] == ["*"]:
                assert statement["Sid"] == "NoResourceLevelPermissions", (name, statement)
                continue
            for arn in statement["Resource"]:
                service = arn.split(":")[2]
                if service not in ("s3", "iam", "apigateway", "cloudwatch"):
                    assert f":{REGION}:{ACCOUNT}:" in arn, (name, arn)
                assert "staging" not in arn or name == "staging-scheduling", (name, arn)


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
                assert not [a for a in statement["Action"] if a.split(":")[0] in ("s3", "dynamodb")]
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
    assert accepted <= {"UNKNOWN_CONDITION_FOR_ACTION", "RESOURCE_MISMATCH",
                        "RESOURCE_POLICY_PRIVILEGE_ESCALATION", "PRIVILEGE_ESCALATION",
                        "PERMISSIONS_MANAGEMENT_ACTIONS"}


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
