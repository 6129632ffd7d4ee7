"""The committed OpenAPI schemas: generated from the code, valid, and usable by Bedrock."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openapi_spec_validator import validate

FUNCTIONS = ("scheduling", "information", "notes")
HTTP_METHODS = {"get", "post", "put", "delete", "patch"}
# Bedrock: at most 11 APIs per agent by default, descriptions up to 1200 characters.
MAX_OPERATIONS = 10
MAX_DESCRIPTION = 1200
READABLE_OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)+$")


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


@pytest.mark.parametrize("name", FUNCTIONS)
def test_committed_schema_is_what_the_code_generates(name: str, generator: ModuleType) -> None:
    committed = generator.schema_path(name).read_text(encoding="utf-8")
    assert committed == generator.render(generator.build_schema(name)), f"{name}: run python lambda/generate_schemas.py"


def test_check_mode_reports_a_changed_schema(generator: ModuleType, tmp_path: Path) -> None:
    for name in FUNCTIONS:
        shutil.copy(generator.schema_path(name), tmp_path)
    assert generator.stale_schemas(tmp_path) == []

    notes = tmp_path / "notes_actions.json"
    notes.write_text(notes.read_text(encoding="utf-8").replace("addNote", "addANote"), encoding="utf-8")
    assert generator.stale_schemas(tmp_path) == [notes]
    assert generator.write_schemas(tmp_path) == [notes]
    assert generator.stale_schemas(tmp_path) == []


def test_check_command_passes_on_the_repository() -> None:
    script = Path(__file__).resolve().parents[2] / "lambda" / "generate_schemas.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", FUNCTIONS)
def test_schema_is_valid_openapi_30(name: str, schemas: dict[str, dict[str, Any]]) -> None:
    schema = schemas[name]
    assert schema["openapi"].startswith("3.0.")
    validate(schema)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_schema_is_self_contained(name: str, schemas: dict[str, dict[str, Any]]) -> None:
    schema = schemas[name]
    assert "components" not in schema
    assert not [node for node in walk(schema) if isinstance(node, dict) and ("$ref" in node or "anyOf" in node)]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_operation_is_described_for_the_agent(name: str, schemas: dict[str, dict[str, Any]]) -> None:
    ops = operations(schemas[name])
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


def test_schemas_are_plain_json_files(generator: ModuleType) -> None:
    for name in FUNCTIONS:
        text = generator.schema_path(name).read_text(encoding="utf-8")
        assert text.endswith("\n") and json.loads(text)["info"]["title"]
