"""Terraform-generating constructs for Amazon Bedrock multi-agent systems (CDKTF, Python).

One module per AWS concern; `modules.stacks` composes them into deployable stacks.
"""

import os
from pathlib import Path

# jsii prints a multi-line banner on Node 20; silence it before any jsii import starts node.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# The jsii kernel's Node process loads the AWS provider's resource modules on first use instead
# of all 2,135 at start (modules/lazy_provider_exports.js): about 4 s and 450 MB less per
# synthesis. Set before any jsii import starts node; PF_EAGER_PROVIDER=1 turns it off.
_PRELOAD = Path(__file__).with_name("lazy_provider_exports.js")
if os.environ.get("PF_EAGER_PROVIDER", "") not in {"1", "true"} and \
        str(_PRELOAD) not in os.environ.get("NODE_OPTIONS", ""):
    os.environ["NODE_OPTIONS"] = " ".join(
        filter(None, [os.environ.get("NODE_OPTIONS", ""), f'--require "{_PRELOAD}"']))

# jsii's generated bindings re-resolve the same argument-check type hints on every call; they
# are computed once per stub instead (modules/jsii_type_hints.py). The checks still run.
from modules import jsii_type_hints as _jsii_type_hints  # noqa: E402

_jsii_type_hints.install()
