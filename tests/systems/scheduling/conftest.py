"""Helpers for the scheduling system's tests: synthesize its stack from a shipped env file
with settings overridden, or with the agent table and sources of a temporary copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import environment, load_stack, merged, synth_system  # noqa: F401


def synth_scheduling(outdir: Path, env: str = "dev", overrides: dict | None = None,
                     sources=None) -> Path:
    """Synthesize only the scheduling stack of `env` into `outdir`; return the stack folder.
    `sources`: the agent table and Lambda sources of a temporary copy."""
    from systems.scheduling import SYSTEM, build
    from systems.scheduling.catalog import Sources

    system = SYSTEM
    if sources is not None:
        from dataclasses import replace
        system = replace(SYSTEM, build=lambda stack, s: build(stack, s, sources or Sources()))
    return synth_system(system, outdir, env, overrides)[0]


@pytest.fixture(scope="session")
def table():
    from systems.scheduling.catalog import load_agent_table

    return load_agent_table()


# -- phase 3: staging at phase "3", synthesized, planned and gated once per session ------------

PHASE3 = {"systems": {"scheduling": {"phase": "3"}}}


@pytest.fixture(scope="session")
def phase3_stack_dir(tmp_path_factory) -> Path:
    return synth_scheduling(tmp_path_factory.mktemp("phase3") / "out", "staging", PHASE3)


@pytest.fixture(scope="session")
def phase3_stack(phase3_stack_dir: Path) -> dict:
    return load_stack(phase3_stack_dir)


@pytest.fixture(scope="session")
def phase3_run(phase3_stack_dir: Path, tmp_path_factory):
    """The offline plan of the phase-3 staging stack (one per session)."""
    from modules.pipeline.run import StackRun, validate_and_plan
    from tests.conftest import terraform_available

    terraform_available()
    run = StackRun(phase3_stack_dir.name, tmp_path_factory.mktemp("phase3-plan"))
    validate_and_plan(run, phase3_stack_dir, "us-east-1")
    return run


@pytest.fixture(scope="session")
def phase3_gate(phase3_run, phase3_stack_dir: Path):
    """The checkov gate over that stack's JSON and plan (one checkov run per session)."""
    from modules.pipeline.checkov_gate import evaluate, load_suppressions, run_checkov

    files = {phase3_run.workdir / "cdk.tf.json", phase3_run.plan_file}
    return evaluate(phase3_run.name, files, run_checkov(sorted(files)),
                    load_suppressions(phase3_stack_dir))
