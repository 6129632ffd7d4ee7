"""The emulator itself: lifecycle by pid, the account it reports, the gap fixes, and that the
stacks' `allowed_account_ids` guard still bites when the emulator reports another account."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from modules.local_aws.emulator import DEFAULT_ACCOUNT_ID, MotoServer, answers, pid_alive
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


def test_gap_fix_lambda_logging_config_round_trip(aws):
    """Gap 2: moto dropped LoggingConfig, so every plan wanted to add it again."""
    role = aws("iam").create_role(
        RoleName="pf-gap-check-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    logging_config = {"LogFormat": "JSON", "LogGroup": "/aws/lambda/pf-gap-check"}
    client = aws("lambda")
    client.create_function(FunctionName="pf-gap-check", Runtime="python3.11", Role=role,
                           Handler="handler.handler", Code={"ZipFile": package.getvalue()},
                           LoggingConfig=logging_config)
    try:
        got = client.get_function(FunctionName="pf-gap-check")["Configuration"]
        assert got["LoggingConfig"] == logging_config
        changed = {"LogFormat": "Text", "LogGroup": "/aws/lambda/pf-gap-check"}
        client.update_function_configuration(FunctionName="pf-gap-check", LoggingConfig=changed)
        got = client.get_function(FunctionName="pf-gap-check")["Configuration"]
        assert got["LoggingConfig"] == changed
    finally:
        client.delete_function(FunctionName="pf-gap-check")
        aws("iam").delete_role(RoleName="pf-gap-check-role")


def test_allowed_account_ids_guard_holds_against_another_account(synth_dir: Path, tmp_path: Path):
    """The stacks keep `allowed_account_ids`; an emulator reporting another account is refused."""
    with MotoServer(account_id="123456789012", log_path=tmp_path / "moto.log") as other:
        local = LocalAws(other.endpoint, synth_dir, tmp_path / "work")
        local.prepare("state-backend")
        local.init("state-backend")
        code, output = local.plan_exitcode("state-backend")
    assert code == 1
    assert "123456789012" in output and "not allowed" in output, output[-2000:]


def test_up_runs_in_the_foreground_until_ctrl_c():
    """`python -m modules.local_aws up`: prints the endpoint, serves, stops on SIGINT."""
    import re
    import select
    import signal
    import subprocess
    import sys
    import time

    from modules.local_aws.emulator import REPO_ROOT

    up = subprocess.Popen([sys.executable, "-m", "modules.local_aws", "up"], cwd=REPO_ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines, endpoint = [], None
        deadline = time.monotonic() + 30
        for _ in range(300):
            if endpoint or time.monotonic() > deadline or up.poll() is not None:
                break
            ready, _, _ = select.select([up.stdout], [], [], 0.1)
            if ready:
                lines.append(up.stdout.readline())
                found = re.search(r"\(pid (\d+)\) listening on (http://127\.0\.0\.1:\d+)",
                                  lines[-1])
                server_pid, endpoint = (int(found.group(1)), found.group(2)) if found else (0, None)
        assert endpoint, "".join(lines)
        assert answers(endpoint)
        assert processes_with("moto_server", parent=up.pid) == [server_pid]
        os.kill(up.pid, signal.SIGINT)  # what Ctrl-C sends
        assert up.wait(timeout=20) == 0
        assert not pid_alive(server_pid)
        assert not answers(endpoint, timeout=0.5)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(timeout=10)
        up.stdout.close()
