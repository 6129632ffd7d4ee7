"""Benchmark (not a test): full synth of all stacks vs a bare `import cdktf_cdktf_provider_aws`.

    .venv/bin/python scripts/benchmark_synth.py [--repeat 3] [--eager]

The full synth runs as `main.py` does by default (worker processes, one per core, at most 2;
$PF_SYNTH_JOBS overrides), and once more in one process. Each measurement runs in a fresh
process; wall time is the median of the repeats and memory is
the peak summed RSS of the process tree (Python + the jsii node process), sampled every 20 ms
from /proc. One warm-up synth runs first so the Lambda packages and the jsii cache exist.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _tree_rss_kib(root: int) -> int:
    total, pending, seen = 0, [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines()
                          if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def measure(command: list[str], **extra_env: str) -> tuple[float, float]:
    """Return (seconds, peak MiB) of one run of `command`."""
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", **extra_env)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()[-2000:]}")
    return elapsed, peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--eager", action="store_true",
                        help="also time the synth with PF_EAGER_PROVIDER=1 (every provider "
                             "resource module loaded at start, as without the Node preload)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        synth = [sys.executable, "main.py", "--outdir", str(Path(scratch) / "cdktf.out")]
        bare = [sys.executable, "-c", "import cdktf_cdktf_provider_aws"]
        print("warm-up synth (builds Lambda packages, fills the jsii cache) ...", file=sys.stderr)
        measure(synth)
        stack_dirs = list((Path(scratch) / "cdktf.out" / "stacks").iterdir())
        stacks = len(stack_dirs)
        resources = sum(len(items) for d in stack_dirs for items in json.loads(
            (d / "cdk.tf.json").read_text()).get("resource", {}).values())
        results = {}
        cases = [("full synth, all stacks", synth, {}),
                 ("same, one process", synth, {"PF_SYNTH_JOBS": "1"}),
                 ("bare provider import", bare, {})]
        if args.eager:
            cases.insert(1, ("full synth, eager provider", synth, {"PF_EAGER_PROVIDER": "1"}))
        for label, command, extra_env in cases:
            runs = []
            for index in range(args.repeat):
                runs.append(measure(command, **extra_env))
                print(f"  {label} run {index + 1}: {runs[-1][0]:.2f} s, {runs[-1][1]:.0f} MiB",
                      file=sys.stderr)
            results[label] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    print(f"{'measurement':<26}{'median s':>10}{'peak MiB':>10}")
    for label, (seconds, mib) in results.items():
        print(f"{label:<26}{seconds:>10.2f}{mib:>10.0f}")
    synth_s = results["full synth, all stacks"][0]
    bare_s = results["bare provider import"][0]
    print(f"full synth of {stacks} stacks ({resources} resources) takes {synth_s / bare_s:.0%} "
          f"of the bare import's time (target <= 50%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
