"""Generate the Bedrock OpenAPI schemas from the handlers' routes.

    python lambda/generate_schemas.py          # (re)write lambda/schemas/<name>_actions.json
    python lambda/generate_schemas.py --check  # exit 1 if a committed schema differs

Powertools' BedrockAgentResolver emits OpenAPI 3.0.3 from the routes. Three adjustments make
the result self-contained for Bedrock, nothing more:
- `$ref`s are inlined (and `components` dropped), so every operation reads on its own;
- a one-member `anyOf` left by nullable fields becomes that member plus `nullable: true`;
- the 422 responses are dropped: the handlers answer invalid input with 400 (see README).
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

LAMBDA_ROOT = Path(__file__).resolve().parent
FUNCTIONS = ("scheduling", "information", "notes")
SHARED_PACKAGE = "pf_actions"

# Title and description of each action group's API, shown to the agent with the operations.
API_INFO = {
    "scheduling": (
        "PF Scheduling Actions",
        "Find free dates and time slots for a customer's home-improvement project and book, move or "
        "cancel its installation appointment.",
    ),
    "information": (
        "PF Information Actions",
        "Look up a customer's projects, their status and appointments, and the business hours.",
    ),
    "notes": (
        "PF Notes Actions",
        "Read and add notes on a customer's home-improvement project.",
    ),
}
API_VERSION = "1.0.0"


def schema_path(name: str, schema_dir: Path | None = None) -> Path:
    return (schema_dir or LAMBDA_ROOT / "schemas") / f"{name}_actions.json"


def load_handler(name: str, lambda_root: Path = LAMBDA_ROOT) -> ModuleType:
    """Import lambda/<name>/handler.py as module `pf_lambda_<name>_handler`.

    All handlers are called `handler.py`, so each gets a unique module name. The function folder
    is on sys.path only while it loads, and modules imported from it are dropped afterwards, so
    one function's helpers can never shadow another's. The shared package is imported once.
    """
    function_dir = (lambda_root / name).resolve()
    shared_dir = (lambda_root / "shared").resolve()
    _forget_foreign_shared_package(shared_dir)
    module_name = f"pf_lambda_{name}_handler"
    spec = importlib.util.spec_from_file_location(module_name, function_dir / "handler.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {function_dir / 'handler.py'}")
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


def build_schema(name: str, lambda_root: Path = LAMBDA_ROOT) -> dict[str, Any]:
    title, description = API_INFO[name]
    app = load_handler(name, lambda_root).app
    raw = json.loads(app.get_openapi_json_schema(title=title, version=API_VERSION, description=description))
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


def _differences(schema_dir: Path | None) -> dict[Path, str]:
    """Schema files that are missing or differ from what the handlers generate, with that text."""
    generated = {schema_path(name, schema_dir): render(build_schema(name)) for name in FUNCTIONS}
    return {
        path: text for path, text in generated.items() if not path.exists() or path.read_text(encoding="utf-8") != text
    }


def stale_schemas(schema_dir: Path | None = None) -> list[Path]:
    return list(_differences(schema_dir))


def write_schemas(schema_dir: Path | None = None) -> list[Path]:
    """Write the schemas that changed; return their paths."""
    changed = _differences(schema_dir)
    for path, text in changed.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(changed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed schema is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_schemas()
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        if stale:
            print("run: python lambda/generate_schemas.py", file=sys.stderr)
        return 1 if stale else 0
    for path in write_schemas():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
