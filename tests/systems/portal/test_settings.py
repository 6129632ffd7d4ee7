"""systems/portal/settings.py: bad `[systems.portal]` input is one line naming file, field and
what is allowed, and nothing is written; only prod selects the portal, with the
specification's names, and a second environment with the same names is refused early."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

import main
from modules.config import REPO_ROOT
from modules.naming import first_violation
from systems.portal import all_names
from systems.portal.settings import PortalSettings
from tests.systems.portal.conftest import environment

P = "systems.portal"


def in_portal(line: str):
    return lambda text: re.sub(r"^\[systems\.portal\][^\n]*\n", f"[{P}]\n{line}\n", text,
                               count=1, flags=re.M)


def section(table: str, line: str):
    return lambda text: text + f"\n[{P}.{table}]\n{line}\n"


# (case id, mutation of envs/prod.toml, field the message must name, words it must contain)
MALFORMED = [
    ("unknown-key", in_portal('colour = "blue"'), f"{P}.colour", "unknown key.*network"),
    ("stem-uppercase", in_portal('stem = "GenAI"'), f"{P}.stem", "lowercase"),
    ("domain-not-dns", in_portal('domain = "app_dw"'), f"{P}.domain", "DNS name"),
    ("two-zones", section("network", 'availability_zones = ["a", "b"]'),
     f"{P}.network.availability_zones", "at least 3"),
    ("subnet-not-cidr", section("network", 'public_subnets = ["10.0.0.0", "10.0.1.0/24", '
                                           '"10.0.2.0/24"]'),
     f"{P}.network.public_subnets.0", "IPv4 block"),
    ("prefix-list", section("network", 'cloudfront_prefix_list = "cloudfront"'),
     f"{P}.network.cloudfront_prefix_list", "prefix list"),
    ("engine", section("database", 'engine_version = "16.1"'),
     f"{P}.database.engine_version", "15.4"),
    ("backup-days", section("database", "backup_retention_days = 0"),
     f"{P}.database.backup_retention_days", "greater than or equal to 1"),
    ("threat-mode", section("auth", 'threat_protection = "AUDIT_ONLY"'),
     f"{P}.auth.threat_protection", "AUDIT"),
    ("retention", section("monitoring", "log_retention_days = 8"),
     f"{P}.monitoring.log_retention_days", "one of"),
    ("email", section("monitoring", 'alarm_email = "ops@"'),
     f"{P}.monitoring.alarm_email", "email address"),
    ("image-tag", section("services", 'image_tag = "v1 beta"'),
     f"{P}.services.image_tag", "image tag"),
    ("repository", section("cicd", 'repository = "free-genai-bootcamp-2025"'),
     f"{P}.cicd.repository", "owner/name"),
    ("compute", section("cicd", 'compute_type = "BUILD_GENERAL1_2XLARGE"'),
     f"{P}.cicd.compute_type", "BUILD_GENERAL1_SMALL"),
    ("country", section("edge", 'allowed_countries = ["usa"]'),
     f"{P}.edge.allowed_countries.0", "country code"),
    ("price-class", section("edge", 'price_class = "PriceClass_50"'),
     f"{P}.edge.price_class", "PriceClass_100"),
]


@pytest.fixture
def config_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    envs = tmp_path / "envs"
    envs.mkdir()
    for name in ("dev", "staging", "prod"):
        shutil.copy(REPO_ROOT / "envs" / f"{name}.toml", envs / f"{name}.toml")
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "prod-portal-network").mkdir(parents=True)
    (outdir / "stacks" / "prod-portal-network" / "cdk.tf.json").write_text('{"previous": 1}')
    monkeypatch.setenv("PF_ENVS_DIR", str(envs))
    return {"envs": envs, "outdir": outdir}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def run_main(config_dirs, capsys) -> tuple[int, str]:
    outdir = config_dirs["outdir"]
    before = snapshot(outdir)
    code = main.main(["--outdir", str(outdir)])
    err = capsys.readouterr().err.strip()
    assert snapshot(outdir) == before, "cdktf.out changed"
    return code, err


@pytest.mark.parametrize("case,mutate,field,words", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_settings_are_one_line_and_write_nothing(case, mutate, field, words,
                                                           config_dirs, capsys):
    path = config_dirs["envs"] / "prod.toml"
    original = path.read_text()
    path.write_text(mutate(original))
    assert path.read_text() != original, "the mutation changed nothing"
    code, err = run_main(config_dirs, capsys)
    assert code == 2, err
    assert err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert "prod.toml" in err and f": {field}: " in err, err
    assert re.search(words, err, flags=re.I), err


def test_a_second_environment_with_the_same_names_is_refused(config_dirs, capsys):
    path = config_dirs["envs"] / "staging.toml"
    path.write_text(path.read_text() + "\n[systems.portal]\n")
    code, err = run_main(config_dirs, capsys)
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "also creates" in err, err
    assert "staging.toml" in err or "prod.toml" in err, err


def test_a_second_environment_with_its_own_names_is_accepted():
    """Changing stem, app prefix and domain gives a disjoint set of account-wide names."""
    prod = environment("prod")
    other = PortalSettings(stem="genai-staging", app_prefix="stg", domain="stg.app-dw.net")
    ours = {(rule.service, name) for rule, name in all_names(prod, prod.systems.portal)}
    theirs = {(rule.service, name) for rule, name in all_names(prod, other)}
    assert not ours & theirs
    assert first_violation(all_names(prod, other)) is None


def test_only_prod_selects_the_portal_with_the_specification_names():
    for env in ("dev", "staging"):
        raw = tomllib.loads((REPO_ROOT / "envs" / f"{env}.toml").read_text())
        assert "portal" not in raw["systems"]
    raw = tomllib.loads((REPO_ROOT / "envs" / "prod.toml").read_text())
    assert raw["systems"]["portal"] == {}  # the defaults are the specification's values
    settings = environment("prod").systems.portal
    assert settings == PortalSettings()
    assert (settings.stem, settings.domain) == ("genai-bootcamp", "app-dw.net")
    assert first_violation(all_names(environment("prod"), settings)) is None
