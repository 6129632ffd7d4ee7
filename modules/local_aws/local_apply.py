"""Apply the synthesized stacks to a local AWS emulator (moto server).

The synthesized output is never modified. Each stack is copied to a work folder
(`modules.pipeline.run.prepare_workdir`) and the copy gets:

* `zz_local_aws_override.tf.json`: the provider pointed at the emulator (one `endpoints` entry per
  service the stack uses, `s3_use_path_style`, `skip_credentials_validation`,
  `skip_metadata_api_check`, `max_retries = 3`). `allowed_account_ids` stays as synthesized: the
  emulator runs with `MOTO_ACCOUNT_ID` set to the team account.
* a `cdk.tf.json` without the import blocks (`main.py --adopt`) of resources it skips (below);
* `local_aws.tfbackend` (environment stacks): the S3 backend's endpoints, `use_path_style` and skip
  flags, given to `terraform init -backend-config=...`. It can also select one locking mechanism
  (`lock="dynamodb"` or `lock="lockfile"`) to exercise each on its own.

The bootstrap stack (`state-backend`) keeps its state in the work copy: its override also sets
`terraform { backend "local" { path = "terraform.tfstate" } }`, so an emulator run never touches
the project's `terraform.state-backend.tfstate`. Environment stacks keep their synthesized S3
backend and key (`<key_prefix>/<environment>/<system>/terraform.tfstate`), in the emulator's bucket.

`prepare_in_place` is the one exception to the work copies: it points a synthesized stack folder
itself at the emulator with its backend as synthesized, to walk through the bootstrap the way a
user runs it; it refuses the project's own `cdktf.out`.

Fake credentials reach Terraform through environment variables only, and every non-local request
is sent to a dead proxy on 127.0.0.1, so nothing can reach real AWS even if an endpoint is missing.

Bedrock resources are not emulated, nor are the few types in `EMULATOR_GAPS` (moto lacks their
API): `select_targets` reads the configuration JSON and returns a `-target` for every resource
that is neither of such a type nor depends on one (transitively, through references,
`depends_on` or `replace_triggered_by`), with the reason for every skip. Gaps that a small patch
closes are fixed in the emulator instead (`moto_server.py`).
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

from modules.adoption import strip_imports
from modules.backend import BOOTSTRAP_STACK, BackendSettings, load_backend_settings
from modules.config import REPO_ROOT
from modules.pipeline.remote_state import (REMOTE_STATE, dependency_order,
                                           emulator_remote_state, remote_states)
from modules.pipeline.run import OFFLINE_AWS_ENV, prepare_workdir, stack_region
from modules.pipeline.terraform import BUILD_DIR, TerraformFailed, run_terraform

OVERRIDE_FILE = "zz_local_aws_override.tf.json"
BACKEND_CONFIG_FILE = "local_aws.tfbackend"
_SAVED_STATE = ".local_aws_bootstrap.tfstate"
LockMode = Literal["both", "dynamodb", "lockfile"]
LOCK_MODES: tuple[LockMode, ...] = ("both", "dynamodb", "lockfile")

# Every request that is not for 127.0.0.1/localhost goes to this dead proxy and fails at once.
_NOWHERE = "http://127.0.0.1:9"


def local_aws_env(region: str) -> dict[str, str]:
    """Environment for Terraform against the emulator: the offline plan's fake keys and
    profile isolation, plus a dead proxy for anything not addressed to the emulator."""
    return {
        **OFFLINE_AWS_ENV,
        "AWS_SESSION_TOKEN": "",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "HTTPS_PROXY": _NOWHERE, "HTTP_PROXY": _NOWHERE,
        "https_proxy": _NOWHERE, "http_proxy": _NOWHERE,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }


# ---------------------------------------------------------------------------------------------
# Which resources the emulator can take
# ---------------------------------------------------------------------------------------------

BEDROCK_PREFIXES = ("aws_bedrock_", "aws_bedrockagent_")
BEDROCK_REASON = "Bedrock resource type: moto 5.2.5 does not emulate it"
# Provider `endpoints` key of the service behind a resource/data type prefix (longest first wins).
SERVICE_PREFIXES: dict[str, str] = {
    "aws_s3_": "s3",
    "aws_kms_": "kms",
    "aws_iam_": "iam",
    "aws_lambda_": "lambda",
    "aws_cloudwatch_log_": "logs",
    "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_cloudwatch_dashboard": "cloudwatch",
    "aws_cloudwatch_event_": "events",
    "aws_dynamodb_": "dynamodb",
    "aws_secretsmanager_": "secretsmanager",
    "aws_sns_": "sns",
    "aws_sqs_": "sqs",
    "aws_ssm_": "ssm",
    "aws_kinesis_": "kinesis",
    "aws_sfn_": "sfn",
    "aws_api_gateway_": "apigateway",
    # Phase 3 network and data stores.
    "aws_vpc": "ec2", "aws_subnet": "ec2", "aws_route": "ec2", "aws_internet_gateway": "ec2",
    "aws_nat_gateway": "ec2", "aws_eip": "ec2", "aws_default_security_group": "ec2",
    "aws_security_group": "ec2", "aws_flow_log": "ec2", "aws_route53": "route53",
    "aws_rds_": "rds", "aws_db_": "rds", "aws_elasticache_": "elasticache",
    "aws_appautoscaling_": "applicationautoscaling",
    "aws_xray_": "xray",
    # Phase 3 edge (users, WAF, certificates, CDN).
    "aws_cognito_": "cognitoidp", "aws_wafv2_": "wafv2", "aws_acm_": "acm",
    "aws_cloudfront_": "cloudfront",
    "aws_caller_identity": "sts",
    # Phase 3 async work and analytics.
    "aws_kinesis_firehose_": "firehose", "aws_glue_": "glue", "aws_athena_": "athena",
    # Fraud detection: the knowledge base's vector collection.
    "aws_opensearchserverless_": "opensearchserverless",
    "aws_bedrockagent_": "bedrockagent",
    "aws_bedrock_": "bedrock",
    # SOC2 account baseline and organization.
    "aws_cloudtrail": "cloudtrail", "aws_config_": "configservice",
    "aws_securityhub_": "securityhub", "aws_guardduty_": "guardduty",
    "aws_accessanalyzer_": "accessanalyzer", "aws_macie2_": "macie2", "aws_backup_": "backup",
    "aws_ebs_": "ec2", "aws_organizations_": "organizations", "aws_network_acl": "ec2",
    # Language-learning portal: identity pool, containers, load balancer, Cloud Map, budgets.
    "aws_cognito_identity_": "cognitoidentity", "aws_ecs_": "ecs", "aws_ecr_": "ecr",
    "aws_lb": "elbv2", "aws_service_discovery_": "servicediscovery", "aws_budgets_": "budgets",
    # Asset allocation: the WebSocket API and the SageMaker pipeline.
    "aws_apigatewayv2_": "apigatewayv2", "aws_sagemaker_": "sagemaker",
    # Language-learning portal: delivery pipelines.
    "aws_codebuild_": "codebuild", "aws_codepipeline": "codepipeline",
}
# Data sources computed inside the provider, with no API call.
# Data sources the emulator run answers itself (remote states read the emulator's S3 through
# their own endpoint override, modules/pipeline/remote_state.py).
LOCAL_DATA_SOURCES = {"aws_iam_policy_document", "aws_region", "aws_partition",
                      "terraform_remote_state"}
# Known moto 5.2.5 gaps for services it otherwise serves.
EMULATOR_GAPS = {
    "aws_sfn_state_machine": "moto gap: ValidateStateMachineDefinition answers HTTP 500",
    "aws_xray_sampling_rule": "moto gap: X-Ray sampling rules are not emulated (moto 5.2.5 serves "
                              "only traces and telemetry; CreateSamplingRule answers HTTP 404)",
    "aws_elasticache_user_group": "moto gap: ElastiCache user groups are not emulated (moto 5.2.5 "
                                  "serves users, clusters and replication groups only)",
    "aws_route53_key_signing_key": "moto gap: Route 53 DNSSEC is not emulated (moto 5.2.5 has no "
                                   "CreateKeySigningKey)",
    "aws_route53_hosted_zone_dnssec": "moto gap: Route 53 DNSSEC is not emulated (moto 5.2.5 has no "
                                      "EnableHostedZoneDNSSEC)",
    "aws_route53_query_log": "moto gap: moto 5.2.5 finds the log group only by an ARN ending in "
                             "':*', which provider 5.x no longer returns (NoSuchCloudWatchLogsLogGroup)",
    "aws_cloudfront_cache_policy": "moto gap: CloudFront cache policies are not emulated (moto "
                                   "5.2.5 serves distributions and origin access controls)",
    "aws_cloudfront_response_headers_policy": "moto gap: CloudFront response headers policies are "
                                              "not emulated (moto 5.2.5)",
    "aws_opensearchserverless_access_policy": "moto gap: OpenSearch Serverless data access policies "
                                              "are not emulated (moto 5.2.5 has no "
                                              "CreateAccessPolicy)",
    "aws_acm_certificate_validation": "emulator gap: moto issues no certificate through DNS "
                                      "validation, so the provider waits for ISSUED until its "
                                      "timeout (75 min)",
    "aws_lambda_invocation": "moto gap: moto runs an invoked function in Docker, which these "
                             "machines lack (it creates functions but cannot invoke them)",
    "aws_accessanalyzer_analyzer": "moto gap: IAM Access Analyzer is not emulated (moto 5.2.5 has "
                                   "no accessanalyzer service)",
    "aws_securityhub_account": "moto gap: moto 5.2.5 has no UpdateSecurityHubConfiguration (the "
                               "provider calls it after EnableSecurityHub)",
    "aws_securityhub_standards_subscription": "moto gap: moto 5.2.5 has no BatchEnableStandards",
    "aws_guardduty_detector_feature": "moto gap: moto 5.2.5 GetDetector returns no Features, so "
                                      "the provider finds no feature after creating it",
    "aws_s3_account_public_access_block": "emulator gap: S3 Control calls go to "
                                          "<account>.<endpoint>, a host name that cannot reach "
                                          "the local emulator",
    "aws_backup_selection": "moto gap: moto 5.2.5 has no CreateBackupSelection (vaults and plans "
                            "only)",
    "aws_s3_bucket_logging": "moto gap: moto 5.2.5 PutBucketLogging answers 500 when the target "
                             "bucket policy has a statement with Principal '*' (the TLS-only deny)",
    "aws_cognito_identity_pool_roles_attachment": "moto gap: moto 5.2.5 has no "
                                                  "SetIdentityPoolRoles (NotImplementedError)",
    "aws_xray_group": "moto gap: X-Ray groups are not emulated (moto 5.2.5 CreateGroup answers "
                      "HTTP 404)",
    "aws_budgets_budget": "moto gap: moto 5.2.5 has no DescribeSubscribersForNotification, which "
                          "the provider reads after creating a budget with notifications",
    "aws_s3_bucket_inventory": "moto gap: moto 5.2.5 answers IncludedObjectVersions 'All' and no "
                               "destination encryption, so every later plan updates it",
    "aws_db_parameter_group": "moto gap: moto 5.2.5 returns none of the parameters set on an "
                              "aurora-postgresql DB parameter group, so every later plan re-adds "
                              "them",
    "aws_ce_anomaly_monitor": "moto gap: Cost Anomaly Detection is not emulated (moto 5.2.5 "
                              "serves only cost categories and GetCostAndUsage in Cost Explorer)",
    "aws_ce_anomaly_subscription": "moto gap: Cost Anomaly Detection is not emulated (moto 5.2.5 "
                                   "has no CreateAnomalySubscription)",
    "aws_codestarconnections_connection": "moto gap: CodeStar connections are not emulated "
                                          "(moto 5.2.5 has no codestar-connections service)",
    "aws_codebuild_project": "moto gap: moto 5.2.5 CreateProject requires a source location, "
                             "which a project fed by CodePipeline (source type CODEPIPELINE) "
                             "does not have",
    "aws_rds_cluster_instance": "moto gap: moto 5.2.5 keeps no Performance Insights settings of "
                                "cluster instances, and its ModifyDBInstance refuses adjacent "
                                "backup and maintenance windows as overlapping",
}
# An apply against the emulator takes about a second per resource on an idle 2-core machine;
# the limit leaves room for a busy one.
APPLY_SECONDS_PER_RESOURCE = 4


def apply_timeout(resources: int) -> float:
    """Seconds an emulator apply of `resources` may take before it is stopped."""
    return max(600.0, APPLY_SECONDS_PER_RESOURCE * resources)


# Services every configuration talks to (the provider reads the account through STS).
ALWAYS_SERVICES = ("sts",)


def service_of(resource_type: str) -> str | None:
    for prefix in sorted(SERVICE_PREFIXES, key=len, reverse=True):
        if resource_type.startswith(prefix):
            return SERVICE_PREFIXES[prefix]
    return None


def is_bedrock(resource_type: str) -> bool:
    return resource_type.startswith(BEDROCK_PREFIXES)


@dataclass(frozen=True)
class Skipped:
    address: str
    reason: str


@dataclass
class TargetSelection:
    targets: list[str]
    skipped: list[Skipped]
    services: list[str]

    def target_args(self) -> list[str]:
        return [f"-target={address}" for address in self.targets]

    def types(self, addresses: Iterable[str] | None = None) -> Counter[str]:
        return Counter(a.split(".")[0] for a in (self.targets if addresses is None else addresses))


_INTERPOLATION = re.compile(r"\$\{(.*?)\}", re.S)
_ADDRESS = re.compile(r"(?<![\w.\-])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w\-]*)")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "//":
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _dependencies(body: dict, known: set[str]) -> dict[str, str]:
    """Addresses `body` depends on -> how ("reference", "depends_on", "replace_triggered_by")."""
    found: dict[str, str] = {}
    listed = [(a, "depends_on") for a in body.get("depends_on", [])]
    listed += [(a, "replace_triggered_by")
               for a in body.get("lifecycle", {}).get("replace_triggered_by", [])]
    for address, how in listed:  # plain addresses, possibly with an attribute or "${...}"
        match = _ADDRESS.match(address.strip().strip("${}"))
        if match:
            found.setdefault(match.group(1), how)
    rest = {k: v for k, v in body.items() if k != "depends_on"}
    for text in _strings(rest):
        for expression in _INTERPOLATION.findall(text):
            for candidate in _ADDRESS.findall(expression):
                if candidate in known:
                    found.setdefault(candidate, "reference")
    return {address: how for address, how in found.items() if address in known}


def select_targets(config: dict, unavailable: dict[str, str] | None = None) -> TargetSelection:
    """Targets for every resource the emulator can take; every other resource with its reason.

    `unavailable`: `data.terraform_remote_state.<name>.outputs.<output>` -> why another stack
    could not produce it (its resource was skipped); what reads it is skipped too."""
    unavailable = unavailable or {}
    nodes: dict[str, tuple[str, dict]] = {}
    for resource_type, items in config.get("resource", {}).items():
        for name, body in items.items():
            nodes[f"{resource_type}.{name}"] = (resource_type, body)
    for data_type, items in config.get("data", {}).items():
        for name, body in items.items():
            nodes[f"data.{data_type}.{name}"] = (data_type, body)
    known = set(nodes)
    deps = {address: _dependencies(body, known) for address, (_, body) in nodes.items()}

    def own_reason(address: str) -> str | None:
        node_type = nodes[address][0]
        if unavailable:
            text = json.dumps(nodes[address][1])
            for reference, reason in sorted(unavailable.items()):
                if reference in text:
                    return f"reads {reference.split('.', 2)[2]}, which {reason}"
        if is_bedrock(node_type):
            return BEDROCK_REASON
        if node_type in EMULATOR_GAPS:
            return EMULATOR_GAPS[node_type]
        if address.startswith("data.") and node_type in LOCAL_DATA_SOURCES:
            return None
        if service_of(node_type) is None:
            return "no emulator endpoint is configured for its service"
        return None

    # address -> None (supported) or (root cause address, its own reason, direct dependency, how)
    causes: dict[str, tuple[str, str, str, str] | None] = {}

    def cause_of(address: str, path: tuple[str, ...] = ()) -> tuple[str, str, str, str] | None:
        if address in causes:
            return causes[address]
        if address in path:  # Terraform refuses cycles itself; just do not loop here
            return None
        found = None
        reason = own_reason(address)
        if reason is not None:
            found = (address, reason, "", "")
        else:
            for dependency, how in sorted(deps[address].items()):
                inner = cause_of(dependency, path + (address,))
                if inner is not None:
                    found = (inner[0], inner[1], dependency, how)
                    break
        causes[address] = found
        return found

    def describe(address: str) -> str | None:
        cause = cause_of(address)
        if cause is None:
            return None
        root, reason, dependency, how = cause
        if not dependency:
            return reason
        via = "" if dependency == root else f" (through {dependency})"
        return f"depends on {root} via {how}{via}: {reason}"

    reasons = {address: describe(address) for address in nodes}

    targets, skipped = [], []
    for address in sorted(nodes):
        reason = reasons[address]
        if address.startswith("data."):
            continue
        if reason is None:
            targets.append(address)
        else:
            skipped.append(Skipped(address, reason))
    services = sorted({s for a in targets if (s := service_of(nodes[a][0]))}
                      | {s for a, (t, _) in nodes.items()
                         if a.startswith("data.") and reasons.get(a) is None and (s := service_of(t))}
                      | set(ALWAYS_SERVICES))
    return TargetSelection(targets, skipped, services)


def provider_override(endpoint: str, services: Iterable[str],
                      aliases: Iterable[str] = ()) -> dict:
    """The work copy's provider override: the emulator's endpoints, nothing about the account;
    the same for each aliased provider (an override block applies to its own alias only)."""
    settings = {
        "endpoints": [{service: endpoint for service in sorted(set(services))}],
        "s3_use_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        # A busy emulator sometimes drops a connection mid-response ("use of closed network
        # connection"): try again (the emulator answers a retried create it already carried out
        # with its first answer, gap 14). Bounded, because moto answers HTTP 500 for what it
        # lacks and the provider's default (25) would retry that for minutes.
        "max_retries": 3,
    }
    return {
        "//": "Generated by modules.local_aws for a local emulator; never part of the stacks.",
        "provider": {"aws": [settings, *({**settings, "alias": a} for a in sorted(set(aliases)))]},
    }


def provider_aliases(config: dict) -> list[str]:
    return sorted({p["alias"] for p in config.get("provider", {}).get("aws", []) if p.get("alias")})


def backend_config(endpoint: str, lock: LockMode = "both", key: str | None = None,
                   kms_key_id: str | None = None) -> str:
    """An S3 backend `-backend-config` file (HCL) for the emulator.

    lock="both" keeps what the stack declares (DynamoDB table and S3 lockfile);
    "dynamodb" sets `use_lockfile = false`; "lockfile" sets `dynamodb_table = ""`, which
    Terraform 1.11 reads as "no DynamoDB locking".
    """
    if lock not in LOCK_MODES:
        raise ValueError(f"lock must be one of {', '.join(LOCK_MODES)}, not {lock!r}")
    lines = [
        "# Generated by modules.local_aws: the S3 backend against a local emulator.",
        "endpoints = {",
        *(f'  {service:<8} = "{endpoint}"' for service in ("s3", "dynamodb", "sts", "iam")),
        "}",
        "use_path_style              = true",
        "skip_credentials_validation = true",
        "skip_metadata_api_check     = true",
        "skip_region_validation      = true",
        # A busy emulator sometimes drops a connection; state and lock calls try again.
        "max_retries                 = 3",
    ]
    if key:
        lines.append(f'key                         = "{key}"')
    if kms_key_id:  # the emulator's state key, as backend.tf.json names the real one
        lines += ["encrypt                     = true",
                  f'kms_key_id                  = "{kms_key_id}"']
    if lock == "dynamodb":
        lines.append("use_lockfile                = false")
    elif lock == "lockfile":
        lines.append('dynamodb_table              = ""')
    return "\n".join(lines) + "\n"


def prepare_in_place(stack_dir: Path, endpoint: str, lock: LockMode = "both") -> list[str]:
    """Point the synthesized stack folder `stack_dir` itself at the emulator; returns the extra
    `terraform init` arguments (`-backend-config=local_aws.tfbackend` for an S3 backend).

    Writes the provider override into the folder; the backend stays as synthesized, so a local
    backend writes its state where its `path` says (for `state-backend`:
    `terraform.state-backend.tfstate` at the project root) and an S3 backend gets
    `local_aws.tfbackend` beside it. Refuses the project's own `cdktf.out`, which the local apply
    never modifies; meant for a synthesized output that is disposable (a temporary project).
    """
    stack_dir = Path(stack_dir)
    if stack_dir.resolve().is_relative_to((REPO_ROOT / "cdktf.out").resolve()):
        raise ValueError(f"{stack_dir} is inside the project's cdktf.out; use LocalAws, which "
                         "works in copies")
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    override = provider_override(endpoint.rstrip("/"), select_targets(config).services,
                                 provider_aliases(config))
    (stack_dir / OVERRIDE_FILE).write_text(json.dumps(override, indent=2) + "\n")
    if "s3" not in config.get("terraform", {}).get("backend", {}):
        return []
    (stack_dir / BACKEND_CONFIG_FILE).write_text(backend_config(endpoint.rstrip("/"), lock))
    return [f"-backend-config={BACKEND_CONFIG_FILE}"]


# ---------------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------------


@dataclass
class StackResult:
    stack: str
    workdir: Path
    state_location: str
    applied: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    changes: str = ""
    seconds: float = 0.0

    def applied_types(self) -> Counter[str]:
        return Counter(a.split(".")[0] for a in self.applied)


def _changes_line(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("Apply complete!", "No changes.")):
            return line.strip()
    return ""


class LocalAws:
    """Stacks of one synthesized output, applied to one emulator, in work copies under `workroot`."""

    def __init__(self, endpoint: str, synth_dir: Path, workroot: Path | None = None,
                 settings: BackendSettings | None = None,
                 progress: Callable[[str], None] = lambda message: None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.synth_dir = Path(synth_dir)
        self.workroot = Path(workroot or BUILD_DIR / "local_aws")
        self.settings = settings or load_backend_settings()
        self.progress = progress
        self._state_key: str | None = None
        # state key -> {output: why it is missing}, for stacks applied by this instance
        self._missing_outputs: dict[str, dict[str, str]] = {}

    # -- paths and configuration ------------------------------------------------------------
    def stack_dir(self, stack: str) -> Path:
        path = self.synth_dir / "stacks" / stack
        if not (path / "cdk.tf.json").is_file():
            raise FileNotFoundError(f"{path}/cdk.tf.json does not exist; synthesize first")
        return path

    def workdir(self, stack: str) -> Path:
        return self.workroot / stack

    def config(self, stack: str) -> dict:
        return json.loads((self.stack_dir(stack) / "cdk.tf.json").read_text())

    def region(self, stack: str) -> str:
        return stack_region(self.stack_dir(stack))

    def env(self, stack: str) -> dict[str, str]:
        return local_aws_env(self.region(stack))

    def selection(self, stack: str) -> TargetSelection:
        return select_targets(self.config(stack), self.unavailable_outputs(stack))

    def unavailable_outputs(self, stack: str) -> dict[str, str]:
        """Outputs of other stacks this one reads that their apply could not produce."""
        found = {}
        for name, body in remote_states(self.config(stack)).items():
            missing = self._missing_outputs.get(body.get("config", {}).get("key", ""), {})
            for output, reason in missing.items():
                found[f"data.{REMOTE_STATE}.{name}.outputs.{output}"] = reason
        return found

    def _record_missing_outputs(self, stack: str, skipped: list[Skipped]) -> None:
        config = self.config(stack)
        key = config.get("terraform", {}).get("backend", {}).get("s3", {}).get("key")
        if not key:
            return
        reasons = {s.address: s.reason for s in skipped}
        missing = {}
        for output, body in config.get("output", {}).items():
            for expression in _INTERPOLATION.findall(json.dumps(body.get("value"))):
                for address in _ADDRESS.findall(expression):
                    if address in reasons:
                        missing[output] = (f"{stack} could not apply ({address}: "
                                           f"{reasons[address]})")
        self._missing_outputs[key] = missing

    def state_location(self, stack: str) -> str:
        if stack == BOOTSTRAP_STACK:
            return f"local file {self.workdir(stack) / 'terraform.tfstate'}"
        key = self.config(stack)["terraform"]["backend"]["s3"]["key"]
        return f"s3://{self.settings.bucket}/{key}"

    def terraform(self, stack: str, args: list[str], check: bool = True,
                  timeout: float = 600) -> Any:
        return run_terraform(args, self.workdir(stack), self.env(stack), check=check,
                             timeout=timeout)

    # -- work copies ---------------------------------------------------------------------------
    def prepare(self, stack: str) -> TargetSelection:
        """Fresh work copy of the synthesized stack plus the emulator override."""
        workdir = self.workdir(stack)
        saved = self.workroot / f"{stack}{_SAVED_STATE}"
        if stack == BOOTSTRAP_STACK and (workdir / "terraform.tfstate").exists():
            self.workroot.mkdir(parents=True, exist_ok=True)
            shutil.copy2(workdir / "terraform.tfstate", saved)
        prepare_workdir(self.stack_dir(stack), workdir)
        if stack == BOOTSTRAP_STACK:
            self._restore_bootstrap_state(saved, workdir)
        (workdir / OVERRIDE_FILE).write_text(json.dumps(self.override(stack), indent=2) + "\n")
        selection = self.selection(stack)
        # Import blocks (main.py --adopt) of skipped resources go too: their targets are not
        # applied, and the emulator holds nothing to import for them.
        dropped = strip_imports(workdir / "cdk.tf.json", keep=selection.targets)
        if dropped:
            self.progress(f"[{stack}] left out {len(dropped)} import block(s) of skipped resources")
        return selection

    def override(self, stack: str) -> dict:
        """The work copy's override file: the emulator's endpoints; for the bootstrap also a
        local backend in the work copy, whatever backend it was synthesized with, so an emulator
        run never reads or writes the project's `terraform.state-backend.tfstate` or real S3."""
        override = provider_override(self.endpoint, self.selection(stack).services,
                                     provider_aliases(self.config(stack)))
        if stack == BOOTSTRAP_STACK:
            override["terraform"] = {"backend": {"local": {"path": "terraform.tfstate"}}}
        # Another stack's outputs are read from the emulator's S3 as well.
        config = self.config(stack)
        if remote_states(config):
            override.update(emulator_remote_state(config, self.endpoint, self.state_key_arn()))
        return override

    def _restore_bootstrap_state(self, saved: Path, workdir: Path) -> None:
        """Keep the bootstrap's local state only while this emulator still holds its bucket."""
        if not saved.exists():
            if self.bucket_exists(self.settings.bucket):
                raise RuntimeError(
                    f"the emulator at {self.endpoint} already holds {self.settings.bucket} but "
                    f"{workdir} has no bootstrap state; restart the emulator or reuse the "
                    "--workroot of the run that created it")
            return
        if self.bucket_exists(self.settings.bucket):
            shutil.copy2(saved, workdir / "terraform.tfstate")
        saved.unlink()

    def bucket_exists(self, bucket: str) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(f"{self.endpoint}/{bucket}", method="HEAD")
        for attempt in range(3):
            try:
                with opener.open(request, timeout=5):
                    return True
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return False
                if attempt == 2:
                    raise
            except urllib.error.URLError:
                if attempt == 2:
                    raise
            time.sleep(0.5)
        return False

    def write_backend_config(self, stack: str, lock: LockMode = "both") -> Path:
        path = self.workdir(stack) / BACKEND_CONFIG_FILE
        path.write_text(backend_config(self.endpoint, lock, kms_key_id=self.state_key_arn()))
        return path

    def state_key_arn(self) -> str | None:
        """The bootstrapped state key (output `state_kms_key_arn`), once `state-backend` is
        applied: env stacks write their state with it, as they do with the real backend."""
        if self._state_key is None and (self.workdir(BOOTSTRAP_STACK) / ".terraform").is_dir():
            out = self.terraform(BOOTSTRAP_STACK, ["output", "-raw", "state_kms_key_arn"],
                                 check=False)
            self._state_key = out.stdout.strip() if out.returncode == 0 else None
        return self._state_key or None

    def init(self, stack: str, lock: LockMode = "both") -> None:
        """`terraform init` of the work copy; env stacks against the bootstrapped S3 backend."""
        args = ["init", "-input=false", "-no-color", "-reconfigure"]
        if stack != BOOTSTRAP_STACK:
            self.write_backend_config(stack, lock)
            args.append(f"-backend-config={BACKEND_CONFIG_FILE}")
        self.terraform(stack, args)

    # -- operations ----------------------------------------------------------------------------
    def state_addresses(self, stack: str) -> list[str]:
        listed = self.terraform(stack, ["state", "list", "-no-color"], check=False)
        if listed.returncode != 0:
            return []
        return sorted(line for line in listed.stdout.split()
                      if line and not line.startswith("data."))

    def apply(self, stack: str, lock: LockMode = "both") -> StackResult:
        """Work copy, init, apply every supported resource; returns what was applied/skipped."""
        started = time.monotonic()
        self.progress(f"[{stack}] preparing work copy in {self.workdir(stack)}")
        selection = self.prepare(stack)
        self.init(stack, lock)
        self.progress(f"[{stack}] applying {len(selection.targets)} resource(s), "
                      f"skipping {len(selection.skipped)}")
        args = ["apply", "-auto-approve", "-input=false", "-no-color"]
        if selection.skipped:  # targets only when something has to be left out
            args += selection.target_args()
        applied = self.terraform(stack, args, timeout=apply_timeout(len(selection.targets)))
        result = StackResult(stack, self.workdir(stack), self.state_location(stack),
                             applied=self.state_addresses(stack), skipped=selection.skipped,
                             changes=_changes_line(applied.stdout))
        result.seconds = time.monotonic() - started
        self._record_missing_outputs(stack, selection.skipped)
        self.progress(f"[{stack}] {result.changes} ({result.seconds:.0f} s)")
        return result

    def plan_exitcode(self, stack: str, extra: list[str] | None = None) -> tuple[int, str]:
        """`plan -detailed-exitcode` over the supported resources: 0 none, 2 changes, 1 error."""
        selection = self.selection(stack)
        args = ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock-timeout=0s"]
        if selection.skipped:
            args += selection.target_args()
        result = self.terraform(stack, args + (extra or []), check=False,
                                timeout=apply_timeout(len(selection.targets)))
        return result.returncode, result.stdout + result.stderr

    def destroy(self, stack: str, check: bool = True) -> Any:
        selection = self.selection(stack)
        args = ["destroy", "-auto-approve", "-input=false", "-no-color"]
        if selection.skipped:
            args += selection.target_args()
        return self.terraform(stack, args, check=check)


def stacks_of(synth_dir: Path, name: str) -> list[str]:
    """The synthesized stacks `name` selects: one stack id (`dev-scheduling`), every part of a
    system (`dev-portal`) or every stack of an environment (`dev`), producers of remote state
    before the stacks that read it."""
    found = sorted(p.name for p in (synth_dir / "stacks").iterdir()
                   if (p / "cdk.tf.json").is_file() and p.name != BOOTSTRAP_STACK)
    chosen = [s for s in found if s == name or s.startswith(f"{name}-")]
    return dependency_order({s: json.loads((synth_dir / "stacks" / s / "cdk.tf.json").read_text())
                             for s in chosen})


def apply_environment(local: LocalAws, name: str) -> list[StackResult]:
    """Bootstrap the state backend, then apply the stacks `name` selects against it."""
    stacks = stacks_of(local.synth_dir, name)
    if not stacks:
        raise RuntimeError(f"no stack {name!r} (or {name}-<system>) in {local.synth_dir}/stacks")
    return [local.apply(BOOTSTRAP_STACK), *(local.apply(stack) for stack in stacks)]


def format_summary(results: list[StackResult], endpoint: str) -> str:
    lines = [f"local apply against {endpoint} (moto server)"]
    for result in results:
        types = ", ".join(f"{t} x{n}" for t, n in sorted(result.applied_types().items()))
        lines.append(f"\n[{result.stack}] {result.changes or 'applied'} ({result.seconds:.0f} s)")
        lines.append(f"  applied (now in state): {len(result.applied)} resource(s): {types or '-'}")
        lines.append(f"  state: {result.state_location}")
        lines.append(f"  work copy: {result.workdir}")
        if result.skipped:
            causes = Counter("depend on a skipped resource" if s.reason.startswith("depends on ")
                             else s.reason.split(":")[0] for s in result.skipped)
            by_cause = ", ".join(f"{n} {cause}" for cause, n in causes.most_common())
            lines.append(f"  skipped: {len(result.skipped)} resource(s) ({by_cause})")
            lines += [f"    {s.address}: {s.reason}" for s in result.skipped]
        else:
            lines.append("  skipped: none")
    return "\n".join(lines)


__all__ = [
    "BACKEND_CONFIG_FILE", "LOCK_MODES", "LocalAws", "OVERRIDE_FILE", "Skipped", "StackResult",
    "TargetSelection", "TerraformFailed", "apply_environment", "backend_config", "format_summary",
    "local_aws_env", "prepare_in_place", "provider_override", "select_targets", "stacks_of",
]
