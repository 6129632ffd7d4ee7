"""The one place that imports the AWS provider bindings.

`import cdktf_cdktf_provider_aws` runs a package ``__init__`` that imports all 2,135 resource
submodules (10-15 s, ~1 GB across Python and node). We register a bare package object with the
real ``__path__`` first, so importing ``cdktf_cdktf_provider_aws.s3_bucket`` loads the jsii
assembly plus only the submodules we use, with byte-identical synthesized JSON.

Every other module imports provider classes from here, so the CDK Terrain rename
(``cdktf_cdktf_provider_aws`` -> ``cdktn_provider_aws``) is a change to this file only.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

PROVIDER_PACKAGE = "cdktf_cdktf_provider_aws"


def _register_bare_provider_package() -> None:
    if PROVIDER_PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PROVIDER_PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(
            f"{PROVIDER_PACKAGE} is not installed; run the README set-up command"
        )
    package = types.ModuleType(PROVIDER_PACKAGE)
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    package.__file__ = spec.origin
    package.__package__ = PROVIDER_PACKAGE
    sys.modules[PROVIDER_PACKAGE] = package


def provider_module(name: str) -> types.ModuleType:
    """Import one resource submodule, e.g. ``provider_module("s3_bucket")``."""
    _register_bare_provider_package()
    return importlib.import_module(f"{PROVIDER_PACKAGE}.{name}")
