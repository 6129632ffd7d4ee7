"""A system with parts on the emulator: the producer part is applied first, the reading part
gets the producer's real output through `terraform_remote_state` against the emulator's S3
(with the bootstrapped state key), and second plans of both show no changes."""

from __future__ import annotations

import shutil

import pytest

from modules.backend import BOOTSTRAP_STACK
from modules.local_aws.local_apply import LocalAws, stacks_of
from tests.conftest import build_parts_demo

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def applied(cli_apply, local, emulator, workroot, synth_dir, tmp_path_factory):
    """The demo parts applied after the session's dev apply (which bootstrapped the backend),
    sharing its work root (and its bootstrap stack) so they find the bootstrapped state key."""
    synth = build_parts_demo(tmp_path_factory.mktemp("parts-apply") / "cdktf.out")
    shutil.copytree(synth_dir / "stacks" / BOOTSTRAP_STACK, synth / "stacks" / BOOTSTRAP_STACK)
    parts = LocalAws(emulator.endpoint, synth, workroot)
    order = stacks_of(synth, "dev-demo")
    results = [parts.apply(stack) for stack in order]
    return parts, order, results


def test_parts_apply_in_dependency_order(applied):
    _, order, results = applied
    assert order == ["dev-demo-network", "dev-demo-data"]
    assert [r.changes for r in results] == ["Apply complete! Resources: 1 added, 0 changed, "
                                           "0 destroyed."] * 2


def test_the_reader_holds_the_producers_real_values(applied, aws):
    ssm = aws("ssm")
    source = ssm.get_parameter(Name="/pf-demo/dev/source")["Parameter"]
    reader = ssm.get_parameter(Name="/pf-demo/dev/reader")["Parameter"]
    assert reader["Value"] == source["ARN"]
    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Values": ["/pf-demo/dev/reader"]}])["Parameters"]
    assert described[0]["Description"] == "/pf-demo/dev/source"


def test_second_plans_show_no_changes(applied):
    parts, order, _ = applied
    for stack in order:
        code, output = parts.plan_exitcode(stack)
        assert code == 0, output[-2000:]
