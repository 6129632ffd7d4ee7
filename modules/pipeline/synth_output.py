"""Putting a finished synthesis in place of the previous `cdktf.out`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Terraform's working data in a stack folder: provider links, the lock file, and the record of
# the backend last initialized, which `terraform init -migrate-state` needs to find old state.
TERRAFORM_WORKING_DATA = (".terraform", ".terraform.lock.hcl")


def replace_dir(new: Path, target: Path) -> None:
    """Swap `new` in for `target`, carrying over each surviving stack's Terraform working data."""
    for stack_dir in (new / "stacks").iterdir() if (new / "stacks").is_dir() else ():
        for name in TERRAFORM_WORKING_DATA:
            previous = target / "stacks" / stack_dir.name / name
            if previous.exists() and not (stack_dir / name).exists():
                previous.rename(stack_dir / name)
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
