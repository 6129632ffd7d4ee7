"""Session fixtures of the integration tests: one moto server on a free port (always stopped,
and proven gone), one synthesis (tests/conftest.py `synth_dir`), one local apply through the CLI
(`apply --env dev`: the bootstrap, then every `dev-<system>` stack).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
from pathlib import Path

import pytest

from tests.conftest import require_tool, terraform_available
from tests.integration._support import processes_with, tree_digest

REGION = "us-east-1"


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


@pytest.fixture(scope="session")
def cli_apply(synth_before, root_state_before, emulator, synth_dir: Path,
              workroot: Path) -> tuple[int, str]:
    """`python -m modules.local_aws apply --env dev --endpoint ... --skip-synth`, in-process:
    `state-backend` (its state in the work copy), then every `dev-<system>` stack."""
    from modules.local_aws.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["apply", "--env", "dev", "--endpoint", emulator.endpoint, "--skip-synth",
                     "--outdir", str(synth_dir), "--workroot", str(workroot)])
    assert code == 0, f"local apply failed:\n{err.getvalue()[-4000:]}"
    return code, out.getvalue()
