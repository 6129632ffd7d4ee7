"""The emulator itself: lifecycle by pid, the account it reports, the gap fixes, that the
stacks' `allowed_account_ids` guard still bites when the emulator reports another account, and
that `python -m modules.local_aws up` stops cleanly (exit 0, no traceback) on Ctrl-C or SIGTERM
at any point."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from modules.local_aws.emulator import (
    DEFAULT_ACCOUNT_ID,
    REPO_ROOT,
    MotoServer,
    answers,
    pid_alive,
)
from modules.local_aws.local_apply import LocalAws
from tests.integration._support import processes_with

pytestmark = pytest.mark.integration


def test_emulator_starts_on_a_free_port_and_stops_by_pid(emulator, tmp_path: Path):
    with MotoServer(log_path=tmp_path / "moto.log") as other:
        pid, port, endpoint = other.pid, other.port, other.endpoint
        assert port != emulator.port
        assert endpoint.startswith("http://127.0.0.1:")
        assert answers(endpoint)
        assert processes_with("moto_server", parent=os.getpid()) == sorted([pid, emulator.pid])
    assert not pid_alive(pid)
    assert not answers(endpoint, timeout=0.5)
    assert processes_with("moto_server", parent=os.getpid()) == [emulator.pid]


def test_emulator_reports_the_team_account(aws):
    assert aws("sts").get_caller_identity()["Account"] == DEFAULT_ACCOUNT_ID == "618048437522"


def test_gap_fix_conditional_deny_in_bucket_policy(aws):
    """Gap 1: moto applied `Deny ... if Bool aws:SecureTransport=false` to every request."""
    s3 = aws("s3")
    bucket = "pf-gap-check-conditional-deny"
    s3.create_bucket(Bucket=bucket)
    deny_insecure = {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                     "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [deny_insecure]}))
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    # An unconditional Deny still denies: the fix is limited to conditions moto cannot evaluate.
    unconditional = {key: value for key, value in deny_insecure.items() if key != "Condition"}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [unconditional]}))
    with pytest.raises(ClientError, match="403|Forbidden|AccessDenied"):
        s3.get_object(Bucket=bucket, Key="k")
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


def test_gap_fix_lambda_logging_and_dead_letter_config_round_trip(aws):
    """Gap 2: moto dropped LoggingConfig and DeadLetterConfig, so every plan wanted to add them
    again."""
    role = aws("iam").create_role(
        RoleName="pf-gap-check-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    logging_config = {"LogFormat": "JSON", "LogGroup": "/aws/lambda/pf-gap-check"}
    dead_letter = {"TargetArn": f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT_ID}:pf-gap-check-dlq"}
    client = aws("lambda")
    client.create_function(FunctionName="pf-gap-check", Runtime="python3.11", Role=role,
                           Handler="handler.handler", Code={"ZipFile": package.getvalue()},
                           LoggingConfig=logging_config, DeadLetterConfig=dead_letter)
    try:
        got = client.get_function(FunctionName="pf-gap-check")["Configuration"]
        assert got["LoggingConfig"] == logging_config
        assert got["DeadLetterConfig"] == dead_letter
        changed = {"LogFormat": "Text", "LogGroup": "/aws/lambda/pf-gap-check"}
        client.update_function_configuration(FunctionName="pf-gap-check", LoggingConfig=changed)
        got = client.get_function(FunctionName="pf-gap-check")["Configuration"]
        assert got["LoggingConfig"] == changed
        assert got["DeadLetterConfig"] == dead_letter
        # An empty target removes the dead-letter queue, as on AWS.
        client.update_function_configuration(FunctionName="pf-gap-check",
                                             DeadLetterConfig={"TargetArn": ""})
        got = client.get_function(FunctionName="pf-gap-check")["Configuration"]
        assert "DeadLetterConfig" not in got
        assert got["LoggingConfig"] == changed
    finally:
        client.delete_function(FunctionName="pf-gap-check")
        aws("iam").delete_role(RoleName="pf-gap-check-role")


def test_gap_fix_appautoscaling_target_tags(aws):
    """Gap 3: moto had no tags for scalable targets (ListTagsForResource answered HTTP 500)."""
    aws("dynamodb").create_table(
        TableName="pf-gap-check-scaling", BillingMode="PROVISIONED",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    scaling = aws("application-autoscaling")
    target = {"ServiceNamespace": "dynamodb", "ResourceId": "table/pf-gap-check-scaling",
              "ScalableDimension": "dynamodb:table:ReadCapacityUnits"}
    try:
        arn = scaling.register_scalable_target(**target, MinCapacity=1, MaxCapacity=5,
                                               Tags={"Environment": "gap"})["ScalableTargetARN"]
        assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Environment": "gap"}
        # Registering again updates the target; its tags change only through the tag actions.
        scaling.register_scalable_target(**target, MinCapacity=2, MaxCapacity=5,
                                         Tags={"Other": "ignored"})
        scaling.tag_resource(ResourceARN=arn, Tags={"Owner": "team"})
        scaling.untag_resource(ResourceARN=arn, TagKeys=["Environment"])
        assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Owner": "team"}
        with pytest.raises(ClientError, match="ResourceNotFoundException"):
            scaling.list_tags_for_resource(ResourceARN=arn.rsplit("/", 1)[0] + "/missing")
    finally:
        with contextlib.suppress(ClientError):
            scaling.deregister_scalable_target(**target)
        aws("dynamodb").delete_table(TableName="pf-gap-check-scaling")


def test_gap_fix_security_group_rule_descriptions(aws):
    """Gap 8: rules whose source is a security group or a prefix list lost their description."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    try:
        group = ec2.create_security_group(GroupName="pf-gap-a", Description="a", VpcId=vpc)["GroupId"]
        source = ec2.create_security_group(GroupName="pf-gap-b", Description="b", VpcId=vpc)["GroupId"]
        prefix_list = ec2.create_managed_prefix_list(
            PrefixListName="pf-gap", MaxEntries=1, AddressFamily="IPv4")["PrefixList"]["PrefixListId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "UserIdGroupPairs": [{"GroupId": source, "Description": "from b"}]},
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
             "PrefixListIds": [{"PrefixListId": prefix_list, "Description": "from the list"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "10.99.0.0/24", "Description": "from the range"}]}])
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
        described = {r["FromPort"]: r.get("Description") for r in rules if not r["IsEgress"]}
        assert described == {443: "from b", 80: "from the list", 22: "from the range"}
    finally:
        for found in ec2.describe_security_groups(
                Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]:
            if found["GroupName"] != "default":
                with contextlib.suppress(ClientError):
                    ec2.revoke_security_group_ingress(GroupId=found["GroupId"],
                                                      IpPermissions=found["IpPermissions"])
        for found in ec2.describe_security_groups(
                Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]:
            if found["GroupName"] != "default":
                ec2.delete_security_group(GroupId=found["GroupId"])
        ec2.delete_vpc(VpcId=vpc)


def test_gap_fix_image_function_without_overrides_has_no_image_config(aws):
    """Gap 9: every container-image function answered an empty ImageConfigResponse."""
    role = aws("iam").create_role(RoleName="pf-gap-image-role", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    client = aws("lambda")
    image = f"{DEFAULT_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/pf-gap:1"
    try:
        client.create_function(FunctionName="pf-gap-image", Role=role, PackageType="Image",
                               Code={"ImageUri": image})
        client.create_function(FunctionName="pf-gap-image-cmd", Role=role, PackageType="Image",
                               Code={"ImageUri": image}, ImageConfig={"Command": ["app.handler"]})
        plain = client.get_function(FunctionName="pf-gap-image")["Configuration"]
        overridden = client.get_function(FunctionName="pf-gap-image-cmd")["Configuration"]
        assert "ImageConfigResponse" not in plain
        assert overridden["ImageConfigResponse"]["ImageConfig"]["Command"] == ["app.handler"]
    finally:
        for name in ("pf-gap-image", "pf-gap-image-cmd"):
            with contextlib.suppress(ClientError):
                client.delete_function(FunctionName=name)
        aws("iam").delete_role(RoleName="pf-gap-image-role")


def test_gap_fix_serverless_v2_cluster_has_no_v1_scaling_info(aws):
    """Gap 10: every Aurora cluster answered an empty serverless-v1 ScalingConfigurationInfo."""
    rds = aws("rds")
    rds.create_db_cluster(DBClusterIdentifier="pf-gap-v2", Engine="aurora-postgresql",
                          EngineVersion="15.4", MasterUsername="gap",
                          MasterUserPassword="gap-password-123",
                          ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})
    try:
        (cluster,) = rds.describe_db_clusters(DBClusterIdentifier="pf-gap-v2")["DBClusters"]
        assert "ScalingConfigurationInfo" not in cluster
        assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4.0}
    finally:
        rds.delete_db_cluster(DBClusterIdentifier="pf-gap-v2", SkipFinalSnapshot=True)


def test_gap_fix_glue_job_execution_class_only_when_given(aws):
    """Gap 11: a job created without an execution class answered STANDARD."""
    glue = aws("glue")
    command = {"Name": "pythonshell", "ScriptLocation": "s3://pf-gap/job.py"}
    glue.create_job(Name="pf-gap-shell", Role="pf-gap-role", Command=command)
    glue.create_job(Name="pf-gap-spark", Role="pf-gap-role", ExecutionClass="FLEX",
                    Command={**command, "Name": "glueetl"})
    try:
        assert "ExecutionClass" not in glue.get_job(JobName="pf-gap-shell")["Job"]
        assert glue.get_job(JobName="pf-gap-spark")["Job"]["ExecutionClass"] == "FLEX"
    finally:
        for name in ("pf-gap-shell", "pf-gap-spark"):
            glue.delete_job(JobName=name)


def test_gap_fix_backup_tags_listed_without_a_trailing_slash(aws):
    """Gap 12: ListTags as the provider sends it (`/tags/<arn>`, no trailing slash) answered
    no tags."""
    backup = aws("backup")

    def as_the_provider_sends_it(request, **_):
        request.url = request.url.replace("/?", "?").rstrip("/")

    vault = backup.create_backup_vault(BackupVaultName="pf-gap-vault",
                                       BackupVaultTags={"Environment": "gap"})
    try:
        backup.meta.events.register("before-sign.backup.ListTags", as_the_provider_sends_it)
        assert backup.list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"] == {"Environment": "gap"}
    finally:
        backup.meta.events.unregister("before-sign.backup.ListTags", as_the_provider_sends_it)
        backup.delete_backup_vault(BackupVaultName="pf-gap-vault")


def test_gap_fix_ecs_service_keeps_its_capacity_provider_strategy(aws):
    """Gap 13: a service created on a capacity-provider strategy came back as launch type EC2."""
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="pf-gap-cluster", capacityProviders=["FARGATE_SPOT"])
    ecs.register_task_definition(
        family="pf-gap-task", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "app:1"}])
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    try:
        ecs.create_service(cluster="pf-gap-cluster", serviceName="pf-gap-spot",
                           taskDefinition="pf-gap-task", desiredCount=0,
                           capacityProviderStrategy=strategy)
        ecs.create_service(cluster="pf-gap-cluster", serviceName="pf-gap-fargate",
                           taskDefinition="pf-gap-task", desiredCount=0, launchType="FARGATE")
        spot, fargate = ecs.describe_services(
            cluster="pf-gap-cluster", services=["pf-gap-spot", "pf-gap-fargate"])["services"]
        assert spot["capacityProviderStrategy"] == strategy and "launchType" not in spot
        assert fargate["launchType"] == "FARGATE" and "capacityProviderStrategy" not in fargate
    finally:
        for name in ("pf-gap-spot", "pf-gap-fargate"):
            with contextlib.suppress(ClientError):
                ecs.delete_service(cluster="pf-gap-cluster", service=name, force=True)
        ecs.delete_cluster(cluster="pf-gap-cluster")


def test_gap_fix_ecs_service_keeps_grace_period_managed_tags_and_rebalancing(aws):
    """Gap 16: CreateService dropped these three settings, so every plan set them again."""
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="pf-gap16")
    ecs.register_task_definition(
        family="pf-gap16-task", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "app:1"}])
    try:
        ecs.create_service(cluster="pf-gap16", serviceName="pf-gap16-set",
                           taskDefinition="pf-gap16-task", desiredCount=0, launchType="FARGATE",
                           healthCheckGracePeriodSeconds=60, enableECSManagedTags=True,
                           availabilityZoneRebalancing="DISABLED")
        ecs.create_service(cluster="pf-gap16", serviceName="pf-gap16-plain",
                           taskDefinition="pf-gap16-task", desiredCount=0, launchType="FARGATE")
        given, plain = ecs.describe_services(
            cluster="pf-gap16", services=["pf-gap16-set", "pf-gap16-plain"])["services"]
        assert (given["healthCheckGracePeriodSeconds"], given["enableECSManagedTags"],
                given["availabilityZoneRebalancing"]) == (60, True, "DISABLED")
        assert "healthCheckGracePeriodSeconds" not in plain
    finally:
        for name in ("pf-gap16-set", "pf-gap16-plain"):
            with contextlib.suppress(ClientError):
                ecs.delete_service(cluster="pf-gap16", service=name, force=True)
        ecs.delete_cluster(cluster="pf-gap16")


def test_gap_fix_a_zone_created_with_a_vpc_is_private(aws):
    """Gap 15: a zone created with a VPC but without `HostedZoneConfig.PrivateZone` (what the
    provider sends) became public and lost its VPC."""
    vpc = aws("ec2").create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    route53 = aws("route53")
    zone = route53.create_hosted_zone(Name="gap15.internal", CallerReference="gap15",
                                      HostedZoneConfig={"Comment": "gap 15"},
                                      VPC={"VPCRegion": "us-east-1", "VPCId": vpc})
    public = route53.create_hosted_zone(Name="gap15.example.com", CallerReference="gap15-public")
    try:
        found = route53.get_hosted_zone(Id=zone["HostedZone"]["Id"])
        assert found["HostedZone"]["Config"]["PrivateZone"] is True
        assert found["VPCs"] == [{"VPCRegion": "us-east-1", "VPCId": vpc}]
        other = route53.get_hosted_zone(Id=public["HostedZone"]["Id"])
        assert other["HostedZone"]["Config"]["PrivateZone"] is False and not other.get("VPCs")
    finally:
        for created in (zone, public):
            route53.delete_hosted_zone(Id=created["HostedZone"]["Id"])
        aws("ec2").delete_vpc(VpcId=vpc)


def test_gap_fix_a_retried_attempt_gets_the_first_answer(aws):
    """Gap 14: a second attempt of a create whose first answer was lost ran twice and failed
    (CreateFunction 409 "Function already exist"); now it gets the first answer, while a new
    invocation and a retry after an error still run."""
    iam = aws("iam")
    sent = {"invocation": "", "attempt": 1}

    def as_a_retry_sends_it(request, **_):  # after botocore sets its own retry headers
        request.headers["amz-sdk-invocation-id"] = sent["invocation"]
        request.headers["amz-sdk-request"] = f"attempt={sent['attempt']}; max=3"

    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    iam.meta.events.register("before-send.iam.CreateRole", as_a_retry_sends_it)
    try:
        sent.update(invocation="11111111-1111-4111-8111-111111111111", attempt=1)
        first = iam.create_role(RoleName="pf-gap-retried", AssumeRolePolicyDocument=trust)
        sent["attempt"] = 2  # the same invocation again, as after a lost response
        again = iam.create_role(RoleName="pf-gap-retried", AssumeRolePolicyDocument=trust)
        assert again["Role"]["RoleId"] == first["Role"]["RoleId"]
        sent.update(invocation="22222222-2222-4222-8222-222222222222", attempt=1)
        with pytest.raises(ClientError) as new_call:  # another invocation runs: the role exists
            iam.create_role(RoleName="pf-gap-retried", AssumeRolePolicyDocument=trust)
        assert new_call.value.response["Error"]["Code"] == "EntityAlreadyExists"
        sent["attempt"] = 2  # an error is never remembered: its retry runs again
        with pytest.raises(ClientError) as retried_error:
            iam.create_role(RoleName="pf-gap-retried", AssumeRolePolicyDocument=trust)
        assert retried_error.value.response["Error"]["Code"] == "EntityAlreadyExists"
    finally:
        iam.meta.events.unregister("before-send.iam.CreateRole", as_a_retry_sends_it)
        iam.delete_role(RoleName="pf-gap-retried")
    assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"] == "pf-gap-retried"]


def test_allowed_account_ids_guard_holds_against_another_account(synth_dir: Path, tmp_path: Path):
    """The stacks keep `allowed_account_ids`; an emulator reporting another account is refused."""
    with MotoServer(account_id="123456789012", log_path=tmp_path / "moto.log") as other:
        local = LocalAws(other.endpoint, synth_dir, tmp_path / "work")
        local.prepare("state-backend")
        local.init("state-backend")
        code, output = local.plan_exitcode("state-backend")
    assert code == 1
    assert "123456789012" in output and "not allowed" in output, output[-2000:]


class UpCommand:
    """`python -m modules.local_aws up` as a terminal runs it: a session (process group) of its
    own, so `interrupt()` is what Ctrl-C sends (SIGINT to the foreground group). stdout and stderr
    are read by threads; every wait is bounded."""

    LISTENING = re.compile(r"\(pid (\d+)\) listening on (http://127\.0\.0\.1:\d+)")

    def __init__(self, build_dir: Path) -> None:
        env = {**os.environ, "PF_BUILD_DIR": str(build_dir)}  # its moto.log stays in tmp
        self.process = subprocess.Popen(
            [sys.executable, "-m", "modules.local_aws", "up"], cwd=REPO_ROOT, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.pid = self.process.pid
        self._out: list[str] = []
        self._err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.process.stdout, self._out),
                                              (self.process.stderr, self._err))]
        for reader in self._readers:
            reader.start()
        self.server_pid: int | None = None
        self.endpoint: str | None = None

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in iter(stream.readline, ""):
            into.append(line)

    @property
    def stdout(self) -> str:
        return "".join(self._out)

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def wait_for(self, condition, seconds: float = 30.0, interval: float = 0.02) -> bool:
        deadline = time.monotonic() + seconds
        for _ in range(int(seconds / interval) + 1):
            if condition() or time.monotonic() >= deadline or self.process.poll() is not None:
                break
            time.sleep(interval)
        return bool(condition())

    def wait_listening(self) -> None:
        def listening() -> bool:
            found = self.LISTENING.search(self.stdout)
            if found:
                self.server_pid, self.endpoint = int(found.group(1)), found.group(2)
            return found is not None

        assert self.wait_for(listening), f"no 'listening on' line:\n{self.stdout}{self.stderr}"

    def wait_server_started(self) -> None:
        """The moto child exists (it takes a second or so before it listens)."""
        def started() -> bool:
            found = processes_with("moto_server", parent=self.pid)
            self.server_pid = found[0] if found else None
            return bool(found)

        assert self.wait_for(started, interval=0.005), self.stdout + self.stderr

    def interrupt(self) -> None:
        os.killpg(self.pid, signal.SIGINT)

    def wait(self, seconds: float = 30.0) -> int:
        code = self.process.wait(timeout=seconds)
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.server_pid and pid_alive(self.server_pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.server_pid, signal.SIGKILL)
        for stream in (self.process.stdout, self.process.stderr):
            with contextlib.suppress(Exception):
                stream.close()


def test_up_runs_in_the_foreground_until_ctrl_c(tmp_path: Path):
    """`python -m modules.local_aws up`: prints the endpoint, serves, stops on Ctrl-C, exit 0."""
    up = UpCommand(tmp_path / "build")
    try:
        up.wait_listening()
        assert answers(up.endpoint)
        assert processes_with("moto_server", parent=up.pid) == [up.server_pid]
        up.interrupt()
        assert up.wait() == 0, up.stderr
    finally:
        up.close()
    assert "Traceback" not in up.stderr + up.stdout, up.stderr
    assert "SIGINT: stopping the emulator" in up.stderr
    assert not pid_alive(up.server_pid)
    assert not answers(up.endpoint, timeout=0.5)
    assert (tmp_path / "build" / "local_aws" / "moto.log").is_file()


@pytest.mark.parametrize("when", ["while starting", "twice", "sigterm"])
def test_up_stops_cleanly_on_any_signal_at_any_point(when: str, tmp_path: Path):
    """Ctrl-C while the server is still starting, a second Ctrl-C while it is being stopped, or
    SIGTERM: the server is stopped, exit 0, and no traceback."""
    up = UpCommand(tmp_path / "build")
    try:
        if when == "while starting":
            up.wait_server_started()
            up.interrupt()
        elif when == "twice":
            up.wait_listening()
            up.interrupt()
            assert up.wait_for(lambda: "stopping the emulator" in up.stderr, interval=0.002)
            with contextlib.suppress(ProcessLookupError):
                up.interrupt()  # lands while the server is being stopped (or just after)
        else:
            up.wait_listening()
            os.kill(up.pid, signal.SIGTERM)
        assert up.wait() == 0, up.stderr
    finally:
        up.close()
    assert "Traceback" not in up.stderr + up.stdout, up.stderr
    assert up.server_pid and not pid_alive(up.server_pid)
    if when == "while starting":
        assert ("stopped before the emulator was listening" in up.stderr
                or "SIGINT: stopping the emulator" in up.stderr), up.stderr
    elif when == "sigterm":
        assert "SIGTERM: stopping the emulator" in up.stderr
