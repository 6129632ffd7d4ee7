"""modules/lambda_package.py: complete, deterministic, cached Lambda zips."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from modules import lambda_package as lp

LAMBDA_ROOT = Path(__file__).resolve().parents[1] / "lambda"

# One valid mock-mode event per function, and what its answer must contain.
SMOKE = {
    "scheduling": ("/projects", {}, lambda body: len(body["projects"]) == 3),
    "information": ("/business-hours", {}, lambda body: len(body["days"]) == 7),
    "notes": ("/projects/{project_id}/notes", {"project_id": "PRJ-1002"}, lambda body: body["total"] == 1),
}

# Runs inside `python -I -S`: no site-packages, no PYTHON* variables, only the unzipped package.
IMPORT_SCRIPT = r"""
import importlib.util, json, sys
package_dir, event = sys.argv[1], json.loads(sys.argv[2])
assert sys.flags.isolated and sys.flags.no_site
sys.path.insert(0, package_dir)
assert importlib.util.find_spec("boto3") is None, "the test interpreter must not see boto3"
import handler
response = handler.lambda_handler(event, None)
import pf_actions.pf360_api  # PF360 mode's HTTP stack (urllib3) must be vendored too
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))
print(json.dumps({"response": response, "loaded": loaded}))
"""


@pytest.fixture(scope="session")
def build_dir() -> Path:
    return lp.resolve_build_dir()


@pytest.fixture(scope="session")
def packages(build_dir: Path) -> dict[str, lp.FunctionPackage]:
    return lp.build_all(build_dir)


@pytest.fixture(scope="session")
def deps_dir(build_dir: Path, packages: dict[str, lp.FunctionPackage]) -> Path:
    return lp.vendor_dependencies(LAMBDA_ROOT / "requirements.txt", build_dir)


@pytest.fixture
def fresh_build_dir(tmp_path: Path, deps_dir: Path) -> Path:
    """An empty build dir that shares the vendored dependencies (pip is not what is tested)."""
    out = tmp_path / "build"
    out.mkdir()
    (out / deps_dir.name).symlink_to(deps_dir, target_is_directory=True)
    return out


def sha256_b64(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_one_package_per_function(packages: dict[str, lp.FunctionPackage]) -> None:
    assert tuple(packages) == lp.FUNCTIONS == ("scheduling", "information", "notes")
    for name, package in packages.items():
        assert package.name == name
        assert package.zip_path.is_absolute() and package.zip_path.is_file()
        assert package.sha256_b64 == sha256_b64(package.zip_path)
        assert package.schema_path == LAMBDA_ROOT / "schemas" / f"{name}_actions.json"
    assert len({p.sha256_b64 for p in packages.values()}) == 3


@pytest.mark.parametrize("name", lp.FUNCTIONS)
def test_zip_layout_is_deterministic(packages: dict[str, lp.FunctionPackage], name: str) -> None:
    with zipfile.ZipFile(packages[name].zip_path) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert (LAMBDA_ROOT / name / "handler.py").read_bytes() == archive.read("handler.py")
    assert names == sorted(names) and len(names) == len(set(names))
    for required in (
        "handler.py",
        "pf_actions/__init__.py",
        "pf_actions/mock_data.py",
        "aws_lambda_powertools/__init__.py",
        "pydantic/__init__.py",
        "urllib3/__init__.py",
    ):
        assert required in names
    assert any(re.fullmatch(r"pydantic_core/_pydantic_core\.cpython-311-x86_64-linux-gnu\.so", n) for n in names)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
        assert info.external_attr >> 16 == 0o100644, info.filename
        assert info.compress_type == zipfile.ZIP_STORED
        parts = info.filename.split("/")
        assert "__pycache__" not in parts and not info.filename.endswith(".pyc")
        assert not (parts[0].endswith(".dist-info") and parts[-1] in {"RECORD", "INSTALLER", "REQUESTED"})
        assert parts[0] not in {"bin", "boto3", "botocore", "scheduling", "information", "notes", "shared"}


def test_a_second_build_is_byte_identical(packages: dict[str, lp.FunctionPackage], fresh_build_dir: Path) -> None:
    again = lp.build_all(fresh_build_dir)
    for name, package in packages.items():
        assert again[name].zip_path != package.zip_path
        assert again[name].sha256_b64 == package.sha256_b64
        assert again[name].zip_path.read_bytes() == package.zip_path.read_bytes()


def test_an_up_to_date_package_is_reused_quickly(
    packages: dict[str, lp.FunctionPackage], build_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = {name: p.zip_path.stat().st_mtime_ns for name, p in packages.items()}
    started = time.perf_counter()
    again = lp.build_all(build_dir)
    assert time.perf_counter() - started < 1.0
    assert {name: p.zip_path.stat().st_mtime_ns for name, p in again.items()} == before
    assert again == packages
    assert capfd.readouterr().err == ""  # no progress line: nothing was rebuilt


def test_a_changed_source_changes_only_its_packages(
    packages: dict[str, lp.FunctionPackage], fresh_build_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "lambda"
    shutil.copytree(LAMBDA_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    handler = root / "notes" / "handler.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")

    changed = lp.build_all(fresh_build_dir, lambda_root=root)
    assert changed["notes"].sha256_b64 != packages["notes"].sha256_b64
    assert changed["scheduling"].sha256_b64 == packages["scheduling"].sha256_b64
    assert changed["information"].sha256_b64 == packages["information"].sha256_b64

    shared = root / "shared" / "pf_actions" / "mock_data.py"
    shared.write_text(shared.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    rebuilt = lp.build_all(fresh_build_dir, lambda_root=root)
    for name in lp.FUNCTIONS:
        assert rebuilt[name].sha256_b64 not in (changed[name].sha256_b64, packages[name].sha256_b64)


@pytest.mark.parametrize("name", lp.FUNCTIONS)
def test_the_unzipped_package_runs_in_an_isolated_interpreter(
    packages: dict[str, lp.FunctionPackage], name: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(packages[name].zip_path) as archive:
        archive.extractall(tmp_path)
    path, params, check = SMOKE[name]
    event = {
        "messageVersion": "1.0",
        "actionGroup": f"{name}-actions",
        "apiPath": path,
        "httpMethod": "GET",
        "parameters": [{"name": k, "type": "string", "value": v} for k, v in params.items()],
        "sessionAttributes": {"customer_id": "CUST001"},
        "promptSessionAttributes": {},
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_SCRIPT, str(tmp_path), json.dumps(event)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"USE_MOCK_API": "true", "POWERTOOLS_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout.strip().splitlines()[-1])
    response = output["response"]
    assert response["messageVersion"] == "1.0"
    assert response["response"]["httpStatusCode"] == 200
    assert response["response"]["apiPath"] == path
    assert check(json.loads(response["response"]["responseBody"]["application/json"]["body"]))
    assert output["loaded"] == []  # boto3 is only imported on the Secrets Manager path


def test_requirements_pin_exactly_what_is_vendored(deps_dir: Path) -> None:
    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    pins = {
        canonical(line.split("==")[0]): line.split("==")[1]
        for line in (LAMBDA_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    vendored = {}
    for dist_info in deps_dir.glob("*.dist-info"):
        name, version = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)
        vendored[canonical(name)] = version
    assert vendored == pins  # no unpinned transitive dependency, nothing extra
    assert "boto3" not in vendored and "botocore" not in vendored


def test_pip_failure_is_reported_with_the_command(tmp_path: Path) -> None:
    root = tmp_path / "lambda"
    shutil.copytree(LAMBDA_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "requirements.txt").write_text("this is not a requirement ==\n", encoding="utf-8")
    with pytest.raises(lp.LambdaPackageError) as caught:
        lp.build_function_package("notes", build_dir=tmp_path / "build", lambda_root=root)
    message = str(caught.value)
    assert "pip could not vendor" in message and "--only-binary=:all:" in message and "requirements.txt" in message
    assert not list((tmp_path / "build").glob("deps-*"))  # no half-installed cache left behind


def test_unknown_function_and_missing_schema_are_errors(tmp_path: Path) -> None:
    with pytest.raises(lp.LambdaPackageError, match="unknown Lambda function"):
        lp.build_function_package("billing", build_dir=tmp_path)
    root = tmp_path / "lambda"
    shutil.copytree(LAMBDA_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "schemas" / "notes_actions.json").unlink()
    with pytest.raises(lp.LambdaPackageError, match="generate_schemas"):
        lp.build_function_package("notes", build_dir=tmp_path, lambda_root=root)


def test_build_dir_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(lp.BUILD_DIR_ENV, str(tmp_path / "custom"))
    assert lp.resolve_build_dir() == (tmp_path / "custom").resolve()
    assert lp.resolve_build_dir(tmp_path / "explicit") == (tmp_path / "explicit").resolve()
    monkeypatch.delenv(lp.BUILD_DIR_ENV)
    assert lp.resolve_build_dir() == lp.DEFAULT_BUILD_DIR.resolve()
