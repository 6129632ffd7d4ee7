"""Local AWS (moto server) for the stacks.

    python -m modules.local_aws up [--port 4566]
        run the emulator in the foreground until Ctrl-C; prints its endpoint
    python -m modules.local_aws apply --env dev [--endpoint URL] [--skip-synth] [--outdir cdktf.out]
        synthesize, bootstrap the state backend, apply every emulated resource of the stacks
        `--env` selects: an environment (`dev`: every `dev-<system>` stack) or one stack id
        (`dev-scheduling`)

Without --endpoint, `apply` starts an emulator for the run and stops it at the end (a smoke
test); with `--endpoint` of an `up` emulator the applied state stays for inspection and reruns.

`up` stops on Ctrl-C (SIGINT) or SIGTERM, also while the emulator is still starting: it stops the
server, says so on stderr and exits 0; further signals during the (bounded) stop are ignored.
It exits 1 when the emulator fails to start or exits on its own. `apply` interrupted by Ctrl-C
stops its own emulator and exits 130.
"""

from __future__ import annotations

import os
import signal


def _interrupted_early(*_: object) -> None:
    """Ctrl-C before `main` runs: nothing was started yet, so end at once, quietly, with 130."""
    os.write(2, b"\ninterrupted\n")
    os._exit(130)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, _interrupted_early)

# Only the standard library and the emulator module are imported here: `up` must not start the
# CDKTF (jsii/Node) runtime, whose helper process dies with a terminal Ctrl-C and then fails
# noisily at exit. `apply` imports what it needs when it runs.
import argparse  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

from modules.local_aws.emulator import EmulatorError, MotoServer, StartCancelled, answers  # noqa: E402


def _build_dir() -> Path:
    from modules.pipeline.terraform import BUILD_DIR

    return BUILD_DIR


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
                       help="work copies (default: build/local_aws/<host>_<port>)")
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_up(port: int | None) -> int:
    """The emulator in the foreground until SIGINT/SIGTERM; see the module docstring.

    Installs its own SIGINT/SIGTERM handlers for the rest of the process (it is the foreground
    command): a signal only sets a flag, so no exception can interrupt starting or stopping the
    server, and a signal during or after the stop cannot change the exit code.
    """
    stop = threading.Event()
    received: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        # Only a flag: no exception can surface in the middle of starting or stopping the server.
        received.append(signum)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    server = MotoServer(port=port, log_path=_build_dir() / "local_aws" / "moto.log")
    try:
        try:
            server.start(cancelled=stop.is_set)
        except StartCancelled:
            _log("stopped before the emulator was listening")
            return 0
        except EmulatorError as exc:
            _log(f"error: {exc}")
            return 1
        print(f"moto server (pid {server.pid}) listening on {server.endpoint}", flush=True)
        print(f"  python -m modules.local_aws apply --env dev --endpoint {server.endpoint}",
              flush=True)
        print(f"  log: {server.log_path}; Ctrl-C stops it", flush=True)
        while not stop.wait(0.5):
            if not server.running():
                _log(f"the emulator exited on its own; log: {server.log_path}")
                return 1
        _log(f"\n{signal.Signals(received[0]).name}: stopping the emulator (pid {server.pid})")
        return 0
    finally:
        server.stop()  # bounded: SIGTERM, SIGKILL after MotoServer.stop_seconds


def run_apply(args: argparse.Namespace) -> int:
    from modules.backend import BOOTSTRAP_STACK
    from modules.local_aws.local_apply import (
        LocalAws,
        apply_environment,
        format_summary,
        stacks_of,
    )
    from modules.pipeline.synth import synthesize
    from modules.pipeline.terraform import TerraformFailed, ToolMissing

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
        workroot = Path(args.workroot) if args.workroot else _build_dir() / "local_aws" / host_port
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
        with MotoServer(log_path=_build_dir() / "local_aws" / "moto-apply.log") as server:
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
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here: KeyboardInterrupt
        sys.exit(main())
    except KeyboardInterrupt:
        # Ctrl-C outside `up`'s own handling (during `apply`, or before `main` ran): whatever was
        # started has been stopped by its context manager; no traceback, the shell's 130.
        _log("\ninterrupted")
        sys.exit(130)
