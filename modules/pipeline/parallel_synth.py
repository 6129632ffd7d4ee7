"""Synthesis spread over worker processes, one CDKTF app each.

A CDKTF app runs in one jsii Node process, and every construct call is a round trip to it, so
one app keeps one core busy. `synthesize_in_parallel` starts `jobs` workers at once (each loads
the configuration and the runtime itself: the parent imports neither, so nothing runs before
them), each synthesizes its share of the selected stacks into a folder of its own, and the
parent moves the stacks into one output with one `manifest.json`, replacing `outdir` only when
every worker succeeded.

The share is decided the same way in every worker (`partition`): stacks are grouped as they
must be built (all parts of an (environment, system) in one app, they reference each other),
and groups go, heaviest first, to the least-loaded worker. A group weighs what its stacks'
`cdk.tf.json` weighed at the last synthesis (bytes, kept in `<build dir>/synth-weights.json`,
since building a stack takes time in proportion to what it writes); without that record, its
stack count. The parent reads the record once and hands every worker the same copy. The
synthesized files are the same as a single app's whatever the split: stacks never reference
another group.

A worker is `python -m systems.synth_worker --worker I --of N --outdir DIR [--weights FILE]
[--only NAME]... [--adopt]`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from modules.pipeline.synth_output import replace_dir

_REPO = Path(__file__).resolve().parents[2]
MANIFEST = "manifest.json"
#: Exit code of a worker that found the configuration invalid; only worker 0 says why.
CONFIG_ERROR = 2


#: The record of each stack's last synthesized size, in the build folder.
WEIGHTS_FILE = "synth-weights.json"


def build_dir() -> Path:
    """The build folder: `$PF_BUILD_DIR`, else `build/` in the repository (the folder of
    modules.pipeline.terraform.BUILD_DIR, not imported here: it loads the configuration)."""
    return Path(os.environ.get("PF_BUILD_DIR", _REPO / "build"))


def partition(groups: list[list[str]], workers: int,
              weights: dict[str, float] | None = None) -> list[list[str]]:
    """Stack names per worker: whole groups, heaviest first, each to the least-loaded worker
    (ties: the lowest index), so every worker given the same `weights` computes the same split.
    A group weighs the sum of its stacks' `weights`; a stack missing from them weighs the
    median of the known ones; without weights a group weighs its stack count."""
    weigh = _weigher(weights or {})
    shares: list[list[str]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for group in sorted(groups, key=weigh, reverse=True):  # stable: equal weights keep order
        chosen = loads.index(min(loads))
        shares[chosen] += group
        loads[chosen] += weigh(group)
    return shares


def _weigher(weights: dict[str, float]):
    if not weights:
        return len
    known = sorted(weights.values())
    typical = known[len(known) // 2]
    return lambda group: sum(weights.get(stack, typical) for stack in group)


def read_weights(path: Path) -> dict[str, float]:
    """The recorded weights, or none when the record is missing or not a {stack: size} table
    (it is only a hint for the split; the next successful synthesis rewrites it)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
            and v >= 0 for k, v in data.items()):
        return {}
    return data


def _record_weights(stacks_dir: Path, known: dict[str, float]) -> None:
    """Keep the size of every stack just written (others keep their last size); a build
    folder that cannot be written only costs the next split its hint."""
    sizes = {**known, **{d.name: (d / "cdk.tf.json").stat().st_size
                        for d in stacks_dir.iterdir() if (d / "cdk.tf.json").is_file()}}
    target = build_dir() / WEIGHTS_FILE
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{WEIGHTS_FILE}.{os.getpid()}")
        temporary.write_text(json.dumps(dict(sorted(sizes.items())), indent=1) + "\n")
        temporary.replace(target)
    except OSError:
        pass


def default_jobs() -> int:
    """$PF_SYNTH_JOBS, else one worker per core, at most 2 (memory: ~400 MB per worker)."""
    raw = os.environ.get("PF_SYNTH_JOBS", "").strip()
    if not raw:
        return max(1, min(2, len(os.sched_getaffinity(0))))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"PF_SYNTH_JOBS: got {raw!r}; allowed: a whole number of at least 1")
    return int(raw)


def synthesize_in_parallel(outdir: str | os.PathLike, only: list[str], adopt: bool,
                           jobs: int) -> tuple[int, list[str]]:
    """Run `jobs` workers; return (exit code, stack names in synthesis order)."""
    target = Path(outdir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        known = read_weights(build_dir() / WEIGHTS_FILE)
        weights = staging / WEIGHTS_FILE  # one copy for all workers: the same split in each
        weights.write_text(json.dumps(known))
        workers = [_start_worker(index, jobs, staging / f"worker-{index}", only, adopt, weights)
                   for index in range(jobs)]
        results = [(worker.wait(), worker.stdout.read()) for worker in workers]
        for worker in workers:
            worker.stdout.close()
        failed = [code for code, _ in results if code != 0]
        if failed:
            shutil.rmtree(staging, ignore_errors=True)
            return (CONFIG_ERROR if CONFIG_ERROR in failed else failed[0]), []
        names = json.loads(results[0][1])["names"]
        _merge(staging, [staging / f"worker-{index}" for index in range(jobs)])
        weights.unlink()
        _record_weights(staging / "stacks", known)
        replace_dir(staging, target)
        return 0, names
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _start_worker(index: int, count: int, outdir: Path, only: list[str],
                  adopt: bool, weights: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "systems.synth_worker", "--worker", str(index),
               "--of", str(count), "--outdir", str(outdir), "--weights", str(weights)]
    command += [arg for name in only for arg in ("--only", name)]
    command += ["--adopt"] if adopt else []
    # stderr is shared: progress lines (Lambda packages, adoption summaries) show as they come.
    return subprocess.Popen(command, cwd=_REPO, stdout=subprocess.PIPE, text=True)


def _merge(staging: Path, worker_dirs: list[Path]) -> None:
    """Move every worker's stacks into `staging/stacks` and join their manifests."""
    stacks_dir = staging / "stacks"
    stacks_dir.mkdir()
    manifest: dict = {"stacks": {}}
    for worker_dir in worker_dirs:
        if (worker_dir / MANIFEST).is_file():  # a worker whose share was empty wrote nothing
            part = json.loads((worker_dir / MANIFEST).read_text())
            manifest["stacks"].update(part["stacks"])
            manifest["version"] = part["version"]
            for stack_dir in sorted((worker_dir / "stacks").iterdir()):
                stack_dir.rename(stacks_dir / stack_dir.name)
        shutil.rmtree(worker_dir, ignore_errors=True)
    manifest["stacks"] = dict(sorted(manifest["stacks"].items()))
    # As CDKTF writes it (an empty list spans two lines), so the output is byte for byte the same.
    text = re.sub(r'^( *)("[^"\n]*": )\[\]', r"\1\2[\n\1]", json.dumps(manifest, indent=2),
                  flags=re.M)
    (staging / MANIFEST).write_text(text)
