"""Load and validate all configuration, build the CDKTF app, synthesize it atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from modules.backend import BOOTSTRAP_STACK, BackendSettings, load_backend_settings
from modules.config import EnvironmentConfig, envs_dir, environment_files, load_environment
from modules.errors import ConfigError


def load_configuration(folder: Path | None = None) -> tuple[BackendSettings, list[EnvironmentConfig]]:
    """Every env file and backend.tf.json, validated together (including cross-file clashes)."""
    from modules.scheduling.catalog import validate_environment_names

    backend = load_backend_settings()
    folder = folder or envs_dir()
    files = environment_files(folder)
    if not files:
        raise ConfigError(str(folder), "(folder)", "holds no <environment>.toml file")
    configs = []
    seen: dict[tuple[str, str, str], str] = {}
    for path in files:
        config = load_environment(path)
        validate_environment_names(config, path)
        key = (config.account_id, config.region, config.stack_name)
        if key in seen:
            raise ConfigError(path.name, "environment", f"clashes with {seen[key]}: same account, "
                              "region and stack name")
        seen[key] = path.name
        configs.append(config)
    _refuse_shared_unsuffixed_functions(configs, files)
    return backend, configs


def _refuse_shared_unsuffixed_functions(configs: list[EnvironmentConfig], files: list[Path]) -> None:
    """Two environments in one account and region cannot both use unsuffixed Lambda names."""
    owners: dict[tuple[str, str, str], str] = {}
    for config, path in zip(configs, files):
        if config.naming.function_env_suffix:
            continue
        key = (config.account_id, config.region, config.prefix)
        if key in owners:
            raise ConfigError(
                path.name, "naming.function_env_suffix",
                f"is false here and in {owners[key]} for the same account, region and prefix, so "
                "their Lambda names would collide; set it to true in one of them",
            )
        owners[key] = path.name


def build_and_synthesize(outdir: str | os.PathLike, only: list[str] | None = None) -> list[str]:
    """Synthesize the selected stacks into `outdir`; return their names."""
    backend, configs = load_configuration()
    names = [BOOTSTRAP_STACK] + [c.environment for c in configs]
    for name in only or []:
        if name not in names:
            raise ConfigError("--only/PF_ONLY", name, f"unknown stack; choose from {', '.join(names)}")
    selected = set(only or names)

    # Imported late: the CDKTF runtime starts only after configuration is known to be valid.
    from cdktf import App

    from modules.stacks.environment_stack import EnvironmentStack
    from modules.stacks.state_backend_stack import StateBackendStack
    from modules.suppressions import suppressions_of

    target = Path(outdir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        app = App(outdir=str(staging))
        stacks = []
        if BOOTSTRAP_STACK in selected:
            stacks.append(StateBackendStack(app, backend))
        for config in configs:
            if config.environment in selected:
                stacks.append(EnvironmentStack(app, config, backend))
        app.synth()
        for stack in stacks:
            stack_dir = staging / "stacks" / stack.node.id
            suppressions = [s.to_json() for s in suppressions_of(stack)]
            (stack_dir / "suppressions.json").write_text(json.dumps(suppressions, indent=2) + "\n")
        _replace_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [stack.node.id for stack in stacks]


def _replace_dir(new: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
