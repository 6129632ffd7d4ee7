"""The layout's import rules, checked on the source with ast:

1. `modules/` (the library) never imports `systems/`;
2. a system never imports a sibling system (what two systems share belongs in `modules/`);
3. `modules/pipeline/` and `modules/local_aws/` import no composition (they read synthesized
   output; synthesis runs as `python main.py`);
4. only `modules/aws.py` imports the provider bindings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from modules.config import REPO_ROOT


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(folder: str) -> list[Path]:
    return sorted((REPO_ROOT / folder).rglob("*.py"))


def violations(files: list[Path], forbidden) -> list[str]:
    return [f"{path.relative_to(REPO_ROOT)} imports {name}"
            for path in files for name in sorted(imports_of(path)) if forbidden(path, name)]


def test_the_library_never_imports_a_system():
    assert violations(python_files("modules"), lambda _, name: name.split(".")[0] == "systems") == []


def test_a_system_never_imports_a_sibling():
    def sibling(path: Path, name: str) -> bool:
        own = path.relative_to(REPO_ROOT / "systems").parts[0]
        parts = name.split(".")
        return parts[0] == "systems" and len(parts) > 1 and parts[1] not in {own, "app"} \
            and (REPO_ROOT / "systems" / parts[1]).is_dir()
    system_files = [p for p in python_files("systems") if p.parent != REPO_ROOT / "systems"]
    assert system_files, "no system packages found"
    assert violations(system_files, sibling) == []


@pytest.mark.parametrize("tool", ["modules/pipeline", "modules/local_aws"])
def test_tools_over_synthesized_output_import_no_composition(tool):
    def composition(_: Path, name: str) -> bool:
        return name.split(".")[0] in {"systems", "main"} or name.startswith("modules.stacks")
    assert violations(python_files(tool), composition) == []


def test_only_modules_aws_imports_the_provider_bindings():
    files = [p for p in python_files("modules") + python_files("systems") + [REPO_ROOT / "main.py"]
             if p != REPO_ROOT / "modules" / "aws.py"]
    assert violations(files, lambda _, name: name.startswith("cdktf_cdktf_provider_aws")) == []


def test_the_rules_see_a_violation(tmp_path, monkeypatch):
    """The checker itself: a library file importing a system is reported."""
    import tests.test_layout as layout

    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "bad.py").write_text("from systems.scheduling import build\nimport os\n")
    monkeypatch.setattr(layout, "REPO_ROOT", tmp_path)
    found = violations(python_files("modules"), lambda _, name: name.split(".")[0] == "systems")
    assert found == ["modules/bad.py imports systems.scheduling",
                     "modules/bad.py imports systems.scheduling.build"]
