"""Running Terraform with the project's own CLI configuration.

The AWS provider comes from a filesystem mirror when one is found (`PF_TF_PROVIDER_MIRROR`, or
discovery in the usual places); otherwise Terraform's normal registry installation is used.
The user's `~/.terraformrc` is never read or written: every command gets `TF_CLI_CONFIG_FILE`
pointing at a file under `build/terraform/`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from modules.config import REPO_ROOT

PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "5.100.0"
MIRROR_ENV = "PF_TF_PROVIDER_MIRROR"
TERRAFORM_ENV = "PF_TERRAFORM"
BUILD_DIR = Path(os.environ.get("PF_BUILD_DIR", REPO_ROOT / "build"))
# Where provider mirrors are usually installed; searched in order, a few levels deep.
_MIRROR_SEARCH_ROOTS = ("/opt", "/usr/local/share", "/usr/share", "/usr/local/lib",
                        str(Path.home() / ".terraform.d"), "/var/lib", "/srv")


class ToolMissing(RuntimeError):
    """A required external tool (Terraform, the provider mirror, checkov) is not available."""


class TerraformFailed(RuntimeError):
    def __init__(self, args: list[str], cwd: Path, output: str) -> None:
        self.output = output
        tail = "\n".join(output.strip().splitlines()[-30:])
        super().__init__(f"terraform {' '.join(args)} failed in {cwd}:\n{tail}")


def terraform_binary() -> str:
    configured = os.environ.get(TERRAFORM_ENV)
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise ToolMissing(f"{TERRAFORM_ENV}={configured} is not an executable file; point it "
                              "at a Terraform >= 1.10 binary or unset it to use the one on PATH")
        return configured
    found = shutil.which("terraform")
    if not found:
        raise ToolMissing(f"terraform is not on PATH; install Terraform >= 1.10 or set {TERRAFORM_ENV}")
    return found


def _is_mirror_root(root: Path) -> bool:
    return (root / PROVIDER_SOURCE / PROVIDER_VERSION).is_dir()


def find_provider_mirror() -> Path | None:
    """The mirror root (the folder above `registry.terraform.io`), or None to use the registry."""
    configured = os.environ.get(MIRROR_ENV)
    if configured:
        root = Path(configured)
        if not _is_mirror_root(root):
            raise ToolMissing(f"{MIRROR_ENV}={configured} holds no {PROVIDER_SOURCE}/{PROVIDER_VERSION}")
        return root
    for start in _MIRROR_SEARCH_ROOTS:
        base = Path(start)
        if not base.is_dir():
            continue
        for depth in range(0, 4):
            for candidate in base.glob("/".join(["*"] * depth + ["registry.terraform.io"])):
                if _is_mirror_root(candidate.parent):
                    return candidate.parent
    return None


def cli_config_file() -> Path:
    """Write (once per process) and return the project's Terraform CLI configuration."""
    config_dir = BUILD_DIR / "terraform"
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "terraform.rc"
    mirror = find_provider_mirror()
    if mirror is None:
        body = "# No provider mirror found: providers install from the registry.\n"
    else:
        body = (
            "provider_installation {\n"
            f"  filesystem_mirror {{\n    path    = \"{mirror}\"\n"
            f"    include = [\"{PROVIDER_SOURCE}\"]\n  }}\n"
            f"  direct {{\n    exclude = [\"{PROVIDER_SOURCE}\"]\n  }}\n"
            "}\n"
        )
    if not path.exists() or path.read_text() != body:
        path.write_text(body)
    return path


def terraform_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "TF_CLI_CONFIG_FILE": str(cli_config_file()),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
    })
    env.update(extra or {})
    return env


# After its time limit Terraform is interrupted like Ctrl-C: it stops starting operations,
# writes what it created to the state and releases the lock; killed only if it has not ended
# this long after.
INTERRUPT_GRACE_SECONDS = 120


def run_terraform(args: list[str], cwd: Path, extra_env: dict[str, str] | None = None,
                  check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `terraform <args>` in `cwd`; TerraformFailed on a non-zero exit (with `check`) and
    always after `timeout` seconds, its message ending with what Terraform was still doing."""
    command = [terraform_binary(), *args]
    process = subprocess.Popen(command, cwd=cwd, env=terraform_env(extra_env), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            stdout, stderr = process.communicate(timeout=INTERRUPT_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        raise TerraformFailed(args, cwd, f"{stdout}{stderr}\nstopped: no result after "
                                         f"{timeout:.0f} s (interrupted, so the state keeps "
                                         "what was created)") from None
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if check and result.returncode != 0:
        raise TerraformFailed(args, cwd, result.stdout + result.stderr)
    return result
