"""Session fixtures of the integration tests: one moto server on a free port (always stopped,
and proven gone), one synthesis (tests/conftest.py `synth_dir`), one local apply through the CLI
(`python -m modules.local_aws apply --env dev`: the bootstrap, then every `dev-<system>` stack).

The applies run in the background, because they spend most of their time in the provider's
waiters (S3 lifecycle configuration, KMS key propagation) rather than on the CPU:

* the CLI apply (`cli_job`) starts, as a subprocess, at the first test of the session when a
  selected test uses `cli_apply`; the tests that do not need it run first, meanwhile
  (`pytest_collection_modifyitems`: test_bootstrap_state.py with an emulator of its own, the
  emulator tests, the configuration checks);
* when a selected test uses `staging_job` (test_local_apply_staging.py), `staging-scheduling` is
  applied in a thread, the moment the CLI reports the bootstrap applied, beside the
  `dev-scheduling` apply, and then planned once more.

`cli_apply` waits for both jobs (bounded), so the tests of the dev state (locks, concurrent
applies) have the emulator to themselves; the staging module fixture reports the staging job's
result. Nothing of this starts when no selected test needs it (e.g. `-m "not integration"`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import require_tool, terraform_available
from tests.integration._support import processes_with, tree_digest

REGION = "us-east-1"
STAGING_STACK = "staging-scheduling"
# Bounds (not speed targets): the CLI apply (bootstrap + every dev stack, about 560 resources
# of five systems), and the staging job (its apply plus its second plan).
CLI_SECONDS = 2400
STAGING_SECONDS = 1200


def _tools() -> None:
    terraform_available()
    for module, what in (("moto.server", "moto[server]"), ("boto3", "boto3"),
                         ("flask", "moto[server] (flask)")):
        require_tool(importlib.util.find_spec(module) is not None, what,
                     "pip install -c constraints.txt -e '.[dev]'")


@contextlib.contextmanager
def running_emulator(log_dir: Path):
    """A moto server on a free port; on exit it is stopped and proven gone (pid, answers)."""
    from modules.local_aws.emulator import MotoServer, answers, pid_alive

    _tools()
    others = set(processes_with("moto_server", parent=os.getpid()))
    server = MotoServer(log_path=log_dir / "moto.log")
    server.start()
    pid, endpoint = server.pid, server.endpoint
    try:
        yield server
    finally:
        server.stop()
        assert pid is not None and not pid_alive(pid), f"moto server pid {pid} is still running"
        left = set(processes_with("moto_server", parent=os.getpid())) - others
        assert not left, f"moto processes started by this test run are left: {sorted(left)}"
        assert not answers(endpoint, timeout=0.5), f"something still answers at {endpoint}"


def aws_clients(endpoint: str):
    """boto3 clients against the emulator at `endpoint`: clients("s3")."""
    import boto3

    session = boto3.session.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                                    aws_secret_access_key="local-emulator-not-a-secret",
                                    region_name=REGION)
    clients: dict[str, object] = {}

    def client(service: str):
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=endpoint)
        return clients[service]

    return client


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory):
    with running_emulator(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="session")
def aws(emulator):
    """boto3 clients against the emulator: aws("s3")."""
    return aws_clients(emulator.endpoint)


@pytest.fixture(scope="module")
def module_emulator(tmp_path_factory: pytest.TempPathFactory):
    """A moto server of one test module alone (it starts empty), stopped at the module's end."""
    with running_emulator(tmp_path_factory.mktemp("moto-module")) as server:
        yield server


@pytest.fixture(scope="module")
def module_aws(module_emulator):
    """boto3 clients against `module_emulator`: module_aws("s3")."""
    return aws_clients(module_emulator.endpoint)


@pytest.fixture(scope="session")
def workroot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("local_aws")


@pytest.fixture(scope="session")
def local(emulator, synth_dir: Path, workroot: Path):
    from modules.local_aws.local_apply import LocalAws

    return LocalAws(emulator.endpoint, synth_dir, workroot)


@pytest.fixture(scope="session")
def synth_before(synth_dir: Path) -> dict[str, str]:
    """Digest of every synthesized file, taken before anything is applied."""
    return tree_digest(synth_dir)


@pytest.fixture(scope="session")
def root_state_before() -> bytes | None:
    """The project's own bootstrap state file (`terraform.state-backend.tfstate` at the root), as
    it was before anything was applied to the emulator (None: there is none)."""
    from modules.backend import BOOTSTRAP_STACK, local_state_file

    path = local_state_file(BOOTSTRAP_STACK)
    return path.read_bytes() if path.exists() else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Within this folder, the tests that do not need the CLI apply run first (module order kept
    otherwise): they run while it works in the background (see the module docstring)."""
    here = Path(__file__).parent
    positions = [i for i, item in enumerate(items) if item.path.is_relative_to(here)]
    ours = [items[i] for i in positions]
    ordered = sorted(ours, key=lambda item: "cli_apply" in getattr(item, "fixturenames", ()))
    for position, item in zip(positions, ordered):
        items[position] = item


def _selected_tests_use(request: pytest.FixtureRequest, fixture: str) -> bool:
    return any(fixture in getattr(item, "fixturenames", ()) for item in request.session.items)


class StagingJob:
    """`staging-scheduling` applied, then planned again, in a thread of its own, as soon as
    `bootstrap_applied()` is called; `release()` ends the wait in any case (without the bootstrap
    the job records an error instead of applying)."""

    def __init__(self, local) -> None:
        self.local = local
        self.bootstrapped = threading.Event()
        self._released = threading.Event()
        self.result = None          # StackResult of the apply
        self.plan: tuple[int, str] | None = None  # the second `plan -detailed-exitcode`
        self.seconds = {"apply": 0.0, "plan": 0.0}
        self.error: BaseException | str | None = None
        self.thread = threading.Thread(target=self._run, name="staging-apply", daemon=True)
        self.thread.start()

    def bootstrap_applied(self) -> None:
        self.bootstrapped.set()
        self._released.set()

    def release(self) -> None:
        self._released.set()

    def _run(self) -> None:
        if not self._released.wait(CLI_SECONDS):
            self.error = f"the bootstrap was not applied within {CLI_SECONDS} s"
            return
        if not self.bootstrapped.is_set():
            self.error = "the CLI did not apply the bootstrap (see the cli_apply failure)"
            return
        try:
            started = time.monotonic()
            self.result = self.local.apply(STAGING_STACK)
            self.seconds["apply"] = time.monotonic() - started
            started = time.monotonic()
            self.plan = self.local.plan_exitcode(STAGING_STACK)
            self.seconds["plan"] = time.monotonic() - started
        except BaseException as exc:  # reported by wait(), in the test that needs the job
            self.error = exc

    def wait(self, seconds: float = STAGING_SECONDS) -> "StagingJob":
        self.thread.join(seconds)
        if self.thread.is_alive():
            pytest.fail(f"the {STAGING_STACK} apply did not finish within {seconds:.0f} s")
        if isinstance(self.error, BaseException):
            # TerraformFailed: its output's tail (its message starts with every -target=).
            detail = getattr(self.error, "output", None) or str(self.error)
            pytest.fail(f"the {STAGING_STACK} apply failed ({type(self.error).__name__}):\n"
                        f"{detail[-4000:]}")
        if self.error:
            pytest.fail(f"the {STAGING_STACK} apply did not run: {self.error}")
        return self


class CliJob:
    """The CLI as a user runs it, `python -m modules.local_aws apply ...`, in a process group of
    its own; its stderr (the progress lines) is read as it comes, and `on_bootstrap` is called
    once it reports the bootstrap applied (`[state-backend] Apply complete! ...`)."""

    def __init__(self, args: list[str], on_bootstrap=lambda: None, on_end=lambda: None) -> None:
        from modules.backend import BOOTSTRAP_STACK
        from modules.config import REPO_ROOT

        self._bootstrap_prefix = f"[{BOOTSTRAP_STACK}] "
        self._on_bootstrap, self._on_end = on_bootstrap, on_end
        self.process = subprocess.Popen(
            [sys.executable, "-m", "modules.local_aws", *args], cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines, watch),
                                          daemon=True)
                         for stream, lines, watch in ((self.process.stdout, self.stdout, False),
                                                      (self.process.stderr, self.stderr, True))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, lines: list[str], watch: bool) -> None:
        try:
            for line in stream:
                lines.append(line)
                if watch and line.startswith(self._bootstrap_prefix) and (
                        "Apply complete!" in line or "No changes." in line):
                    self._on_bootstrap()
        finally:
            if watch:
                self._on_end()

    def wait(self, seconds: float = CLI_SECONDS) -> tuple[int, str, str]:
        try:
            code = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"the CLI apply did not finish within {seconds:.0f} s:\n"
                        f"{''.join(self.stderr)[-4000:]}")
        for reader in self._readers:
            reader.join(timeout=10)
        return code, "".join(self.stdout), "".join(self.stderr)

    def stop(self) -> None:
        """SIGTERM to its process group (the CLI and its Terraform), SIGKILL after 10 s."""
        if self.process.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="session")
def staging_job(emulator, synth_dir: Path, workroot: Path):
    """The staging job (see StagingJob); the CLI job starts it right after the bootstrap. Its
    teardown waits for the thread (bounded), before the emulator stops."""
    from modules.local_aws.local_apply import LocalAws

    job = StagingJob(LocalAws(emulator.endpoint, synth_dir, workroot))
    yield job
    job.release()
    job.thread.join(STAGING_SECONDS)


@pytest.fixture(scope="session")
def cli_job(request: pytest.FixtureRequest, synth_before, root_state_before, emulator,
            synth_dir: Path, workroot: Path):
    """`python -m modules.local_aws apply --env dev --endpoint ... --skip-synth`, started now,
    in the background: `state-backend` (its state in the work copy), then every `dev-<system>`
    stack. Stopped at the end of the session if it is still running."""
    staging = request.getfixturevalue("staging_job") \
        if _selected_tests_use(request, "staging_job") else None
    job = CliJob(["apply", "--env", "dev", "--endpoint", emulator.endpoint, "--skip-synth",
                  "--outdir", str(synth_dir), "--workroot", str(workroot)],
                 on_bootstrap=staging.bootstrap_applied if staging else lambda: None,
                 on_end=staging.release if staging else lambda: None)
    yield job
    job.stop()


@pytest.fixture(scope="session", autouse=True)
def _start_background_applies(request: pytest.FixtureRequest) -> None:
    """At the session's first test: start the CLI apply when a selected test needs it, so that
    it runs while the tests before its first user (test_bootstrap_state.py) run."""
    if _selected_tests_use(request, "cli_apply"):
        request.getfixturevalue("cli_job")


@pytest.fixture(scope="session")
def cli_apply(request: pytest.FixtureRequest, cli_job) -> tuple[int, str]:
    """The CLI apply's exit code and stdout (its summary), once it has finished; and once the
    staging job has finished too, when it runs: the tests that use the dev state (locks, a
    killed lock holder, concurrent applies) then have the emulator to themselves."""
    code, out, err = cli_job.wait()
    if _selected_tests_use(request, "staging_job"):
        request.getfixturevalue("staging_job").thread.join(STAGING_SECONDS)
    assert code == 0, f"local apply failed:\n{err[-4000:]}"
    return code, out
