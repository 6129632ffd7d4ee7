"""modules/lambda_package.py: complete, deterministic, cached Lambda zips.

The functions packaged are the action groups of the scheduling system's agent table
(systems/scheduling/agents.toml), built from its source root lambda/scheduling/; one test adds a
function folder to a temporary copy of that root.
"""

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
from typing import Any

import pytest

from modules import lambda_package as lp
from systems.scheduling.catalog import load_agent_table

SYSTEM = "scheduling"
ROOT = lp.source_root(SYSTEM)
ACTION_GROUPS = load_agent_table().action_groups

# One valid mock-mode call per known function, and what its answer must contain. A function not
# listed here is smoke-tested with an unknown route, which the shared plumbing answers with 404.
SMOKE = {
    "scheduling": ("/projects", {}, 200, lambda body: len(body["projects"]) == 3),
    "information": ("/business-hours", {}, 200, lambda body: len(body["days"]) == 7),
    "notes": ("/projects/{project_id}/notes", {"project_id": "PRJ-1002"}, 200, lambda body: body["total"] == 1),
}
UNKNOWN_ROUTE = ("/no-such-operation", {}, 404, lambda body: body["statusCode"] == 404)

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

# A newcomer's function folder: a handler on the shared package plus a module of its own (a
# name no real action group will take).
EXTRA = "zz_test_fixture_group"
EXTRA_FILES = {
    "handler.py": '''"""Opening hours action group (a test fixture)."""

from hours_text import OPENING_HOURS
from pf_actions.bedrock import create_app, make_lambda_handler

API_TITLE = "PF Opening Hours Actions"
API_DESCRIPTION = "Tell the customer when the showroom is open."

app = create_app()


@app.get("/opening-hours", operation_id="getOpeningHours", summary="Opening hours",
         description="Get the opening hours of the showroom for each day of the week.")
def get_opening_hours() -> dict[str, str]:
    return {"hours": OPENING_HOURS}


lambda_handler = make_lambda_handler(app)
''',
    "hours_text.py": 'OPENING_HOURS = "Monday to Saturday, 9 AM to 6 PM"\n',
}


def build_all(root: Path, build_dir: Path, groups: tuple[str, ...] = ACTION_GROUPS) -> dict[str, lp.FunctionPackage]:
    return {name: lp.build_function_package(name, root, build_dir=build_dir) for name in groups}


def copy_root(destination: Path) -> Path:
    """A copy of lambda/scheduling/ (same folder name, so the same zip names)."""
    root = destination / SYSTEM
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture(scope="session")
def build_dir() -> Path:
    return lp.resolve_build_dir()


@pytest.fixture(scope="session")
def packages(build_dir: Path) -> dict[str, lp.FunctionPackage]:
    return build_all(ROOT, build_dir)


@pytest.fixture(scope="session")
def deps_dir(build_dir: Path, packages: dict[str, lp.FunctionPackage]) -> Path:
    return lp.vendor_dependencies(ROOT / "requirements.txt", build_dir)


@pytest.fixture
def fresh_build_dir(tmp_path: Path, deps_dir: Path) -> Path:
    """An empty build dir that shares the vendored dependencies (pip is not what is tested)."""
    out = tmp_path / "build"
    out.mkdir()
    (out / deps_dir.name).symlink_to(deps_dir, target_is_directory=True)
    return out


def sha256_b64(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def run_isolated(package: lp.FunctionPackage, folder: Path, path: str, params: dict[str, str]) -> dict[str, Any]:
    """Unzip the package into `folder`, call its handler in `python -I -S` with a GET event."""
    with zipfile.ZipFile(package.zip_path) as archive:
        archive.extractall(folder)
    event = {
        "messageVersion": "1.0",
        "actionGroup": f"{package.name}-actions",
        "apiPath": path,
        "httpMethod": "GET",
        "parameters": [{"name": k, "type": "string", "value": v} for k, v in params.items()],
        "sessionAttributes": {"customer_id": "CUST001"},
        "promptSessionAttributes": {},
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_SCRIPT, str(folder), json.dumps(event)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={"USE_MOCK_API": "true", "POWERTOOLS_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout.strip().splitlines()[-1])
    response = output["response"]
    assert response["messageVersion"] == "1.0"
    assert response["response"]["apiPath"] == path
    assert output["loaded"] == []  # boto3 is only imported on the Secrets Manager path
    return response


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["response"]["responseBody"]["application/json"]["body"])


def test_one_package_per_action_group_of_the_table(packages: dict[str, lp.FunctionPackage]) -> None:
    assert ACTION_GROUPS and tuple(packages) == ACTION_GROUPS
    for name, package in packages.items():
        assert package.name == name
        assert package.zip_path.is_absolute() and package.zip_path.is_file()
        assert package.zip_path.name == f"{SYSTEM}-{name}.zip"
        assert package.sha256_b64 == sha256_b64(package.zip_path)
        assert package.schema_key == lp.schema_key(name) == f"{name}_actions.json"
        assert package.schema_path == ROOT / "schemas" / package.schema_key
        assert package.schema_path.is_file()
    assert len({p.sha256_b64 for p in packages.values()}) == len(ACTION_GROUPS)


@pytest.mark.parametrize("name", ACTION_GROUPS)
def test_zip_layout_is_deterministic(packages: dict[str, lp.FunctionPackage], name: str) -> None:
    with zipfile.ZipFile(packages[name].zip_path) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert (ROOT / name / "handler.py").read_bytes() == archive.read("handler.py")
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
    not_at_root = {"bin", "boto3", "botocore", "shared", "schemas", "generate_schemas.py", "requirements.txt",
                   *ACTION_GROUPS}
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
        assert info.external_attr >> 16 == 0o100644, info.filename
        assert info.compress_type == zipfile.ZIP_STORED
        parts = info.filename.split("/")
        assert "__pycache__" not in parts and not info.filename.endswith(".pyc")
        assert not (parts[0].endswith(".dist-info") and parts[-1] in {"RECORD", "INSTALLER", "REQUESTED"})
        assert parts[0] not in not_at_root, info.filename


def test_a_second_build_is_byte_identical(packages: dict[str, lp.FunctionPackage], fresh_build_dir: Path) -> None:
    again = build_all(ROOT, fresh_build_dir)
    for name, package in packages.items():
        assert again[name].zip_path != package.zip_path
        assert again[name].sha256_b64 == package.sha256_b64
        assert again[name].zip_path.read_bytes() == package.zip_path.read_bytes()


def test_an_up_to_date_package_is_reused_quickly(
    packages: dict[str, lp.FunctionPackage], build_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = {name: p.zip_path.stat().st_mtime_ns for name, p in packages.items()}
    started = time.perf_counter()
    again = build_all(ROOT, build_dir)
    assert time.perf_counter() - started < 1.0
    assert {name: p.zip_path.stat().st_mtime_ns for name, p in again.items()} == before
    assert again == packages
    assert capfd.readouterr().err == ""  # no progress line: nothing was rebuilt


def test_a_changed_source_changes_only_its_packages(
    packages: dict[str, lp.FunctionPackage], fresh_build_dir: Path, tmp_path: Path
) -> None:
    root = copy_root(tmp_path)
    edited, *others = reversed(ACTION_GROUPS)
    handler = root / edited / "handler.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")

    changed = build_all(root, fresh_build_dir)
    assert changed[edited].sha256_b64 != packages[edited].sha256_b64
    for name in others:
        assert changed[name].sha256_b64 == packages[name].sha256_b64

    shared = root / "shared" / "pf_actions" / "mock_data.py"
    shared.write_text(shared.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    rebuilt = build_all(root, fresh_build_dir)
    for name in ACTION_GROUPS:
        assert rebuilt[name].sha256_b64 not in (changed[name].sha256_b64, packages[name].sha256_b64)


@pytest.mark.parametrize("name", ACTION_GROUPS)
def test_the_unzipped_package_runs_in_an_isolated_interpreter(
    packages: dict[str, lp.FunctionPackage], name: str, tmp_path: Path
) -> None:
    path, params, status, check = SMOKE.get(name, UNKNOWN_ROUTE)
    response = run_isolated(packages[name], tmp_path, path, params)
    assert response["response"]["httpStatusCode"] == status
    assert check(body_of(response))


def test_a_new_function_folder_is_packaged_like_the_others(
    packages: dict[str, lp.FunctionPackage], fresh_build_dir: Path, tmp_path: Path
) -> None:
    root = copy_root(tmp_path / "src")
    (root / EXTRA).mkdir()
    for filename, text in EXTRA_FILES.items():
        (root / EXTRA / filename).write_text(text, encoding="utf-8")
    (root / "schemas" / lp.schema_key(EXTRA)).write_text('{"openapi": "3.0.3"}\n', encoding="utf-8")

    package = lp.build_function_package(EXTRA, root, build_dir=fresh_build_dir)
    assert package.zip_path == fresh_build_dir.resolve() / f"{SYSTEM}-{EXTRA}.zip"
    assert package.schema_path == root.resolve() / "schemas" / f"{EXTRA}_actions.json"
    with zipfile.ZipFile(package.zip_path) as archive:
        names = set(archive.namelist())
    assert {"handler.py", "hours_text.py", "pf_actions/bedrock.py", "pydantic/__init__.py"} <= names
    # The other functions' files are not in it, and theirs are unchanged by the new folder.
    assert not names & {f"{name}/handler.py" for name in ACTION_GROUPS}
    assert build_all(root, fresh_build_dir) == {
        name: lp.FunctionPackage(name, fresh_build_dir.resolve() / p.zip_path.name, p.sha256_b64,
                                 root.resolve() / "schemas" / p.schema_key, p.asset_hash)
        for name, p in packages.items()
    }

    response = run_isolated(package, tmp_path / "unzipped", "/opening-hours", {})
    assert response["response"]["httpStatusCode"] == 200
    assert body_of(response) == {"hours": "Monday to Saturday, 9 AM to 6 PM"}

    # A function without an action group needs no schema.
    (root / "schemas" / lp.schema_key(EXTRA)).unlink()
    plain = lp.build_function_package(EXTRA, root, build_dir=fresh_build_dir, action_group=False)
    assert plain.schema_path is None and plain.sha256_b64 == package.sha256_b64


def test_asset_hash_is_the_one_cdktf_computes(tmp_path: Path) -> None:
    """The MD5 given to TerraformAsset must be the hash CDKTF would compute, or the asset's
    folder in the synthesized stack (assets/<id>/<hash>/) would change."""
    from cdktf import App, AssetType, TerraformAsset, TerraformStack

    data = b"PK\x05\x06" + bytes(18) + b"any zip bytes"
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    stack = TerraformStack(App(outdir=str(tmp_path / "out")), "asset-hash")
    computed = TerraformAsset(stack, "computed", path=str(path), type=AssetType.FILE)
    assert computed.asset_hash == lp.terraform_asset_hash(data)


def test_a_reused_zip_keeps_its_asset_hash(fresh_build_dir: Path) -> None:
    first = lp.build_function_package("notes", lp.source_root(SYSTEM), build_dir=fresh_build_dir)
    again = lp.build_function_package("notes", lp.source_root(SYSTEM), build_dir=fresh_build_dir)
    assert again.asset_hash == first.asset_hash == lp.terraform_asset_hash(
        first.zip_path.read_bytes())
    # A build folder from before the MD5 was kept gets it, and the same zip.
    (fresh_build_dir / f"{SYSTEM}-notes.zip.md5").unlink()
    rebuilt = lp.build_function_package("notes", lp.source_root(SYSTEM), build_dir=fresh_build_dir)
    assert rebuilt.asset_hash == first.asset_hash and rebuilt.sha256_b64 == first.sha256_b64


def test_requirements_pin_exactly_what_is_vendored(deps_dir: Path) -> None:
    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    pins = {
        canonical(line.split("==")[0]): line.split("==")[1]
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    vendored = {}
    for dist_info in deps_dir.glob("*.dist-info"):
        name, version = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)
        vendored[canonical(name)] = version
    assert vendored == pins  # no unpinned transitive dependency, nothing extra
    assert "boto3" not in vendored and "botocore" not in vendored


def test_pip_failure_is_reported_with_the_command(tmp_path: Path) -> None:
    root = copy_root(tmp_path)
    (root / "requirements.txt").write_text("this is not a requirement ==\n", encoding="utf-8")
    with pytest.raises(lp.LambdaPackageError) as caught:
        lp.build_function_package(ACTION_GROUPS[0], root, build_dir=tmp_path / "build")
    message = str(caught.value)
    assert "pip could not vendor" in message and "--only-binary=:all:" in message and "requirements.txt" in message
    assert not list((tmp_path / "build").glob("deps-*"))  # no half-installed cache left behind


def test_a_missing_handler_is_an_error_naming_the_folder_to_create(tmp_path: Path) -> None:
    with pytest.raises(lp.LambdaPackageError) as caught:
        lp.build_function_package("billing", ROOT, build_dir=tmp_path)
    assert str(caught.value) == (
        "lambda/scheduling/billing/handler.py is missing: every function named in the system's tables "
        "needs a folder lambda/scheduling/billing/ with a handler.py")
    assert not list(tmp_path.iterdir())  # nothing was built or vendored


def test_a_missing_schema_is_an_error_naming_the_command_that_generates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A repository whose lambda/scheduling/ lacks one generated schema.
    repo = tmp_path.resolve() / "repo"
    root = copy_root(repo / "lambda")
    name = ACTION_GROUPS[-1]
    (root / "schemas" / lp.schema_key(name)).unlink()
    monkeypatch.setattr(lp, "REPO_ROOT", repo)
    with pytest.raises(lp.LambdaPackageError) as caught:
        lp.build_function_package(name, root, build_dir=tmp_path / "build")
    assert str(caught.value) == (
        f"lambda/scheduling/schemas/{name}_actions.json is missing; "
        "run: python lambda/scheduling/generate_schemas.py")
    assert not (tmp_path / "build").exists() or not list((tmp_path / "build").iterdir())


def test_build_dir_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(lp.BUILD_DIR_ENV, str(tmp_path / "custom"))
    assert lp.resolve_build_dir() == (tmp_path / "custom").resolve()
    assert lp.resolve_build_dir(tmp_path / "explicit") == (tmp_path / "explicit").resolve()
    monkeypatch.delenv(lp.BUILD_DIR_ENV)
    assert lp.resolve_build_dir() == lp.DEFAULT_BUILD_DIR.resolve()
