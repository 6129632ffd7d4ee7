"""Bad configuration: one clear message naming file, field and what is allowed; no output.

Also: what an env file selects (systems, phases), names refused across stacks, and the
synthesis output left untouched by any failure."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import main
from modules.config import REPO_ROOT
from systems import SYSTEMS

DEV = (REPO_ROOT / "envs" / "dev.toml").read_text()


def replace(old: str, new: str):
    def mutate(text: str) -> str:
        assert re.search(old, text, flags=re.M), f"fixture text lacks {old!r}"
        return re.sub(old, new, text, count=1, flags=re.M)
    return mutate


def append(extra: str):
    return lambda text: text + "\n" + extra + "\n"


def in_functions(line: str):
    """Add a line to dev.toml's [systems.scheduling.functions] table."""
    return replace(r'^log_level = "DEBUG"', f'log_level = "DEBUG"\n{line}')


def in_tables(line: str):
    return replace(r'^capacity_mode = ', f'{line}\ncapacity_mode = ')


S = "systems.scheduling"
# (case id, mutation of envs/dev.toml, field the message must name, words it must contain)
MALFORMED_ENV = [
    ("unknown-top-level-key", lambda text: 'colour = "blue"\n' + text, "colour", "allowed here: account_id"),
    ("unknown-key-in-system", replace(r"^phase = ", 'colour = "blue"\nphase = '), f"{S}.colour", "function_env_suffix"),
    ("unknown-system", append('[systems.billing]\nphase = "1"'), "systems.billing", "allowed here: " + ", ".join(sorted(SYSTEMS))),
    ("no-system-selected", replace(r"^\[systems\.scheduling\]", "[unused]"), "unused", "unknown key"),
    ("unknown-nested-key", replace(r'^log_level = "DEBUG"', "memroy_mb = 256"), f"{S}.functions.memroy_mb", "memory_mb"),
    ("memory-as-string", in_functions('memory_mb = "256"'), f"{S}.functions.memory_mb", "integer"),
    ("memory-too-small", in_functions("memory_mb = 64"), f"{S}.functions.memory_mb", "128"),
    ("timeout-too-long", in_functions("timeout_seconds = 901"), f"{S}.functions.timeout_seconds", "900"),
    ("concurrency-zero", in_functions("reserved_concurrency = 0"), f"{S}.functions.reserved_concurrency", "1"),
    ("retention-not-allowed", in_functions("log_retention_days = 31"), f"{S}.functions.log_retention_days", "one of"),
    ("log-level-unknown", replace(r'^log_level = "DEBUG"', 'log_level = "TRACE"'), f"{S}.functions.log_level", "DEBUG"),
    ("account-11-digits", replace(r'^account_id = "618048437522"', 'account_id = "61804843752"'), "account_id", "exactly 12 digits"),
    ("account-letters", replace(r'^account_id = "618048437522"', 'account_id = "61804843752x"'), "account_id", "exactly 12 digits"),
    ("account-as-number", replace(r'^account_id = "618048437522"', "account_id = 618048437522"), "account_id", "string"),
    ("unknown-region", replace(r'^region = "us-east-1"', 'region = "us-east-9"'), "region", "us-east-1"),
    ("unknown-inference-region", append(f'[{S}.agents]\ninference_regions = ["us-east-1", "mars-1"]'), f"{S}.agents.inference_regions.1", "us-west-2"),
    ("no-inference-region", append(f'[{S}.agents]\ninference_regions = []'), f"{S}.agents.inference_regions", "at least 1"),
    ("prefix-uppercase", replace(r'^prefix = "pf"', 'prefix = "PF"'), "prefix", "lowercase letters"),
    ("prefix-underscore", replace(r'^prefix = "pf"', 'prefix = "p_f"'), "prefix", "lowercase letters"),
    ("prefix-makes-long-guardrail", replace(r'^prefix = "pf"', 'prefix = "' + "platform-foundation-scheduling-agents" + '"'), "prefix/environment", "Bedrock guardrail name .* 1-50"),
    ("prefix-makes-long-s3-bucket", replace(r'^prefix = "pf"', 'prefix = "' + "a" * 44 + '"'), "prefix/environment", "S3 bucket"),
    ("environment-uppercase", replace(r'^environment = "dev"', 'environment = "Dev"'), "environment", "lowercase letters"),
    ("environment-not-file-name", replace(r'^environment = "dev"', 'environment = "qa"'), "environment", "dev.toml"),
    ("reserved-tag-prefix", replace(r'^Owner = "platform-team"', '"aws:owner" = "x"'), "tags", "aws:"),
    ("tag-value-too-long", replace(r'^Owner = "platform-team"', 'Owner = "' + "x" * 300 + '"'), "tags.Owner", "256"),
    ("phase-unknown", replace(r'^phase = "1"', 'phase = "4"'), f"{S}.phase", "allowed: '1', '1.5', '2'"),
    ("phase-unknown", replace(r'^phase = "1"', 'phase = "4"'), f"{S}.phase", "allowed: '1', '1.5', '2', '3'"),
    ("capacity-zero", in_tables("autoscaling_max_capacity = 0"), f"{S}.tables.autoscaling_max_capacity", "greater than or equal to 1"),
    ("cache-ttl-zero", append(f"[{S}.settings]\ncache_ttl_seconds = 0"), f"{S}.settings.cache_ttl_seconds", "60"),
    ("email-malformed", append(f'[{S}.alarms]\nemail_subscriptions = ["ops@"]'), f"{S}.alarms.email_subscriptions.0", "email address"),
    ("schedule-rejected", append(f'[{S}.schedules]\nrefresh_cache = "rate(1 hours)"'), f"{S}.schedules.refresh_cache", "rate\\(1 hour\\)"),
    ("cron-five-fields", append(f'[{S}.schedules]\ndaily_metrics = "cron(0 9 * * ?)"'), f"{S}.schedules.daily_metrics", "6 fields"),
    ("alarm-period-odd", append(f"[{S}.alarms]\nperiod_seconds = 90"), f"{S}.alarms.period_seconds", "multiple of 60"),
    ("phase-as-number", replace(r'^phase = "1"', "phase = 1.5"), f"{S}.phase", "string"),
    ("idle-ttl-too-short", append(f"[{S}.agents]\nidle_session_ttl_seconds = 10"), f"{S}.agents.idle_session_ttl_seconds", "60"),
    ("model-with-space", append(f'[{S}.agents]\nfoundation_model = "claude sonnet"'), f"{S}.agents.foundation_model", "inference profile id"),
    ("guardrail-as-string", append(f'[{S}.agents]\nguardrail_enabled = "yes"'), f"{S}.agents.guardrail_enabled", "boolean"),
    ("pf360-plain-http", append(f'[{S}.pf360]\napi_base_url = "http://api.pf360.com"'), f"{S}.pf360.api_base_url", "https"),
    ("toml-syntax", append("[functions"), "(syntax)", "TOML"),
]


@pytest.fixture
def config_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    envs = tmp_path / "envs"
    envs.mkdir()
    for name in ("dev", "staging", "prod"):
        shutil.copy(REPO_ROOT / "envs" / f"{name}.toml", envs / f"{name}.toml")
    backend = tmp_path / "backend.tf.json"
    shutil.copy(REPO_ROOT / "backend.tf.json", backend)
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "dev-scheduling").mkdir(parents=True)
    (outdir / "stacks" / "dev-scheduling" / "cdk.tf.json").write_text('{"previous": "synth"}')
    monkeypatch.setenv("PF_ENVS_DIR", str(envs))
    monkeypatch.setenv("PF_BACKEND_FILE", str(backend))
    return {"envs": envs, "backend": backend, "outdir": outdir}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_rejected(capsys, outdir: Path, file_name: str, field: str, words: str) -> str:
    before = snapshot(outdir)
    code = main.main(["--outdir", str(outdir)])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("error: "), err
    assert len(err.splitlines()) == 1, f"expected one message, got:\n{err}"
    assert file_name in err and f": {field}: " in err, err
    assert re.search(words, err, flags=re.I) or words in err, err
    assert snapshot(outdir) == before, "cdktf.out changed"
    assert not list(outdir.parent.glob(".cdktf.out.tmp-*")), "a temporary synth folder was left"
    return err


@pytest.mark.parametrize("case,mutate,field,words", MALFORMED_ENV, ids=[c[0] for c in MALFORMED_ENV])
def test_malformed_env_file_is_rejected_without_output(case, mutate, field, words, config_dirs, capsys):
    path = config_dirs["envs"] / "dev.toml"
    path.write_text(mutate(DEV))
    assert_rejected(capsys, config_dirs["outdir"], "dev.toml", field, words)


def test_prod_on_mock_data_is_rejected(config_dirs, capsys):
    prod = config_dirs["envs"] / "prod.toml"
    prod.write_text(prod.read_text().replace('phase = "1.5"', 'phase = "1"'))
    assert_rejected(capsys, config_dirs["outdir"], "prod.toml", "systems.scheduling.phase",
                    "mock data is not for production")


def test_an_env_without_systems_is_rejected(config_dirs, capsys):
    text = DEV.split("[systems.scheduling]")[0]
    (config_dirs["envs"] / "dev.toml").write_text(text)
    assert_rejected(capsys, config_dirs["outdir"], "dev.toml", "(top level)", "selects no system")


MALFORMED_BACKEND = [
    ("encrypt-false", ("terraform", "backend", "s3", "encrypt"), False, "terraform.backend.s3.encrypt"),
    ("lockfile-missing", ("terraform", "backend", "s3", "use_lockfile"), None, "terraform.backend.s3.use_lockfile"),
    ("bucket-uppercase", ("terraform", "backend", "s3", "bucket"), "PF_State", "terraform.backend.s3.bucket"),
    ("unknown-backend-key", ("terraform", "backend", "s3", "endpoint"), "http://x", "terraform.backend.s3.endpoint"),
    ("account-short", ("//", "account_id"), "123", "//.account_id"),
]


@pytest.mark.parametrize("case,path,value,field", MALFORMED_BACKEND, ids=[c[0] for c in MALFORMED_BACKEND])
def test_malformed_backend_file_is_rejected(case, path, value, field, config_dirs, capsys):
    data = json.loads(config_dirs["backend"].read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is None:
        node.pop(path[-1])
    else:
        node[path[-1]] = value
    config_dirs["backend"].write_text(json.dumps(data))
    assert_rejected(capsys, config_dirs["outdir"], "backend.tf.json", field, "")


def test_two_stacks_producing_one_account_name_are_refused(config_dirs, capsys):
    """staging without the Lambda suffix would create dev's function names in the same account."""
    staging = config_dirs["envs"] / "staging.toml"
    staging.write_text(staging.read_text().replace(
        "[systems.scheduling]\n", "[systems.scheduling]\nfunction_env_suffix = false\n", 1))
    err = assert_rejected(capsys, config_dirs["outdir"], "staging.toml", "systems.scheduling",
                          "Lambda function name 'pf-scheduling-actions'")
    assert "dev.toml" in err and "dev-scheduling" in err and "618048437522" in err


def test_unknown_stack_selection_is_rejected(config_dirs, capsys):
    before = snapshot(config_dirs["outdir"])
    assert main.main(["--outdir", str(config_dirs["outdir"]), "--only", "qa"]) == 2
    err = capsys.readouterr().err
    assert "qa" in err and "state-backend" in err and "dev-scheduling" in err
    assert snapshot(config_dirs["outdir"]) == before


def test_command_line_exit_code_and_message(config_dirs, tmp_path):
    (config_dirs["envs"] / "dev.toml").write_text(DEV.replace('region = "us-east-1"', 'region = "moon-1"', 1))
    result = subprocess.run([sys.executable, "main.py", "--outdir", str(config_dirs["outdir"])],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "dev.toml: region: got 'moon-1'" in result.stderr
    assert (config_dirs["outdir"] / "stacks" / "dev-scheduling" / "cdk.tf.json").read_text() == '{"previous": "synth"}'


def test_a_failure_after_synthesis_started_leaves_the_output_untouched(config_dirs, monkeypatch):
    import systems.app as app

    def boom(stack, settings):
        from modules.encryption_key import EncryptionKey, EncryptionKeyProps
        EncryptionKey(stack, "half", EncryptionKeyProps(alias="alias/x", description="x",
                                                       account_id="618048437522", region="us-east-1"))
        raise RuntimeError("failed half-way through a stack")

    monkeypatch.setitem(app.SYSTEMS, "scheduling", dataclasses.replace(app.SYSTEMS["scheduling"], build=boom))
    before = snapshot(config_dirs["outdir"])
    with pytest.raises(RuntimeError, match="half-way"):
        app.build_and_synthesize(config_dirs["outdir"])
    assert snapshot(config_dirs["outdir"]) == before
    assert not list(config_dirs["outdir"].parent.glob(".cdktf.out.*"))


def test_selection_by_environment_and_stacks_no_longer_configured_disappear(config_dirs):
    from systems.app import build_and_synthesize

    (config_dirs["envs"] / "prod.toml").unlink()
    names = build_and_synthesize(config_dirs["outdir"], only=["staging", "state-backend"])
    assert names == ["state-backend", "staging-scheduling", "staging-chatbot", "staging-fraud"]
    assert sorted(p.name for p in (config_dirs["outdir"] / "stacks").iterdir()) == sorted(names)
