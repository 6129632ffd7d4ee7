"""A moto server on 127.0.0.1 and a free port, started and stopped by its pid.

    with MotoServer() as server:
        print(server.endpoint)        # http://127.0.0.1:<port>

The server runs as `<this python> -m moto.server`. `MOTO_ACCOUNT_ID` is set in its environment:
moto 5.2.5 reads it on every request (`BaseResponse.get_current_account`, priority 1), so STS
`GetCallerIdentity` answers with the team account and the provider's `allowed_account_ids`
guard of the real stacks holds unchanged (no `skip_requesting_account_id` needed).

Every wait here is bounded both in attempts and in seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_ACCOUNT_ID = "618048437522"

# Requests to the emulator never go through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(RuntimeError):
    """The moto server did not start, or did not answer in time."""


def free_port(host: str = HOST) -> int:
    """A port that was free a moment ago (the caller retries if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def answers(endpoint: str, timeout: float = 1.0) -> bool:
    """True when anything answers HTTP at `endpoint` (any status code counts)."""
    try:
        with _OPENER.open(f"{endpoint}/moto-api/", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def wait_until_answers(endpoint: str, attempts: int = 200, seconds: float = 30.0,
                       interval: float = 0.1, alive=lambda: True) -> None:
    """Poll `endpoint` at most `attempts` times and for at most `seconds`."""
    deadline = time.monotonic() + seconds
    for _ in range(attempts):
        if answers(endpoint, timeout=min(1.0, max(0.05, deadline - time.monotonic()))):
            return
        if not alive():
            raise EmulatorError(f"the emulator at {endpoint} exited before answering")
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise EmulatorError(f"the emulator at {endpoint} did not answer within {seconds:.0f} s "
                        f"({attempts} attempts)")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the server gets SIGTERM when the process that started it dies (no orphans)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class MotoServer:
    """A moto server process; a context manager that always stops it."""

    def __init__(self, port: int | None = None, account_id: str = DEFAULT_ACCOUNT_ID,
                 log_path: Path | None = None, start_attempts: int = 3,
                 ready_seconds: float = 30.0, stop_seconds: float = 10.0) -> None:
        self.requested_port = port
        self.account_id = account_id
        self.log_path = log_path
        self.start_attempts = start_attempts
        self.ready_seconds = ready_seconds
        self.stop_seconds = stop_seconds
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise EmulatorError("the emulator is not running")
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)]

    def start(self) -> "MotoServer":
        if self.process is not None:
            raise EmulatorError("the emulator is already running")
        if self.log_path is None:
            self.log_path = Path(tempfile.mkdtemp(prefix="moto-")) / "moto.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "MOTO_ACCOUNT_ID": self.account_id}
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(name, None)
        last_error: Exception | None = None
        # A free port can be taken between choosing and binding it: a few bounded retries.
        for _ in range(self.start_attempts):
            port = self.requested_port or free_port()
            with open(self.log_path, "ab") as log:
                process = subprocess.Popen(
                    self.command(port), env=env, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                )
            self.process, self.port = process, port
            try:
                wait_until_answers(self.endpoint, seconds=self.ready_seconds,
                                   alive=lambda: process.poll() is None)
                return self
            except EmulatorError as exc:
                last_error = exc
                self.stop()
                if self.requested_port:
                    break
        raise EmulatorError(f"{last_error}; log: {self.log_path}\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM by pid, SIGKILL after `stop_seconds`; always reaps the process."""
        process, self.process = self.process, None
        self.port = None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_seconds)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=self.stop_seconds)
        else:
            process.wait(timeout=self.stop_seconds)

    def reset(self) -> None:
        """Drop everything the emulator holds (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with _OPENER.open(request, timeout=10):
            pass

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state != "Z"
