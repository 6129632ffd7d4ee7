"""systems/chatbot/settings.py: bad `[systems.chatbot]` input is one line naming file, field
and what is allowed, and nothing is written; env files state only differences."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

import main
from modules.config import REPO_ROOT
from systems.chatbot import all_names, names_of
from systems.chatbot.settings import ChatbotSettings
from tests.systems.chatbot.conftest import environment

C = "systems.chatbot"


def section(table: str, line: str):
    """Append `[systems.chatbot.<table>]` with one line to dev.toml (a table dev does not set)."""
    return lambda text: text + f"\n[{C}.{table}]\n{line}\n"


def in_functions(line: str):
    """Add a line to dev.toml's `[systems.chatbot.functions]` table."""
    return lambda text: text.replace(f"[{C}.functions]\n", f"[{C}.functions]\n{line}\n", 1)


def in_chatbot(line: str):
    return lambda text: re.sub(r"^\[systems\.chatbot\][^\n]*\n", f"[{C}]\n{line}\n", text,
                               count=1, flags=re.M)


# (case id, mutation of envs/dev.toml, field the message must name, words it must contain)
MALFORMED = [
    ("unknown-key", in_chatbot('colour = "blue"'), f"{C}.colour", "functions"),
    ("unknown-table", section("cache", "ttl = 5"), f"{C}.cache", "retention"),
    ("memory-too-small", in_functions("memory_mb = 64"), f"{C}.functions.memory_mb", "128"),
    ("timeout-beyond-api", in_functions("timeout_seconds = 30"),
     f"{C}.functions.timeout_seconds", "29"),
    ("retention-below-gate", in_functions("log_retention_days = 30"),
     f"{C}.functions.log_retention_days", "at least 365"),
    ("retention-not-cloudwatch", in_functions("log_retention_days = 366"),
     f"{C}.functions.log_retention_days", "one of"),
    ("history-ttl-zero", lambda text: text.replace("history_ttl_days = 7", "history_ttl_days = 0"),
     f"{C}.retention.history_ttl_days", "greater than or equal to 1"),
    ("history-ttl-string", lambda text: text.replace("history_ttl_days = 7",
                                                     'history_ttl_days = "7"'),
     f"{C}.retention.history_ttl_days", "integer"),
    ("origin-with-path", lambda text: text.replace('"http://localhost:3000"',
                                                   '"https://chat.example.com/app"'),
     f"{C}.api.cors_allow_origins.0", "no path"),
    ("origin-plain-http", lambda text: text.replace('"http://localhost:3000"',
                                                    '"http://chat.example.com"'),
     f"{C}.api.cors_allow_origins.0", "https://"),
    ("origin-twice", lambda text: text.replace('"http://localhost:3000"',
                                               '"http://localhost:3000", "http://localhost:3000"'),
     f"{C}.api.cors_allow_origins", "listed twice"),
    ("openai-plain-http", section("openai", 'api_base_url = "http://api.openai.com/v1"'),
     f"{C}.openai.api_base_url", "https://"),
    ("salesforce-version", section("salesforce", 'api_version = "61"'),
     f"{C}.salesforce.api_version", "v61.0"),
    ("error-rate-zero", section("alarms", "api_error_rate_percent = 0"),
     f"{C}.alarms.api_error_rate_percent", "greater than 0"),
    ("lambda-errors-negative", section("alarms", "lambda_errors = -1"),
     f"{C}.alarms.lambda_errors", "greater than or equal to 0"),
    ("email-malformed", section("alarms", 'email_subscriptions = ["ops@"]'),
     f"{C}.alarms.email_subscriptions.0", "email address"),
    ("email-twice", section("alarms", 'email_subscriptions = ["a@example.com", "A@example.com"]'),
     f"{C}.alarms.email_subscriptions", "listed twice"),
    ("period-odd", section("alarms", "period_seconds = 90"), f"{C}.alarms.period_seconds",
     "multiple of 60"),
    ("issuer-with-space", section("auth", 'issuer = "my issuer"'), f"{C}.auth.issuer",
     "letters, digits"),
    ("authorizer-cache-too-long", section("auth", "authorizer_cache_seconds = 7200"),
     f"{C}.auth.authorizer_cache_seconds", "3600"),
    ("backup-as-string", section("tables", 'backup = "yes"'), f"{C}.tables.backup", "boolean"),
    ("backup-retention-short", section("tables", "backup_retention_days = 1"),
     f"{C}.tables.backup_retention_days", "7"),
]


@pytest.fixture
def config_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    envs = tmp_path / "envs"
    envs.mkdir()
    for name in ("dev", "staging", "prod"):
        shutil.copy(REPO_ROOT / "envs" / f"{name}.toml", envs / f"{name}.toml")
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "dev-chatbot").mkdir(parents=True)
    (outdir / "stacks" / "dev-chatbot" / "cdk.tf.json").write_text('{"previous": "synth"}')
    monkeypatch.setenv("PF_ENVS_DIR", str(envs))
    return {"envs": envs, "outdir": outdir}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("case,mutate,field,words", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_settings_are_one_line_and_write_nothing(case, mutate, field, words,
                                                           config_dirs, capsys):
    path = config_dirs["envs"] / "dev.toml"
    original = path.read_text()
    path.write_text(mutate(original))
    assert path.read_text() != original, "the mutation changed nothing"
    outdir = config_dirs["outdir"]
    before = snapshot(outdir)
    code = main.main(["--outdir", str(outdir)])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert "dev.toml" in err and f": {field}: " in err, err
    assert re.search(words, err, flags=re.I) or words in err, err
    assert snapshot(outdir) == before, "cdktf.out changed"


def model_defaults(model: BaseModel = ChatbotSettings(), prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in model:
        if isinstance(value, BaseModel):
            out.update(model_defaults(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = list(value) if isinstance(value, tuple) else value
    return out


def flatten(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_env_files_deploy_the_chatbot_and_state_only_differences(env):
    raw = tomllib.loads((REPO_ROOT / "envs" / f"{env}.toml").read_text())
    assert "chatbot" in raw["systems"]
    stated = flatten(raw["systems"]["chatbot"])
    defaults = model_defaults()
    assert set(stated) <= set(defaults)
    restated = {k: v for k, v in stated.items() if defaults[k] == v}
    assert restated == {}, f"envs/{env}.toml restates defaults: {restated}"


def test_environment_differences_follow_the_specification():
    settings = {env: environment(env).systems.chatbot for env in ("dev", "staging", "prod")}
    dev, staging, prod = settings["dev"], settings["staging"], settings["prod"]
    assert staging == ChatbotSettings()  # production-like: the defaults
    assert dev.retention.history_ttl_days < staging.retention.history_ttl_days \
        < prod.retention.history_ttl_days
    assert dev.functions.log_retention_days < prod.functions.log_retention_days
    assert prod.tables.backup and prod.tables.deletion_protection
    assert not dev.tables.backup and not staging.tables.backup
    assert prod.functions.reserved_concurrency > staging.functions.reserved_concurrency


def test_every_name_follows_its_rule_and_carries_the_environment():
    env = environment("prod")
    names = all_names(env, env.systems.chatbot)
    assert all(rule.violation(name) is None for rule, name in names), names
    assert all("prod" in name for _, name in names if not name.endswith("-policy")), names
    assert len({(rule.service, name) for rule, name in names}) == len(names)
    assert (names_of(env).backup("vault")) in {n for _, n in names}
