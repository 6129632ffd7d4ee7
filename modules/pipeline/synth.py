"""Synthesis as a subprocess: the pipeline and the local apply run `python main.py` and never
import a system, so they work on any synthesized output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from modules.config import REPO_ROOT


def synthesize(outdir: Path, only: list[str] | None = None) -> int:
    """Run `main.py --outdir outdir [--only ...]`; its messages go to stderr; returns its exit
    code (0 ok, 2 bad configuration, 1 other failure)."""
    command = [sys.executable, str(REPO_ROOT / "main.py"), "--outdir", str(outdir)]
    for name in only or []:
        command += ["--only", name]
    return subprocess.run(command, check=False).returncode


def selects(name: str, only: list[str] | None) -> bool:
    """Whether stack `name` is selected by `only` (stack ids or environment names)."""
    return not only or any(name == o or name.startswith(f"{o}-") for o in only)
