"""Local AWS (moto server) for the stacks.

    python -m modules.local_aws up [--port 4566]
        run the emulator in the foreground until Ctrl-C; prints its endpoint
    python -m modules.local_aws apply --env dev [--endpoint URL] [--skip-synth] [--outdir cdktf.out]
        synthesize, bootstrap the state backend, apply every emulated resource of the env stack

Without --endpoint, `apply` starts an emulator for the run and stops it at the end (a smoke
test); with `--endpoint` of an `up` emulator the applied state stays for inspection and reruns.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from modules.backend import BOOTSTRAP_STACK
from modules.local_aws.emulator import EmulatorError, MotoServer, answers
from modules.local_aws.local_apply import LocalAws, apply_environment, format_summary, stacks_of
from modules.pipeline.synth import synthesize
from modules.pipeline.terraform import BUILD_DIR, TerraformFailed, ToolMissing


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m modules.local_aws",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the emulator in the foreground until Ctrl-C")
    up.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    apply = commands.add_parser("apply", help="bootstrap the backend and apply an environment")
    apply.add_argument("--env", required=True,
                       help="environment (dev: all its stacks) or one stack (dev-scheduling)")
    apply.add_argument("--endpoint", default=None,
                       help="URL of a running emulator (default: start one for this run)")
    apply.add_argument("--skip-synth", action="store_true", help="use the existing --outdir")
    apply.add_argument("--outdir", default="cdktf.out", help="synthesized output (default: cdktf.out)")
    apply.add_argument("--workroot", default=None,
                       help=f"work copies (default: {BUILD_DIR / 'local_aws'}/<host>_<port>)")
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def run_up(port: int | None) -> int:
    with MotoServer(port=port, log_path=BUILD_DIR / "local_aws" / "moto.log") as server:
        print(f"moto server (pid {server.pid}) listening on {server.endpoint}", flush=True)
        print(f"  python -m modules.local_aws apply --env dev --endpoint {server.endpoint}",
              flush=True)
        print(f"  log: {server.log_path}; Ctrl-C stops it", flush=True)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            while server.running():
                time.sleep(0.5)
            print("the emulator exited on its own", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nstopping the emulator", file=sys.stderr)
    return 0


def run_apply(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir)
    if args.env == BOOTSTRAP_STACK:
        _log(f"error: --env names an environment; {BOOTSTRAP_STACK} is applied first anyway")
        return 2
    if not args.skip_synth:
        _log(f"synthesizing into {outdir} ...")
        code = synthesize(outdir)
        if code != 0:
            return code
    if not stacks_of(outdir, args.env):
        _log(f"error: no stack {args.env!r} (or {args.env}-<system>) in {outdir}/stacks")
        return 2

    def apply_with(endpoint: str) -> int:
        host_port = endpoint.split("://", 1)[-1].replace(":", "_").strip("/")
        workroot = Path(args.workroot) if args.workroot else BUILD_DIR / "local_aws" / host_port
        local = LocalAws(endpoint, outdir, workroot, progress=_log)
        results = apply_environment(local, args.env)
        print(format_summary(results, endpoint), flush=True)
        return 0

    try:
        if args.endpoint:
            if not args.endpoint.startswith(("http://127.0.0.1:", "http://localhost:")):
                _log("error: --endpoint must be a local emulator (http://127.0.0.1:<port>)")
                return 2
            if not answers(args.endpoint.rstrip("/")):
                _log(f"error: nothing answers at {args.endpoint}; start it with "
                     "`python -m modules.local_aws up`")
                return 2
            return apply_with(args.endpoint.rstrip("/"))
        with MotoServer(log_path=BUILD_DIR / "local_aws" / "moto-apply.log") as server:
            _log(f"started moto server (pid {server.pid}) on {server.endpoint}")
            code = apply_with(server.endpoint)
            _log("stopping the emulator (its resources and the env state go with it; "
                 "use `up` and --endpoint to keep them)")
            return code
    except (TerraformFailed, ToolMissing, EmulatorError, RuntimeError, FileNotFoundError) as exc:
        _log(f"error: {exc}")
        return 1


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.command == "up":
        return run_up(args.port)
    return run_apply(args)


if __name__ == "__main__":
    sys.exit(main())
