"""A moto server on 127.0.0.1 and a free port, started and stopped by its pid.

    with MotoServer() as server:
        print(server.endpoint)        # http://127.0.0.1:<port>

The server runs in a process group of its own, so a Ctrl-C in the terminal reaches only the
process that started it, which then stops the server (SIGTERM by pid, SIGKILL if it lingers).

The server runs as `<this python> -m modules.local_aws.moto_server`: moto's own `moto.server.main`
after the fixes for the emulator gaps our stacks hit (see that module). `MOTO_ACCOUNT_ID` is set
in its environment: moto 5.2.5 reads it on every request (`BaseResponse.get_current_account`, priority 1), so STS
`GetCallerIdentity` answers with the team account and the provider's `allowed_account_ids`
guard of the real stacks holds unchanged (no `skip_requesting_account_id` needed).

Every wait here is bounded both in attempts and in seconds.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ACCOUNT_ID = "618048437522"

# Requests to the emulator never go through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(RuntimeError):
    """The moto server did not start, or did not answer in time."""


class StartCancelled(EmulatorError):
    """`MotoServer.start` was cancelled (e.g. by Ctrl-C) before the server answered; the server
    process was stopped."""


def _never() -> bool:
    return False


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
                       interval: float = 0.1, alive=lambda: True,
                       cancelled: Callable[[], bool] = _never) -> None:
    """Poll `endpoint` at most `attempts` times and for at most `seconds`; `cancelled()` true
    ends the wait with `StartCancelled`."""
    deadline = time.monotonic() + seconds
    for _ in range(attempts):
        if cancelled():
            raise StartCancelled(f"waiting for the emulator at {endpoint} was cancelled")
        if answers(endpoint, timeout=min(1.0, max(0.05, deadline - time.monotonic()))):
            return
        if not alive():
            raise EmulatorError(f"the emulator at {endpoint} exited before answering")
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise EmulatorError(f"the emulator at {endpoint} did not answer within {seconds:.0f} s "
                        f"({attempts} attempts)")


def _load_prctl():
    """libc's prctl, resolved in the parent: the child must not import anything after fork."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux/glibc: no parent-death signal, stop() still works
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM if the thread that started it dies (no orphaned servers)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


class MotoServer:
    """A moto server process; a context manager that always stops it.

    Start it from a long-lived thread (the main thread): on Linux the server is tied to the
    starting thread by a parent-death signal, so it cannot outlive a killed test run.
    """

    def __init__(self, port: int | None = None, account_id: str = DEFAULT_ACCOUNT_ID,
                 log_path: Path | None = None, ready_seconds: float = 30.0,
                 stop_seconds: float = 10.0) -> None:
        self.requested_port = port
        self.account_id = account_id
        self.log_path = log_path
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
        return [sys.executable, "-m", "modules.local_aws.moto_server", "-H", HOST, "-p", str(port)]

    def start(self, cancelled: Callable[[], bool] = _never) -> "MotoServer":
        """Start the server and wait until it answers (bounded in attempts and seconds).

        Without a requested port the server binds port 0: the kernel picks a free port and the
        server names it in its log, so there is no window in which another process can take it.
        `cancelled()` is polled while waiting: once true, the server is stopped and
        `StartCancelled` raised. Any other exception while waiting (KeyboardInterrupt included)
        stops the server before it propagates.
        """
        if self.process is not None:
            raise EmulatorError("the emulator is already running")
        if self.log_path is None:
            self.log_path = Path(tempfile.mkdtemp(prefix="moto-")) / "moto.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # AWS-managed policies exist, so roles can attach them (AWS Config, AWS Backup).
        env = {**os.environ, "MOTO_ACCOUNT_ID": self.account_id,
               "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
        # The wrapper module must be importable whatever the caller's working directory.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(name, None)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(self.requested_port or 0), env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, process_group=0,
                preexec_fn=_die_with_parent if _PRCTL is not None else None,
            )
        process = self.process
        try:
            deadline = time.monotonic() + self.ready_seconds
            self.port = self.requested_port or self._announced_port(offset, deadline, cancelled)
            wait_until_answers(self.endpoint, seconds=max(1.0, deadline - time.monotonic()),
                               alive=lambda: process.poll() is None, cancelled=cancelled)
            if process.poll() is not None:
                raise EmulatorError(f"the emulator exited (another server answers {self.endpoint})")
        except StartCancelled:
            self.stop()
            raise
        except EmulatorError as exc:
            self.stop()
            raise EmulatorError(f"{exc}; log: {self.log_path}\n{self.log_tail()}") from None
        except BaseException:
            self.stop()
            raise
        return self

    def _announced_port(self, offset: int, deadline: float,
                        cancelled: Callable[[], bool] = _never, interval: float = 0.05) -> int:
        """The port from the server's "Running on http://127.0.0.1:<port>" log line."""
        assert self.log_path is not None and self.process is not None
        pattern = re.compile(rf"Running on http://{re.escape(HOST)}:(\d+)")
        for _ in range(int(self.ready_seconds / interval) + 1):
            if cancelled():
                raise StartCancelled("starting the emulator was cancelled")
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                found = pattern.search(log.read().decode(errors="replace"))
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise EmulatorError("the emulator exited before it was listening")
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        raise EmulatorError(f"the emulator did not report its port within {self.ready_seconds:.0f} s")

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
