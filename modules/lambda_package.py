"""Deployment zips of a system's Lambdas (standard library only, no CDKTF import).

A system keeps its functions under one source root, `lambda/<system>/`. A function package
holds, at the zip root: the files of `<root>/<name>/` (so the handler is
`handler.lambda_handler`), the shared package(s) under `<root>/shared/`, and the runtime
dependencies pinned in `<root>/requirements.txt`, vendored as CPython 3.11 manylinux2014_x86_64
wheels (what Lambda's python3.11 x86_64 runtime loads). boto3 is not vendored: the runtime has it.

The zips are deterministic, so equal sources give byte-identical zips (and an equal
`source_code_hash`) on any machine: entries sorted, timestamps 1980-01-01, mode 0644, no
bytecode, no installer bookkeeping (RECORD, INSTALLER, ...), and no compression (deflate output
depends on the zlib build, which would make the hash machine-specific; the zips stay ~11 MB,
far below Lambda's 50 MB upload limit).

Caching, under the build directory (argument, else $PF_LAMBDA_BUILD_DIR, else <repo>/build/lambda):
- `deps-<key>/`: the vendored dependencies, keyed by the requirements file and pip target
  options, installed once;
- `<system>-<name>.zip` + `.manifest`: rebuilt only when the digest of the inputs changes.

An action-group function also has a generated OpenAPI schema at `<root>/schemas/<schema_key>`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LAMBDA_ROOT = REPO_ROOT / "lambda"
BUILD_DIR_ENV = "PF_LAMBDA_BUILD_DIR"
DEFAULT_BUILD_DIR = REPO_ROOT / "build" / "lambda"

# Wheels for the Lambda runtime, whatever machine builds: never compile or pick a local build.
PIP_TARGET_OPTIONS = (
    "--platform",
    "manylinux2014_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    "3.11",
    "--only-binary=:all:",
    # The requirements file pins every transitive dependency; boto3/botocore, which some of
    # them declare, come with the Lambda runtime and must not be vendored.
    "--no-deps",
)
# Part of every manifest: bump it when the layout or the filters below change.
FORMAT_VERSION = "1"

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ZIP_MODE = (stat.S_IFREG | 0o644) << 16
_COMPLETE_MARKER = ".complete"
# Written by the installer, different per install, unused at runtime.
_INSTALLER_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


class LambdaPackageError(RuntimeError):
    """A package could not be built; the message says what failed and how to reproduce it."""


def schema_key(name: str) -> str:
    """File name (and S3 object key) of the OpenAPI schema of action-group function `name`."""
    return f"{name}_actions.json"


@dataclass(frozen=True)
class FunctionPackage:
    name: str
    zip_path: Path
    sha256_b64: str  # base64 of the zip's SHA-256, as Terraform's source_code_hash expects
    #: The generated OpenAPI schema, for action-group functions; None for other functions.
    schema_path: Path | None
    #: The zip's MD5 as CDKTF's TerraformAsset hashes a file (32 upper-case hex digits): given
    #: to the asset, it spares the jsii node process reading every zip again on each synth.
    asset_hash: str = ""

    @property
    def schema_key(self) -> str:
        return schema_key(self.name)


def source_root(system: str) -> Path:
    """`lambda/<system>/`: the functions, shared code, requirements and schemas of a system."""
    return LAMBDA_ROOT / system


def build_function_package(
    name: str, root: Path, *, build_dir: Path | None = None, action_group: bool = True
) -> FunctionPackage:
    """Build (or reuse) the zip of function `name` under source root `root`. An action-group
    function must have its generated schema."""
    root = root.resolve()
    function_dir = root / name
    if not (function_dir / "handler.py").is_file():
        raise LambdaPackageError(
            f"{_shown(function_dir / 'handler.py')} is missing: every function named in the "
            f"system's tables needs a folder {_shown(function_dir)}/ with a handler.py")
    schema = root / "schemas" / schema_key(name)
    if action_group and not schema.is_file():
        raise LambdaPackageError(f"{_shown(schema)} is missing; run: "
                                 f"python {_shown(root / 'generate_schemas.py')}")

    out_dir = resolve_build_dir(build_dir)
    deps_dir = vendor_dependencies(root / "requirements.txt", out_dir)
    entries = collect_entries(function_dir, root / "shared", deps_dir)
    manifest = _manifest(entries)

    zip_path = out_dir / f"{root.name}-{name}.zip"
    stamp = out_dir / f"{root.name}-{name}.zip.manifest"
    digest_file = out_dir / f"{root.name}-{name}.zip.sha256"
    asset_file = out_dir / f"{root.name}-{name}.zip.md5"
    if not (zip_path.is_file() and stamp.is_file() and digest_file.is_file()
            and asset_file.is_file() and stamp.read_text(encoding="utf-8") == manifest):
        print(f"lambda_package: building {zip_path} ({len(entries)} files)", file=sys.stderr)
        _write_zip(entries, zip_path)
        # The zip's digests beside it, so a reused zip is not read again.
        data = zip_path.read_bytes()
        _atomic_write(digest_file, base64.b64encode(hashlib.sha256(data).digest()))
        _atomic_write(asset_file, terraform_asset_hash(data).encode())
        _atomic_write(stamp, manifest.encode())
    return FunctionPackage(
        name=name,
        zip_path=zip_path,
        sha256_b64=digest_file.read_text(encoding="ascii").strip(),
        schema_path=schema if action_group else None,
        asset_hash=asset_file.read_text(encoding="ascii").strip(),
    )


def terraform_asset_hash(data: bytes) -> str:
    """The hash CDKTF's TerraformAsset computes for a file (MD5, hex, upper case): it names the
    asset's folder in the synthesized stack, so the given hash keeps the output identical."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest().upper()


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def resolve_build_dir(build_dir: Path | None = None) -> Path:
    chosen = build_dir or os.environ.get(BUILD_DIR_ENV) or DEFAULT_BUILD_DIR
    path = Path(chosen).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def vendor_dependencies(requirements: Path, build_dir: Path) -> Path:
    """Install the pinned requirements once into build_dir/deps-<key>; return that folder."""
    if not requirements.is_file():
        raise LambdaPackageError(f"{_shown(requirements)} is missing")
    key = hashlib.sha256(requirements.read_bytes() + "\0".join(PIP_TARGET_OPTIONS).encode()).hexdigest()[:16]
    target = build_dir / f"deps-{key}"
    if (target / _COMPLETE_MARKER).is_file():
        return target

    staging = Path(tempfile.mkdtemp(prefix=f"deps-{key}.", suffix=".tmp", dir=build_dir))
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(staging),
        *PIP_TARGET_OPTIONS,
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "-r",
        str(requirements),
    ]
    print(f"lambda_package: vendoring {requirements} into {target}", file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        output = (result.stderr or result.stdout).strip().splitlines()[-15:]
        raise LambdaPackageError(
            f"pip could not vendor the Lambda dependencies (exit code {result.returncode}).\n"
            f"command: {shlex.join(command)}\n" + "\n".join(output)
        )
    (staging / _COMPLETE_MARKER).write_text(shlex.join(command) + "\n", encoding="utf-8")
    # Publish atomically; a leftover without the marker is from an interrupted older layout.
    if target.exists() and not (target / _COMPLETE_MARKER).is_file():
        shutil.rmtree(target)
    try:
        os.replace(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another build published it first
        if not (target / _COMPLETE_MARKER).is_file():
            raise
    return target


def collect_entries(function_dir: Path, shared_dir: Path, deps_dir: Path) -> dict[str, Path]:
    """Zip entry name -> source file, for the three sources; a name clash is an error."""
    entries: dict[str, Path] = {}
    sources = [(function_dir, False), (deps_dir, True)]
    if shared_dir.is_dir():
        sources.insert(1, (shared_dir, False))
    for base, vendored in sources:
        for arcname, path in (_vendored_files(base) if vendored else _files(base, False)):
            if arcname in entries:
                raise LambdaPackageError(f"{arcname} comes from both {entries[arcname]} and {path}")
            entries[arcname] = path
    return entries


@functools.lru_cache(maxsize=None)
def _vendored_files(deps_dir: Path) -> tuple[tuple[str, Path], ...]:
    """A vendored folder is complete and never changes once published: list it once."""
    return tuple(_files(deps_dir, True))


def _files(base: Path, vendored: bool) -> Iterator[tuple[str, Path]]:
    for directory, subdirs, files in os.walk(base):
        relative = Path(directory).relative_to(base)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d != "__pycache__"
            and not d.startswith(".")
            # Console scripts: their shebang names the build machine's interpreter.
            and not (vendored and relative == Path(".") and d == "bin")
        )
        for filename in sorted(files):
            if filename.startswith(".") or filename.endswith((".pyc", ".pyo")):
                continue
            if vendored and relative.name.endswith(".dist-info") and filename in _INSTALLER_FILES:
                continue
            yield (relative / filename).as_posix(), Path(directory) / filename


# Digest of each file read in this process, by (path, size, mtime): every function of a system
# shares the same vendored folder, which one synthesis would otherwise hash once per function.
_DIGESTS: dict[tuple[Path, int, int], str] = {}


def _digest(path: Path) -> str:
    info = path.stat()
    key = (path, info.st_size, info.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[key]


def _manifest(entries: dict[str, Path]) -> str:
    lines = [f"format {FORMAT_VERSION}"]
    lines += [f"{_digest(entries[name])}  {name}" for name in sorted(entries)]
    return "\n".join(lines) + "\n"


def _write_zip(entries: dict[str, Path], zip_path: Path) -> None:
    fd, temp_name = tempfile.mkstemp(prefix=f"{zip_path.name}.", suffix=".tmp", dir=zip_path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as archive:
            for arcname in sorted(entries):
                info = zipfile.ZipInfo(arcname, date_time=_ZIP_DATE)
                info.create_system = 3  # Unix, so external_attr carries the mode
                info.external_attr = _ZIP_MODE
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, entries[arcname].read_bytes())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, zip_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temp_name = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
