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
