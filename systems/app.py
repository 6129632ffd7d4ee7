"""Load and validate every env file, build one stack per (environment, system) (one per part for
a system with parts), check names across stacks, and synthesize atomically.

An env file is the environment base (`prefix`, `environment`, `account_id`, `region`, `tags`)
plus one `[systems.<key>]` table per system deployed there; a system left out is not deployed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from pydantic import create_model, model_validator

from modules.adoption import (ADOPTION_SUFFIX, AdoptionTable, adoption_file, is_adoption_file,
                              load_adoption, plan_adoption, write_imports)
from modules.aws_rules import NameRule
from modules.backend import BOOTSTRAP_STACK, BackendSettings, load_backend_settings
from modules.config import (EnvironmentBase, StrictModel, display_path, envs_dir, environment_files,
                            load_file)
from modules.errors import ConfigError
from modules.naming import first_violation
from modules.pipeline.synth_output import replace_dir
from modules.stacks.system_stack import stack_id
from modules.system import System
from systems import SYSTEMS


Systems = create_model("Systems", __base__=StrictModel,
                       **{key: (Optional[system.settings], None) for key, system in SYSTEMS.items()})


class EnvironmentFile(EnvironmentBase):
    """One `envs/<environment>.toml`."""

    systems: Systems = Systems()  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _deploys_something(self) -> "EnvironmentFile":
        if not self.selected():
            raise ValueError(f"systems: selects no system; add a [systems.<key>] table, key one "
                             f"of: {', '.join(SYSTEMS)}")
        return self

    def selected(self) -> list[tuple[System, Any]]:
        """(system, settings) for every system deployed in this environment, registry order."""
        return [(system, getattr(self.systems, key)) for key, system in SYSTEMS.items()
                if getattr(self.systems, key) is not None]


@dataclass(frozen=True)
class PlannedStack:
    """One stack to synthesize: which env file asked for it and what it contains."""

    stack: str
    source: str
    env: EnvironmentFile
    system: System
    settings: Any
    #: This system's table in `envs/<environment>.adopt.toml` (resources that already exist).
    adoption: AdoptionTable | None = None
    #: The part this stack holds, for a system with parts.
    part: str | None = None

    @property
    def group(self) -> str:
        """`<environment>-<system>`: the stacks built together (all parts of a system)."""
        return stack_id(self.env.environment, self.system.key)


# A part becomes a stack id and a state key segment.
_PART = re.compile(r"^[a-z][a-z0-9]{0,19}$")


def load_environment(path: Path) -> EnvironmentFile:
    """Load and validate one env file; the file stem must equal its `environment` field."""
    config = load_file(path, EnvironmentFile)
    if config.environment != path.stem:
        raise ConfigError(display_path(path), "environment",
                          f"is {config.environment!r} but the file is named {path.name}; "
                          "they must match")
    return config


def load_configuration(folder: Path | None = None) -> tuple[BackendSettings, list[PlannedStack]]:
    """Every env file and backend.tf.json, validated together, names checked across stacks."""
    backend = load_backend_settings()
    folder = folder or envs_dir()
    adoptions = [p for p in environment_files(folder) if is_adoption_file(p)]
    files = [p for p in environment_files(folder) if not is_adoption_file(p)]
    _refuse_orphan_adoption_files(adoptions, files)
    if not files:
        raise ConfigError(display_path(folder), "(folder)", "holds no <environment>.toml file")
    planned: list[PlannedStack] = []
    owners: dict[tuple[str, ...], tuple[str, str]] = {}
    for path in files:
        env = load_environment(path)
        source = display_path(path)
        tables = load_adoption(adoption_file(path), [system.key for system, _ in env.selected()])
        for system, settings in env.selected():
            try:
                names = system.names(env, settings)
            except ConfigError as exc:  # a system's own check, reported against this file
                if exc.file:
                    raise
                raise ConfigError(source, exc.field, exc.message) from None
            problem = first_violation(names)
            if problem:
                raise ConfigError(source, "prefix/environment",
                                  f"prefix {env.prefix!r} with environment {env.environment!r} "
                                  f"{problem}")
            _claim_names(owners, env, source, stack_id(env.environment, system.key), system.key,
                         names)
            adoption = tables.get(system.key)
            if system.parts is None:
                planned.append(PlannedStack(stack_id(env.environment, system.key), source, env,
                                            system, settings, adoption))
                continue
            if adoption is not None:
                raise ConfigError(str(adoption_file(path)), system.key,
                                  "adoption tables cover single-stack systems; this system "
                                  "deploys several stacks")
            for part in _checked_parts(system, settings, source):
                planned.append(PlannedStack(stack_id(env.environment, system.key, part), source,
                                            env, system, settings, None, part))
    return backend, planned


def _checked_parts(system: System, settings: Any, source: str) -> list[str]:
    parts = list(system.parts(settings)) if system.parts else []
    for part in parts:
        if not _PART.match(part):
            raise ConfigError(source, f"systems.{system.key}",
                              f"gives part {part!r}; a part is 1-20 lowercase letters or digits, "
                              "starting with a letter")
    if not parts or len(set(parts)) != len(parts):
        raise ConfigError(source, f"systems.{system.key}",
                          f"gives parts {parts}; they must be at least one and distinct")
    return parts


def _refuse_orphan_adoption_files(adoptions: list[Path], env_files: list[Path]) -> None:
    stems = {p.stem for p in env_files}
    for path in adoptions:
        environment = path.name.removesuffix(ADOPTION_SUFFIX)
        if environment not in stems:
            raise ConfigError(display_path(path), "(file)",
                              f"adopts resources for environment {environment!r}, which has no "
                              f"{environment}.toml; rename or remove it")


def _claim_names(owners: dict[tuple[str, ...], tuple[str, str]], env: EnvironmentBase,
                 source: str, stack: str, system_key: str,
                 names: list[tuple[NameRule, str]]) -> None:
    """Refuse a name another stack already produces where AWS needs it unique."""
    for rule, name in names:
        if rule.scope == "parent":
            continue
        where = {"global": (), "account": (env.account_id,),
                 "region": (env.account_id, env.region)}[rule.scope]
        key = (rule.service, name, *where)
        owner = owners.setdefault(key, (source, stack))
        if owner[1] != stack:
            place = {"global": "globally", "account": f"in account {env.account_id}",
                     "region": f"in account {env.account_id}, {env.region}"}[rule.scope]
            raise ConfigError(source, f"systems.{system_key}",
                              f"gives {rule.service} name {name!r}, which {owner[0]} (stack "
                              f"{owner[1]}) also creates {place}; make one of them differ")


def build_and_synthesize(outdir: str | os.PathLike, only: list[str] | None = None,
                         adopt: bool = False) -> list[str]:
    """Synthesize the selected stacks into `outdir`; return their names.

    `only` holds stack ids (`dev-scheduling`), environment names (`dev`: all of its stacks) or
    `state-backend`. Selecting one part of a system selects all its parts: they are built
    together because they reference each other. Output is written to a temporary folder that replaces `outdir` only when
    every stack synthesized, so a failure leaves the previous output untouched. Adoption tables
    are checked against every synthesized stack; `adopt` also writes their import blocks
    (modules/adoption.py).
    """
    backend, planned = load_configuration()
    selected = _select(planned, only)
    names = [n for n in stack_names(planned) if n in selected]

    target = Path(outdir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _synthesize_into(staging, backend, planned, set(names))
        _adopt(staging / "stacks", [p for p in planned if p.stack in selected and p.adoption],
               adopt)
        replace_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return names


def synthesize_share(outdir: str | os.PathLike, only: list[str] | None, adopt: bool,
                     choose) -> list[str]:
    """One worker of a parallel synthesis (modules/pipeline/parallel_synth.py): validate and
    select as `build_and_synthesize` does, then synthesize straight into `outdir` only the stacks
    `choose(groups)` returns, where groups are the selected stacks that must share an app.
    Returns every selected stack name in synthesis order."""
    backend, planned = load_configuration()
    selected = _select(planned, only)
    names = [n for n in stack_names(planned) if n in selected]
    groups = [[BOOTSTRAP_STACK]] if BOOTSTRAP_STACK in selected else []
    for plan in planned:
        if plan.stack in selected and not any(plan.stack in g for g in groups):
            groups.append([q.stack for q in planned if q.group == plan.group and q.stack in selected])
    share = set(choose(groups))
    target = Path(outdir)
    target.mkdir(parents=True, exist_ok=True)
    if share:
        _synthesize_into(target, backend, planned, share)
        _adopt(target / "stacks", [p for p in planned if p.stack in share and p.adoption], adopt)
    return names


def _synthesize_into(outdir: Path, backend: BackendSettings, planned: list[PlannedStack],
                     selected: set[str]) -> list[str]:
    """One CDKTF app with the `selected` stacks, synthesized into `outdir` with each stack's
    suppressions beside its JSON."""
    # Imported late: the CDKTF runtime starts only after configuration is known to be valid.
    from cdktf import App

    from modules.stacks.state_backend_stack import StateBackendStack
    from modules.stacks.system_stack import build_system_stacks
    from modules.suppressions import suppressions_of

    app = App(outdir=str(outdir))
    stacks = []
    if BOOTSTRAP_STACK in selected:
        stacks.append(StateBackendStack(app, backend))
    built: set[str] = set()
    for plan in planned:
        if plan.stack in selected and plan.group not in built:
            built.add(plan.group)
            stacks += build_system_stacks(app, plan.env, plan.system, plan.settings, backend)
    app.synth()
    for stack in stacks:
        stack_dir = outdir / "stacks" / stack.node.id
        suppressions = [s.to_json() for s in suppressions_of(stack)]
        (stack_dir / "suppressions.json").write_text(json.dumps(suppressions, indent=2) + "\n")
    return [stack.node.id for stack in stacks]


def _adopt(stacks_dir: Path, planned: list[PlannedStack], emit: bool) -> None:
    """Check each adoption table against its synthesized stack; with `emit`, add the import
    blocks and say on stderr, per stack, what is imported and what will be created."""
    for plan in planned:
        config_path = stacks_dir / plan.stack / "cdk.tf.json"
        source = str(adoption_file(Path(plan.source)))
        adoption = plan_adoption(json.loads(config_path.read_text()), plan.adoption, plan.stack,
                                 source, plan.system.key)
        if emit:
            write_imports(config_path, adoption.imports)
            print(adoption.summary(), file=sys.stderr)


def stack_names(planned: list[PlannedStack]) -> list[str]:
    return [BOOTSTRAP_STACK] + [p.stack for p in planned]


def _select(planned: list[PlannedStack], only: list[str] | None) -> set[str]:
    names = stack_names(planned)
    if not only:
        return set(names)
    environments = {p.env.environment: [q.stack for q in planned if q.env.environment == p.env.environment]
                    for p in planned}
    groups = {p.group: [q.stack for q in planned if q.group == p.group] for p in planned}
    selected: set[str] = set()
    for name in only:
        if name in names:
            selected.add(name)
        elif name in environments:
            selected.update(environments[name])
        elif name in groups:
            selected.update(groups[name])
        else:
            raise ConfigError("--only/PF_ONLY", name,
                              f"unknown stack; choose a stack ({', '.join(names)}) or an "
                              f"environment ({', '.join(environments)})")
    # The parts of a system reference each other: selecting one builds them all.
    return selected | {q.stack for p in planned if p.stack in selected
                       for q in planned if q.group == p.group}


