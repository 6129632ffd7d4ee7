"""Generate the Bedrock OpenAPI schemas of the asset-allocation agents from their handlers.

    python lambda/allocation/generate_schemas.py          # (re)write schemas/<group>_actions.json
    python lambda/allocation/generate_schemas.py --check  # exit 1 if a committed schema differs

The action groups are the `action_group` values of systems/allocation/agents.toml. Each is a
folder `<group>/` here whose handler.py defines GROUP (an allocation_core.actions.ActionGroup);
its operations are the only source of the schema. Standard library only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tomllib
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent
AGENT_TABLE = SOURCE_ROOT.parents[1] / "systems" / "allocation" / "agents.toml"


def schema_key(name: str) -> str:
    """Same convention as modules.lambda_package.schema_key (a test checks they agree)."""
    return f"{name}_actions.json"


def action_groups(table: Path = AGENT_TABLE) -> tuple[str, ...]:
    rows = tomllib.loads(table.read_text(encoding="utf-8")).get("agent", [])
    return tuple(row["action_group"] for row in rows if row.get("action_group"))


def build_schema(name: str, root: Path = SOURCE_ROOT) -> dict:
    handler = root / name / "handler.py"
    if not handler.is_file():
        raise SystemExit(f"error: {handler} is missing (action group {name!r} of {AGENT_TABLE.name})")
    shared = str(root / "shared")
    added = shared not in sys.path
    if added:
        sys.path.insert(0, shared)
    try:
        spec = importlib.util.spec_from_file_location(f"allocation_{name}_schema", handler)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if added:
            sys.path.remove(shared)
    return module.GROUP.openapi()


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def stale(root: Path = SOURCE_ROOT, table: Path = AGENT_TABLE) -> dict[Path, str]:
    """Schema files missing or different from what the handlers generate -> that text."""
    wanted = {root / "schemas" / schema_key(name): render(build_schema(name, root))
              for name in action_groups(table)}
    return {path: text for path, text in wanted.items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a schema is out of date")
    args = parser.parse_args(argv)
    changed = stale()
    for path, text in changed.items():
        if args.check:
            print(f"out of date: {path}; run python lambda/allocation/generate_schemas.py",
                  file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
