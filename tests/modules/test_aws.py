"""modules/aws.py: synthesis loads only the provider submodules it uses."""

from __future__ import annotations

import json
import subprocess
import sys

from modules.config import REPO_ROOT

PROBE = """
import json, sys
import main
code = main.main(["--outdir", sys.argv[1]])
loaded = [m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")]
print(json.dumps({"code": code, "loaded": loaded}))
"""


def test_full_synth_imports_a_small_fraction_of_the_provider(tmp_path):
    result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "out")], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    resource_modules = {m.split(".")[1] for m in report["loaded"]} - {"_jsii"}
    # 2,135 submodules exist; synthesis must touch only the ones the constructs use.
    assert 10 < len(resource_modules) < 2135 // 20, sorted(resource_modules)
    assert "bedrockagent_agent" in resource_modules
    assert "wafv2_web_acl" not in resource_modules


def test_provider_module_returns_the_binding():
    from modules.aws import provider_module

    assert provider_module("s3_bucket").S3Bucket.__name__ == "S3Bucket"
