"""The committed OpenAPI schemas: generated from the code, valid, and usable by Bedrock; and the
generator script itself (its action groups come from the agent table only)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openapi_spec_validator import validate

from modules import lambda_package
from systems.scheduling.catalog import load_agent_table

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "lambda" / "scheduling" / "generate_schemas.py"
AGENT_TABLE = REPO_ROOT / "systems" / "scheduling" / "agents.toml"
HTTP_METHODS = {"get", "post", "put", "delete", "patch"}
# Bedrock: at most 11 APIs per agent by default, descriptions up to 1200 characters.
MAX_OPERATIONS = 10
MAX_DESCRIPTION = 1200
READABLE_OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)+$")

# A newcomer's action group: a row in the table, a handler built on the shared package. (Names
# no real row will take, so that the tests keep passing when the table grows.)
EXTRA_GROUP = "zz_test_fixture_group"
EXTRA_ROW = f"""
[[collaborator]]
key = "zztestfixture"
description = "Tells the customer when the showroom is open."
instruction_template = "hours.j2"
action_group = "{EXTRA_GROUP}"
collaboration_instruction = "Route here when the customer asks when the showroom is open."
"""
EXTRA_HANDLER = '''"""Opening hours action group (a test fixture)."""

from pf_actions import schedule_rules as rules
from pf_actions.bedrock import create_app, make_lambda_handler
from pf_actions.models import BusinessHours

API_TITLE = "PF Opening Hours Actions"
API_DESCRIPTION = "Tell the customer when the showroom is open."

app = create_app()


@app.get(
    "/opening-hours",
    operation_id="getOpeningHours",
    summary="Showroom opening hours",
    description="Get the opening hours of the showroom for each day of the week, in local time.",
)
def get_opening_hours() -> BusinessHours:
    return rules.business_hours()


lambda_handler = make_lambda_handler(app)
'''


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found += walk(value)
    elif isinstance(node, list):
        for value in node:
            found += walk(value)
    return found


def run_script(*args: str | Path, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], check=False, capture_output=True, text=True, timeout=120,
        cwd=cwd,
    )


def test_action_groups_are_the_agent_tables(generator: ModuleType, action_groups: tuple[str, ...]) -> None:
    """The script reads the table with tomllib alone; it must agree with the validated catalog."""
    assert generator.AGENT_TABLE == AGENT_TABLE
    assert action_groups == generator.action_groups() == load_agent_table(AGENT_TABLE).action_groups
    assert action_groups  # the scheduling system has action groups at all


def test_schema_file_names_follow_lambda_package(generator: ModuleType, action_groups: tuple[str, ...]) -> None:
    """modules/lambda_package.schema_key is the convention; the standalone script repeats it."""
    for name in (*action_groups, EXTRA_GROUP, "x"):
        assert generator.schema_key(name) == lambda_package.schema_key(name)
        schemas = lambda_package.source_root("scheduling") / "schemas"
        assert generator.schema_path(name) == schemas / lambda_package.schema_key(name)


def test_committed_schema_is_what_the_code_generates(action_group: str, generator: ModuleType) -> None:
    committed = generator.schema_path(action_group).read_text(encoding="utf-8")
    assert committed == generator.render(generator.build_schema(action_group)), (
        f"{action_group}: run python lambda/scheduling/generate_schemas.py")


def test_stale_and_orphan_schemas_are_found_and_fixed(
    generator: ModuleType, action_groups: tuple[str, ...], tmp_path: Path
) -> None:
    for name in action_groups:
        shutil.copy(generator.schema_path(name), tmp_path)
    assert generator.stale_schemas(tmp_path) == []

    changed = tmp_path / generator.schema_key(action_groups[0])
    schema = json.loads(changed.read_text(encoding="utf-8"))
    schema["info"]["title"] += " (edited by hand)"
    changed.write_text(generator.render(schema), encoding="utf-8")
    orphan = tmp_path / generator.schema_key("retired")
    orphan.write_text("{}\n", encoding="utf-8")
    assert generator.stale_schemas(tmp_path) == [changed, orphan]

    assert generator.write_schemas(tmp_path) == [changed, orphan]
    assert not orphan.exists()
    assert changed.read_text(encoding="utf-8") == generator.schema_path(action_groups[0]).read_text(encoding="utf-8")
    assert generator.stale_schemas(tmp_path) == []


def test_check_command_passes_on_the_repository(tmp_path: Path) -> None:
    result = run_script("--check", cwd=tmp_path)  # from any working directory
    assert result.returncode == 0, result.stderr


@pytest.fixture
def sources_copy(tmp_path: Path) -> tuple[Path, Path]:
    """(source root, agent table): copies of the repository's, plus the newcomer's action group."""
    root = tmp_path / "scheduling"
    shutil.copytree(SCRIPT.parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / EXTRA_GROUP).mkdir()
    (root / EXTRA_GROUP / "handler.py").write_text(EXTRA_HANDLER, encoding="utf-8")
    table = tmp_path / "agents.toml"
    table.write_text(AGENT_TABLE.read_text(encoding="utf-8") + EXTRA_ROW, encoding="utf-8")
    return root, table


def test_check_command_exit_code_follows_the_committed_schemas(sources_copy: tuple[Path, Path]) -> None:
    """--check exits 1 whenever a schema is missing, differs, or belongs to no action group, and 0
    once the script has written them; the new row alone makes it generate the new schema."""
    root, table = sources_copy
    where = ("--root", root, "--table", table)
    extra = root / "schemas" / lambda_package.schema_key(EXTRA_GROUP)

    missing = run_script("--check", *where)
    assert missing.returncode == 1, missing.stderr
    assert f"out of date: {extra}" in missing.stderr
    assert f"--root {root}" in missing.stderr and f"--table {table}" in missing.stderr  # the fix, ready to paste

    written = run_script(*where)
    assert written.returncode == 0, written.stderr
    assert written.stdout == f"wrote {extra}\n"  # the committed schemas were already up to date
    assert json.loads(extra.read_text(encoding="utf-8"))["info"]["title"] == "PF Opening Hours Actions"
    assert run_script("--check", *where).returncode == 0

    committed = root / "schemas" / lambda_package.schema_key(load_agent_table(AGENT_TABLE).action_groups[0])
    committed.write_text(committed.read_text(encoding="utf-8").replace('"summary"', '"Summary"', 1), encoding="utf-8")
    orphan = root / "schemas" / lambda_package.schema_key("retired")
    shutil.copy(extra, orphan)
    stale = run_script("--check", *where)
    assert stale.returncode == 1
    assert f"out of date: {committed}" in stale.stderr and f"out of date: {extra}" not in stale.stderr
    assert f"not an action group of {table}: {orphan}" in stale.stderr

    assert run_script(*where).returncode == 0 and not orphan.exists()
    assert run_script("--check", *where).returncode == 0


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("no handler", f"{EXTRA_GROUP}/handler.py is missing: action group {EXTRA_GROUP!r} of the agent table"),
        ("no API_DESCRIPTION", "must define API_DESCRIPTION"),
        ("bad table", "is not valid TOML"),
    ],
)
def test_unusable_sources_are_errors_naming_the_file(
    sources_copy: tuple[Path, Path], breakage: str, expected: str
) -> None:
    root, table = sources_copy
    handler = root / EXTRA_GROUP / "handler.py"
    if breakage == "no handler":
        handler.unlink()
    elif breakage == "no API_DESCRIPTION":
        handler.write_text(re.sub(r"(?m)^API_DESCRIPTION = .*$", "", EXTRA_HANDLER), encoding="utf-8")
    else:
        table.write_text(table.read_text(encoding="utf-8") + "\n[[collaborator]\n", encoding="utf-8")
    for args in (("--check",), ()):
        result = run_script(*args, "--root", root, "--table", table)
        assert result.returncode == 2
        assert result.stderr.startswith("error: ") and expected in result.stderr
        assert "Traceback" not in result.stderr


def test_the_table_is_parsed_like_the_catalog_does(tmp_path: Path, generator: ModuleType) -> None:
    table = tmp_path / "agents.toml"
    table.write_text(AGENT_TABLE.read_text(encoding="utf-8") + EXTRA_ROW, encoding="utf-8")
    rows = tomllib.loads(table.read_text(encoding="utf-8"))["collaborator"]
    expected = tuple(row["action_group"] for row in rows if "action_group" in row)
    assert generator.action_groups(table) == expected == load_agent_table(table).action_groups
    assert expected[-1] == EXTRA_GROUP


def test_schema_is_valid_openapi_30(action_group: str, schemas: dict[str, dict[str, Any]]) -> None:
    schema = schemas[action_group]
    assert schema["openapi"].startswith("3.0.")
    validate(schema)


def test_schema_is_self_contained(action_group: str, schemas: dict[str, dict[str, Any]]) -> None:
    schema = schemas[action_group]
    assert "components" not in schema
    assert not [node for node in walk(schema) if isinstance(node, dict) and ("$ref" in node or "anyOf" in node)]


def test_every_operation_is_described_for_the_agent(action_group: str, schemas: dict[str, dict[str, Any]]) -> None:
    ops = operations(schemas[action_group])
    assert 1 <= len(ops) <= MAX_OPERATIONS
    ids = [op["operationId"] for _, _, op in ops]
    assert len(set(ids)) == len(ids)
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        assert READABLE_OPERATION_ID.match(op["operationId"]), where
        assert 40 <= len(op["description"]) <= MAX_DESCRIPTION, where
        assert op.get("summary") and not op["summary"].startswith(method.upper()), where
        assert "422" not in op["responses"] and "200" in op["responses"], where
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), f"{where} {parameter['name']}"
            assert parameter["in"] in ("path", "query"), where
        body = op.get("requestBody")
        if body:
            body_schema = body["content"]["application/json"]["schema"]
            assert body_schema["type"] == "object", where
            for prop, spec in body_schema["properties"].items():
                assert spec.get("description"), f"{where} body.{prop}"
        # Path templates must name only declared path parameters.
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert set(re.findall(r"{(\w+)}", path)) == declared, where


def test_all_descriptions_respect_the_bedrock_limit(schemas: dict[str, dict[str, Any]]) -> None:
    for schema in schemas.values():
        for node in walk(schema):
            if isinstance(node, dict) and isinstance(node.get("description"), str):
                assert len(node["description"]) <= MAX_DESCRIPTION


def test_schemas_are_plain_json_files(action_group: str, generator: ModuleType) -> None:
    text = generator.schema_path(action_group).read_text(encoding="utf-8")
    assert text.endswith("\n") and json.loads(text)["info"]["title"]
