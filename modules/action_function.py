"""An action-group Lambda: its role, its own log group, the function and Bedrock's permission.

The caller decides (and suppresses with its reason) whether the function needs a VPC: that
depends on what the handler reaches, which only the system knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from modules.aws import provider_module
from modules.lambda_package import FunctionPackage
from modules.policy import Statement, kms_via_service, policy_document, service_trust
from modules.suppressions import suppress


@dataclass(frozen=True)
class ActionFunctionProps:
    function_name: str
    role_name: str
    policy_name: str
    log_group_name: str
    #: The zip to deploy; None only with `image_uri`.
    package: FunctionPackage | None
    account_id: str
    region: str
    runtime: str = "python3.11"
    handler: str = "handler.lambda_handler"
    memory_mb: int = 256
    timeout_seconds: int = 30
    reserved_concurrency: int = 10
    log_retention_days: int = 365
    #: Encrypts environment variables and the log group; None uses AWS-owned keys.
    kms_key_arn: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    description: str = ""
    extra_statements: tuple[Statement, ...] = ()
    #: Queue for asynchronous invocations that still fail after Lambda's retries (scheduled and
    #: event-driven functions); its send grant must be in `extra_statements`. None: the function
    #: is only invoked synchronously and its caller gets the error.
    dead_letter_queue_arn: str | None = None
    #: Who invokes the function synchronously when it has no dead-letter queue: the reason of
    #: the CKV_AWS_116 suppression names them.
    synchronous_callers: str = "a Bedrock action group or an API proxy"
    #: Private subnets and security groups when the handler reaches something inside a VPC
    #: (a database, a cache); empty keeps the function on Lambda's own network.
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    #: "x86_64" or "arm64" (cheaper per GB-second where every dependency has an arm64 wheel).
    architecture: str = "x86_64"
    #: /tmp size in MB (512-10240).
    ephemeral_storage_mb: int = 512
    #: A container image (`<repository uri>:<tag>` or `@sha256:...`) instead of the zip: the
    #: image brings its runtime and entry point; its repository must let Lambda pull.
    image_uri: str | None = None

    def __post_init__(self) -> None:
        if (self.package is None) == (self.image_uri is None):
            raise ValueError(f"function {self.function_name}: give a package or an image_uri")


class ActionFunction(Construct):
    """Exposes `function` and `log_group` (the L1 resources), `function_name`, `function_arn`, `role_arn`,
    `invoke_statements()` and `allow_bedrock_agent(...)`."""

    def __init__(self, scope: Construct, construct_id: str, props: ActionFunctionProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=props.log_group_name,
            retention_in_days=props.log_retention_days, kms_key_id=props.kms_key_arn,
        )
        # Lambda does not put the function ARN into aws:SourceArn when it assumes an execution
        # role, so only aws:SourceAccount can pin the trust to this account.
        trust = policy_document(self, "trust", [service_trust(
            "lambda.amazonaws.com", account_id=props.account_id,
        )])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Execution role of {props.function_name}",
        )
        statements = [
            # Terraform creates the log group, so the function only writes streams into its own.
            Statement(sid="WriteOwnLogs", actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                      resources=(f"{log_group.arn}:*",)),
            # X-Ray segment APIs have no resource-level permissions.
            Statement(sid="WriteTraces",
                      actions=("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
                      resources=("*",)),
            *props.extra_statements,
        ]
        if props.subnet_ids:
            statements += vpc_network_statements(props.account_id, props.region, props.subnet_ids,
                                                 props.security_group_ids)
        if props.kms_key_arn:
            statements.append(kms_via_service("DecryptEnvironment", props.kms_key_arn, "lambda",
                                              props.region))
        policy = policy_document(self, "policy_document", statements)
        provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id, policy=policy.json,
        )
        image = props.image_uri is not None
        asset = None if image else TerraformAsset(
            self, "package", path=str(props.package.zip_path), type=AssetType.FILE,
            asset_hash=props.package.asset_hash or None)
        function = provider_module("lambda_function").LambdaFunction(
            self, "function",
            function_name=props.function_name,
            description=props.description,
            role=role.arn,
            runtime=None if image else props.runtime,
            handler=None if image else props.handler,
            package_type="Image" if image else None,
            image_uri=props.image_uri,
            architectures=[props.architecture],
            ephemeral_storage={"size": props.ephemeral_storage_mb}
            if props.ephemeral_storage_mb != 512 else None,
            vpc_config={"subnet_ids": list(props.subnet_ids),
                        "security_group_ids": list(props.security_group_ids)}
            if props.subnet_ids else None,
            memory_size=props.memory_mb,
            timeout=props.timeout_seconds,
            filename=None if image else asset.path,
            # The zip is deterministic: a code change, and only a code change, redeploys.
            source_code_hash=None if image else props.package.sha256_b64,
            reserved_concurrent_executions=props.reserved_concurrency,
            kms_key_arn=props.kms_key_arn,
            environment={"variables": dict(sorted(props.environment.items()))}
            if props.environment else None,
            tracing_config={"mode": "Active"},
            dead_letter_config={"target_arn": props.dead_letter_queue_arn}
            if props.dead_letter_queue_arn else None,
            logging_config={"log_format": "JSON", "log_group": log_group.name},
            depends_on=[log_group],
        )
        if not props.dead_letter_queue_arn:
            suppress(function, "CKV_AWS_116",
                     f"Invoked synchronously only ({props.synchronous_callers}), so the caller "
                     "gets the error back; a DLQ only receives failed asynchronous invocations, "
                     "which never happen here.")
        suppress(function, "CKV_AWS_272",
                 "Packages are built reproducibly from this repository with a source hash pinned in "
                 "the plan; AWS Signer is not available to the offline pipeline.")
        self.function_name: str = function.function_name
        self.function_arn: str = function.arn
        self.role_arn: str = role.arn
        self.log_group_name: str = log_group.name
        self.log_group = log_group
        self.function = function

    def invoke_statements(self) -> tuple[Statement, ...]:
        """What a caller (an agent's role) needs to invoke this function and nothing else."""
        return (Statement(sid="InvokeOwnActionFunction", actions=("lambda:InvokeFunction",),
                          resources=(self.function_arn,)),)

    def allow_bedrock_agent(self, construct_id: str, agent_arn: str):
        """Let exactly one agent of this account invoke the function (confused-deputy safe)."""
        return provider_module("lambda_permission").LambdaPermission(
            self, construct_id,
            statement_id="AllowBedrockAgentInvoke",
            action="lambda:InvokeFunction",
            function_name=self.function.function_name,
            principal="bedrock.amazonaws.com",
            source_arn=agent_arn,
            source_account=self._props.account_id,
        )


def vpc_network_statements(account_id: str, region: str, subnet_ids: tuple[str, ...],
                           security_group_ids: tuple[str, ...]) -> list[Statement]:
    """What Lambda needs to attach a function to its subnets: network interfaces in this
    account and region only, created in the given subnets with the given groups."""
    eni = f"arn:aws:ec2:{region}:{account_id}:network-interface/*"
    return [
        # Describe calls have no resource-level permissions.
        Statement(sid="DescribeNetwork",
                  actions=("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                           "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"),
                  resources=("*",)),
        Statement(sid="ManageOwnNetworkInterfaces",
                  actions=("ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                           "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
                  resources=(eni,
                             *(f"arn:aws:ec2:{region}:{account_id}:subnet/{s}" for s in subnet_ids),
                             *(f"arn:aws:ec2:{region}:{account_id}:security-group/{g}"
                               for g in security_group_ids))),
    ]
