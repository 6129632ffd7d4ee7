"""The Phase 2 functions import and run from their package layout alone.

Each function folder is laid out as modules/lambda_package.py zips it (collect_entries: the
folder's files at the root, shared/ and the vendored requirements beside them) and its handler
is called in `python -I -S`: no site-packages, so no boto3 or X-Ray SDK (the runtime provides
boto3; the zips do not vendor it). Without Phase 2 settings each handler must answer without
importing boto3. The action groups get the same check in tests/modules/test_lambda_package.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modules import lambda_package as lp

ROOT = lp.source_root("scheduling")

SCRIPT = r"""
import importlib.util, json, sys
folder, event = sys.argv[1], json.loads(sys.argv[2])
assert sys.flags.isolated and sys.flags.no_site
sys.path.insert(0, folder)
assert importlib.util.find_spec("boto3") is None, "the test interpreter must not see boto3"
import handler
response = handler.lambda_handler(event, None)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "aws_xray_sdk"))
print(json.dumps({"response": response, "loaded": loaded}))
"""

# One call per function that needs no AWS, and what its answer must show.
SMOKE: dict[str, tuple[Any, Any]] = {
    "chat_api": (
        {"httpMethod": "GET", "path": "/health", "resource": "/health", "requestContext": {"stage": "dev"}},
        lambda r: r["statusCode"] == 200 and json.loads(r["body"]) == {"status": "ok"},
    ),
    # Without their tables the scheduled functions report an error (or skip), never raise.
    "cleanup_sessions": ({"source": "aws.events"}, lambda r: r["status"] == "error"),
    "refresh_cache": ({"source": "aws.events"}, lambda r: r["status"] == "skipped"),
    "daily_metrics": ({"source": "aws.events"}, lambda r: r["status"] == "error"),
    # Phase 3 consumers: an empty batch has no failures; a workflow step validates its input.
    "async_tasks": ({"Records": []}, lambda r: r == {"batchItemFailures": []}),
    "appointment_notifications": ({"Records": []}, lambda r: r == {"batchItemFailures": []}),
    "workflow_tasks": ({"task": "validate_customer", "input": {"customer_id": "C1", "client_id": "K1"}},
                       lambda r: r["session_id"] == "onboarding-C1"),
    "events_consumer": ({"Records": []}, lambda r: r == {"batchItemFailures": []}),
    # Phase 3 user-pool triggers: an operator-created user needs no table; a password reset
    # changes nothing.
    "cognito_pre_signup": ({"triggerSource": "PreSignUp_AdminCreateUser", "request": {"userAttributes": {
        "email": "ana@example.com", "custom:customer_id": "CUST001", "custom:client_id": "09PF05VD"}}},
        lambda r: r["response"]["autoConfirmUser"] is False),
    "cognito_post_confirmation": ({"triggerSource": "PostConfirmation_ConfirmForgotPassword", "request": {}},
                                  lambda r: r["triggerSource"] == "PostConfirmation_ConfirmForgotPassword"),
}


@pytest.fixture(scope="session")
def runs(phase2_functions: tuple[str, ...], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Lay out every function and run them all at once (each in its own isolated interpreter)."""
    deps = lp.vendor_dependencies(ROOT / "requirements.txt", lp.resolve_build_dir())
    processes = {}
    for name in phase2_functions:
        folder = tmp_path_factory.mktemp(name)
        for arcname, source in lp.collect_entries(ROOT / name, ROOT / "shared", deps).items():
            target = folder / arcname
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source, target)
        event, _ = SMOKE[name]
        processes[name] = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", SCRIPT, str(folder), json.dumps(event)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=folder,
            env={"POWERTOOLS_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"},
        )
    results = {}
    for name, process in processes.items():
        out, err = process.communicate(timeout=120)
        results[name] = (process.returncode, out, err)
    return results


def test_every_function_folder_is_known(phase2_functions: tuple[str, ...], action_groups: tuple[str, ...]) -> None:
    """A new function folder must join PHASE2_FUNCTIONS (tests/lambda/conftest.py) or the agent table."""
    folders = {path.parent.name for path in ROOT.glob("*/handler.py")}
    assert folders == set(phase2_functions) | set(action_groups)
    assert not (set(phase2_functions) & set(action_groups))
    assert not [p for p in (ROOT / "schemas").glob("*.json") if p.stem.removesuffix("_actions") in phase2_functions]


def test_the_package_layout_runs_in_an_isolated_interpreter(function_folder: str, runs: dict[str, Any]) -> None:
    returncode, out, err = runs[function_folder]
    assert returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    _, check = SMOKE[function_folder]
    assert check(result["response"]), result["response"]
    assert result["loaded"] == []  # no boto3 without Phase 2 settings, no X-Ray SDK outside Lambda


def test_the_layout_is_the_zip_layout(function_folder: str) -> None:
    deps = lp.vendor_dependencies(ROOT / "requirements.txt", lp.resolve_build_dir())
    entries = lp.collect_entries(ROOT / function_folder, ROOT / "shared", deps)
    assert "handler.py" in entries and "pf_actions/metrics.py" in entries
    assert "aws_lambda_powertools/__init__.py" in entries
    assert not any(name.startswith(("boto3/", "botocore/")) for name in entries)
    own = {name for name, source in entries.items() if Path(source).is_relative_to(ROOT / function_folder)}
    assert own == {path.name for path in (ROOT / function_folder).glob("*.py")}
