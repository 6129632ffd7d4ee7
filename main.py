"""Synthesize the Terraform JSON of every stack into `cdktf.out/`.

    python main.py                      # state-backend + one stack per (environment, system)
    python main.py --only dev           # every stack of dev (repeatable; also PF_ONLY=...)
    python main.py --only dev-scheduling --only state-backend
    python main.py --only dev --adopt   # plus import blocks from envs/dev.adopt.toml (PF_ADOPT=1)
    python main.py --jobs 1             # one process (default: one worker per core, at most 2)

Configuration is validated before anything is written; output is synthesized into a temporary
folder beside `cdktf.out` and moved into place only on success, so a bad env file leaves the
previous `cdktf.out` untouched. `cdktf synth` runs this file (see cdktf.json).

With more than one job, stacks are synthesized by worker processes, one CDKTF app each
(modules/pipeline/parallel_synth.py); the output is the same. This process then imports no
CDKTF runtime at all.
"""

from __future__ import annotations

import argparse
import os
import sys

from modules.pipeline.parallel_synth import default_jobs, synthesize_in_parallel


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME",
        help="synthesize only this stack (dev-scheduling, state-backend) or every stack of "
             "an environment (dev); repeatable",
    )
    parser.add_argument(
        "--adopt", action="store_true", default=os.environ.get("PF_ADOPT", "") in {"1", "true"},
        help="add Terraform import blocks for the resources listed in envs/<environment>"
             ".adopt.toml, which must exist in the account (default: $PF_ADOPT=1)",
    )
    parser.add_argument(
        "--outdir", default=os.environ.get("CDKTF_OUTDIR", "cdktf.out"),
        help="output folder (default: $CDKTF_OUTDIR or cdktf.out)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N",
        help="synthesize in N worker processes (default: $PF_SYNTH_JOBS, else one per core, "
             "at most 2); 1 synthesizes in this process",
    )
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, not {args.jobs}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    only = [n.strip() for n in (args.only or os.environ.get("PF_ONLY", "").split(",")) if n.strip()]
    try:
        jobs = args.jobs or default_jobs()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code, stacks = (synthesize_in_parallel(args.outdir, only, args.adopt, jobs) if jobs > 1
                    else _synthesize_here(args.outdir, only, args.adopt))
    if code:
        return code
    print(f"synthesized {len(stacks)} stack(s) into {args.outdir}: {', '.join(stacks)}",
          file=sys.stderr)
    return 0


def _synthesize_here(outdir: str, only: list[str], adopt: bool) -> tuple[int, list[str]]:
    from modules.errors import ConfigError
    from modules.lambda_package import LambdaPackageError
    from systems.app import build_and_synthesize

    try:
        return 0, build_and_synthesize(outdir=outdir, only=only, adopt=adopt)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2, []
    except LambdaPackageError as exc:
        print(f"error: building the Lambda packages failed: {exc}", file=sys.stderr)
        return 1, []


if __name__ == "__main__":
    sys.exit(main())
