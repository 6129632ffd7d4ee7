"""Synthesize the Terraform JSON of every stack into `cdktf.out/`.

    python main.py                      # state-backend + one stack per (environment, system)
    python main.py --only dev           # every stack of dev (repeatable; also PF_ONLY=...)
    python main.py --only dev-scheduling --only state-backend
    python main.py --only dev --adopt   # plus import blocks from envs/dev.adopt.toml (PF_ADOPT=1)

Configuration is validated before anything is written; output is synthesized into a temporary
folder beside `cdktf.out` and moved into place only on success, so a bad env file leaves the
previous `cdktf.out` untouched. `cdktf synth` runs this file (see cdktf.json).
"""

from __future__ import annotations

import argparse
import os
import sys

from modules.errors import ConfigError
from modules.lambda_package import LambdaPackageError
from systems.app import build_and_synthesize


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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    only = args.only or [n for n in os.environ.get("PF_ONLY", "").split(",") if n.strip()]
    try:
        stacks = build_and_synthesize(outdir=args.outdir, only=[n.strip() for n in only],
                                      adopt=args.adopt)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LambdaPackageError as exc:
        print(f"error: building the Lambda packages failed: {exc}", file=sys.stderr)
        return 1
    print(f"synthesized {len(stacks)} stack(s) into {args.outdir}: {', '.join(stacks)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
