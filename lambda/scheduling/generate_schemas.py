"""Generate the Bedrock OpenAPI schemas of the scheduling system from the handlers' routes.

    python lambda/scheduling/generate_schemas.py          # (re)write schemas/<group>_actions.json
    python lambda/scheduling/generate_schemas.py --check  # exit 1 if a committed schema differs

The action groups are the `action_group` values of the agent table,
systems/scheduling/agents.toml: no other list of functions exists. Each group is a folder
`<group>/` of this source root whose `handler.py` defines `app` (a BedrockAgentResolver),
`API_TITLE` and `API_DESCRIPTION`. `--table` and `--root` point the script at other copies.

Powertools' BedrockAgentResolver emits OpenAPI 3.0.3 from the routes. Three adjustments make
the result self-contained for Bedrock, nothing more:
- `$ref`s are inlined (and `components` dropped), so every operation reads on its own;
- a one-member `anyOf` left by nullable fields becomes that member plus `nullable: true`;
- the 422 responses are dropped: the handlers answer invalid input with 400 (see README).

Standard library only at import time (plus the handlers' own dependencies when they load), so it
runs from any working directory without the repository on sys.path.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import shlex
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

SOURCE_ROOT = Path(__file__).resolve().parent  # lambda/scheduling
REPO_ROOT = SOURCE_ROOT.parents[1]
AGENT_TABLE = REPO_ROOT / "systems" / SOURCE_ROOT.name / "agents.toml"
SHARED_PACKAGE = "pf_actions"
API_VERSION = "1.0.0"
# What a handler module must define besides its routes.
HANDLER_ATTRIBUTES = ("app", "API_TITLE", "API_DESCRIPTION")


class SchemaError(Exception):
    """The table or a handler cannot be used; the message names the file and what to do."""


def schema_key(name: str) -> str:
    """File name of action group `name`'s schema (and its S3 object key).

    The same convention as modules.lambda_package.schema_key, repeated so that this script
    imports nothing from the repository; tests/lambda checks that the two agree.
    """
    return f"{name}_actions.json"


def shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it (for messages)."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def action_groups(table: Path = AGENT_TABLE) -> tuple[str, ...]:
    """The `action_group` of each [[collaborator]] of the agent table, in table order.

    Only what this script needs is checked here; systems/scheduling/catalog.py validates the
    whole table (names, uniqueness, lengths) when the stacks are built.
    """
    try:
        data = tomllib.loads(table.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemaError(f"{shown(table)} is missing (the agent table; pass another with --table)") from None
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{shown(table)} is not valid TOML: {exc}") from None
    rows = data.get("collaborator", [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise SchemaError(f"{shown(table)}: `collaborator` must be an array of tables ([[collaborator]])")
    groups: list[str] = []
    for row in rows:
        group = row.get("action_group")
        if group is None:
            continue
        if not isinstance(group, str) or not group or group.startswith(".") or Path(group).name != group:
            raise SchemaError(f"{shown(table)}: action_group {group!r} is not a folder name")
        if group in groups:
            raise SchemaError(f"{shown(table)}: action_group {group!r} appears twice")
        groups.append(group)
    return tuple(groups)


def schema_path(name: str, schema_dir: Path | None = None, root: Path = SOURCE_ROOT) -> Path:
    return (schema_dir or root / "schemas") / schema_key(name)


def load_handler(name: str, lambda_root: Path = SOURCE_ROOT) -> ModuleType:
    """Import <root>/<name>/handler.py as module `pf_lambda_<name>_handler`.

    All handlers are called `handler.py`, so each gets a unique module name. The function folder
    is on sys.path only while it loads, and modules imported from it are dropped afterwards, so
    one function's helpers can never shadow another's. The shared package is imported once.
    """
    function_dir = (lambda_root / name).resolve()
    shared_dir = (lambda_root / "shared").resolve()
    handler = function_dir / "handler.py"
    if not handler.is_file():
        raise SchemaError(
            f"{shown(handler)} is missing: action group {name!r} of the agent table needs a folder "
            f"{shown(function_dir)}/ with a handler.py")
    _forget_foreign_shared_package(shared_dir)
    module_name = f"pf_lambda_{name}_handler"
    spec = importlib.util.spec_from_file_location(module_name, handler)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {handler}")
    module = importlib.util.module_from_spec(spec)
    saved_path = list(sys.path)
    before = set(sys.modules)
    sys.path[:0] = [str(function_dir), str(shared_dir)]
    try:
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    finally:
        sys.path[:] = saved_path
        for new in set(sys.modules) - before:
            origin = getattr(sys.modules[new], "__file__", None) or ""
            if new != module_name and origin and Path(origin).resolve().is_relative_to(function_dir):
                del sys.modules[new]
    return module


def _forget_foreign_shared_package(shared_dir: Path) -> None:
    loaded = sys.modules.get(SHARED_PACKAGE)
    origin = getattr(loaded, "__file__", None)
    if loaded is not None and (not origin or not Path(origin).resolve().is_relative_to(shared_dir)):
        for key in [k for k in sys.modules if k == SHARED_PACKAGE or k.startswith(SHARED_PACKAGE + ".")]:
            del sys.modules[key]


def build_schema(name: str, lambda_root: Path = SOURCE_ROOT) -> dict[str, Any]:
    module = load_handler(name, lambda_root)
    missing = [attribute for attribute in HANDLER_ATTRIBUTES if getattr(module, attribute, None) is None]
    if missing:
        raise SchemaError(
            f"{shown(Path(module.__file__ or name))} must define {', '.join(missing)} (the resolver, and "
            "the title and description of the API that the agent reads)")
    app = module.app
    raw = json.loads(app.get_openapi_json_schema(
        title=module.API_TITLE, version=API_VERSION, description=module.API_DESCRIPTION))
    return bedrock_compatible(raw)


def bedrock_compatible(schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    components = schema.pop("components", {}).get("schemas", {})
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    return _simplify(_inline(schema, components, ()))


def _inline(node: Any, components: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, components, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        target = ref.rsplit("/", 1)[1]
        if target in seen:
            raise ValueError(f"recursive schema {target} cannot be inlined")
        # Keys next to the $ref (a description) override the target's.
        merged = {**components[target], **{k: v for k, v in node.items() if k != "$ref"}}
        return _inline(merged, components, (*seen, target))
    return {key: _inline(value, components, seen) for key, value in node.items()}


def _simplify(node: Any) -> Any:
    if isinstance(node, list):
        return [_simplify(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _simplify(value) for key, value in node.items()}
    any_of = node.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 1 and isinstance(any_of[0], dict):
        rest = {key: value for key, value in node.items() if key != "anyOf"}
        node = {**any_of[0], **rest}
    return node


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _plan(
    schema_dir: Path | None, root: Path, groups: Sequence[str] | None
) -> tuple[dict[Path, str], list[Path]]:
    """(schema files missing or different from what the handlers generate -> that text,
    schema files of no action group of the table)."""
    groups = action_groups() if groups is None else tuple(groups)
    generated = {schema_path(name, schema_dir, root): render(build_schema(name, root)) for name in groups}
    changed = {
        path: text for path, text in generated.items() if not path.exists() or path.read_text(encoding="utf-8") != text
    }
    folder = schema_dir or root / "schemas"
    orphans = sorted(path for path in folder.glob(schema_key("*")) if path not in generated)
    return changed, orphans


def stale_schemas(
    schema_dir: Path | None = None, *, root: Path = SOURCE_ROOT, groups: Sequence[str] | None = None
) -> list[Path]:
    """Schema files to write (missing or different) or to delete (no such action group)."""
    changed, orphans = _plan(schema_dir, root, groups)
    return [*changed, *orphans]


def write_schemas(
    schema_dir: Path | None = None, *, root: Path = SOURCE_ROOT, groups: Sequence[str] | None = None
) -> list[Path]:
    """Write the schemas that changed and delete the orphans; return their paths."""
    changed, orphans = _plan(schema_dir, root, groups)
    for path, text in changed.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in orphans:
        path.unlink()
    return [*changed, *orphans]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed schema is out of date")
    parser.add_argument("--table", type=Path, default=AGENT_TABLE,
                        help=f"agent table listing the action groups (default: {shown(AGENT_TABLE)})")
    parser.add_argument("--root", type=Path, default=SOURCE_ROOT,
                        help="source root with <group>/handler.py, shared/ and schemas/ "
                             f"(default: {shown(SOURCE_ROOT)})")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        groups = action_groups(args.table)
        changed, orphans = _plan(None, root, groups)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        for path in changed:
            print(f"out of date: {shown(path)}", file=sys.stderr)
        for path in orphans:
            print(f"not an action group of {shown(args.table)}: {shown(path)}", file=sys.stderr)
        if changed or orphans:
            print(f"run: {_command(args)}", file=sys.stderr)
        return 1 if changed or orphans else 0
    for path, text in changed.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {shown(path)}")
    for path in orphans:
        path.unlink()
        print(f"removed {shown(path)} (not an action group of {shown(args.table)})")
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command that regenerates what --check found stale."""
    words = ["python", shown(Path(__file__))]
    if args.table.resolve() != AGENT_TABLE:
        words += ["--table", str(args.table)]
    if args.root.resolve() != SOURCE_ROOT:
        words += ["--root", str(args.root)]
    return shlex.join(words)


if __name__ == "__main__":
    sys.exit(main())
