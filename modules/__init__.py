"""Terraform-generating constructs for Amazon Bedrock multi-agent systems (CDKTF, Python).

One module per AWS concern; `modules.stacks` composes them into deployable stacks.
"""

import os

# jsii prints a multi-line banner on Node 20; silence it before any jsii import starts node.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
