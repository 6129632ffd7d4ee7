"""modules/aws.py: synthesis loads only the provider submodules it uses."""

from __future__ import annotations

import sys


def test_full_synth_imports_a_small_fraction_of_the_provider(synth_dir):
    """The session's synthesis of every stack ran in this process (`synth_dir`); so did every
    other test's, and none may have pulled in the whole provider package either."""
    assert (synth_dir / "manifest.json").is_file()
    loaded = {m.split(".")[1] for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")}
    resource_modules = loaded - {"_jsii"}
    # 2,135 submodules exist; synthesis must touch only the ones the constructs use (seven
    # systems use about 170).
    assert 10 < len(resource_modules) < 2135 // 10, sorted(resource_modules)
    assert "bedrockagent_agent" in resource_modules
    assert "gamelift_fleet" not in resource_modules


def test_provider_module_returns_the_binding():
    from modules.aws import provider_module

    assert provider_module("s3_bucket").S3Bucket.__name__ == "S3Bucket"
