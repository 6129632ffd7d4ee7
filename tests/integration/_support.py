"""Test support for the integration tests: Terraform processes that stop at the approval prompt
(they hold the state lock while they wait), lock-error parsing and process hygiene.

Every wait is bounded in time; every process started here is ended by its own pid or by the
process group it was started in, never by name.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from modules.pipeline.terraform import terraform_binary, terraform_env

PROMPT = "Enter a value:"
LOCK_ERROR = "Error acquiring the state lock"
_LOCK_ID = re.compile(r"^\s*ID:\s+(\S+)\s*$", re.M)


def lock_id(output: str) -> str | None:
    """The lock ID from Terraform's "Error acquiring the state lock" message."""
    match = _LOCK_ID.search(output)
    return match.group(1) if match else None


class TerraformProcess:
    """`terraform <args>` in its own process group, output collected by a reader thread.

    With `prompt=True` Terraform may ask for approval (TF_INPUT=1, stdin a pipe we answer).
    """

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], prompt: bool = False):
        extra = dict(env)
        if prompt:
            extra["TF_INPUT"] = "1"
        self.args = args
        self.process = subprocess.Popen(
            [terraform_binary(), *args], cwd=cwd, env=terraform_env(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pgid = self.process.pid  # start_new_session: the group id is the leader's pid
        self._chunks: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(lambda: self.process.stdout.read1(4096), b""):
            with self._lock:
                self._chunks.append(raw.decode(errors="replace"))

    @property
    def output(self) -> str:
        with self._lock:
            return "".join(self._chunks)

    @property
    def pid(self) -> int:
        return self.process.pid

    def finished(self) -> bool:
        return self.process.poll() is not None

    def wait_for(self, condition, seconds: float, interval: float = 0.1) -> bool:
        """Poll `condition()` until true, for at most `seconds` (bounded count as well)."""
        deadline = time.monotonic() + seconds
        for _ in range(int(seconds / interval) + 1):
            if condition():
                return True
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        return bool(condition())

    def at_prompt(self) -> bool:
        return PROMPT in self.output and not self.finished()

    def answer(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{text}\n".encode())
        self.process.stdin.flush()

    def wait(self, seconds: float) -> int:
        try:
            code = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.kill_group()
            raise AssertionError(f"terraform {' '.join(self.args[:2])} did not finish in "
                                 f"{seconds:.0f} s:\n{self.output[-3000:]}") from None
        self._reader.join(timeout=5)
        return code

    def kill_holder(self) -> None:
        """SIGKILL the Terraform process only (its lock stays behind: a stale lock)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def kill_group(self) -> None:
        """SIGKILL whatever is left of the group this process started (e.g. provider plugins)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def group_alive(self) -> bool:
        return any(_pgid_of(pid) == self.pgid for pid in _pids())

    def close(self) -> None:
        if not self.finished():
            self.kill_group()
        elif self.group_alive():
            self.kill_group()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(Exception):
                stream.close()


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root`, by relative path."""
    import hashlib

    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _ppid_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


def _pgid_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def processes_with(fragment: str, parent: int | None = None) -> list[int]:
    """Pids whose command line contains `fragment` (and whose parent is `parent`, if given)."""
    found = []
    for pid in _pids():
        if parent is not None and _ppid_of(pid) != parent:
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if fragment in cmdline:
            found.append(pid)
    return sorted(found)


def sync_state_digest(s3, dynamodb, bucket: str, key: str, table: str) -> str:
    """Store the MD5 of the current state object as the DynamoDB digest of `key`.

    A state written with DynamoDB locking off (`dynamodb_table = ""`, lockfile only) leaves the
    table's `<bucket>/<key>-md5` digest behind; the next run with DynamoDB on refuses the state
    ("checksum ... does not match the checksum stored in DynamoDB"). This is Terraform's own
    remedy from that error message, used after the lockfile-only test.
    """
    import hashlib

    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    digest = hashlib.md5(body).hexdigest()  # noqa: S324 - Terraform's digest format
    dynamodb.put_item(TableName=table, Item={"LockID": {"S": f"{bucket}/{key}-md5"},
                                             "Digest": {"S": digest}})
    return digest
