"""`cdktf synth` (the pinned npm CLI) produces the same stacks as `python main.py`: the CLI runs
main.py with two synthesis workers, the session synthesized in one app in-process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from modules.config import REPO_ROOT
from tests.conftest import require_tool


def test_cdktf_cli_synth_matches_python_synth(synth_dir: Path, tmp_path: Path):
    cli = REPO_ROOT / "node_modules" / ".bin" / "cdktf"
    require_tool(cli.exists(), "cdktf-cli", "run `make setup` (npm ci) to install node_modules")
    require_tool((REPO_ROOT / ".venv" / "bin" / "python").exists(), ".venv", "run `make setup`")
    out = tmp_path / "cli.out"
    env = dict(os.environ, CHECKPOINT_DISABLE="1", CI="true", DISABLE_VERSION_CHECK="true",
               JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", PF_SYNTH_JOBS="2")
    result = subprocess.run([str(cli), "synth", "--output", str(out)], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    python_stacks = sorted(p.name for p in (synth_dir / "stacks").iterdir())
    cli_stacks = sorted(p.name for p in (out / "stacks").iterdir())
    assert cli_stacks == python_stacks
    for name in python_stacks:
        for file in ("cdk.tf.json", "suppressions.json"):
            ours = (synth_dir / "stacks" / name / file).read_text()
            assert (out / "stacks" / name / file).read_text() == ours, f"{name}/{file} differs"
    assert (out / "manifest.json").read_text() == (synth_dir / "manifest.json").read_text()
    shutil.rmtree(out, ignore_errors=True)
