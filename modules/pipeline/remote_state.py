"""Cross-stack references in synthesized output: the stacks of a system with parts read each
other's outputs through `terraform_remote_state` data sources (CDKTF writes an output in the
producer and a `cross-stack-reference-input-<stack>` data source in the consumer).

Three uses, all on the synthesized JSON only:
- `dependency_order`: producers before consumers, for applying an environment;
- `offline_remote_state`: an offline plan cannot read S3, so each data source reads an empty
  local state and gets placeholder `defaults` for the outputs the consumer uses (ARNs shaped as
  ARNs, so the provider's plan-time validation still runs);
- `emulator_remote_state`: against the local emulator the data source reads the real state
  there, with the emulator's endpoints added to its S3 configuration.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REMOTE_STATE = "terraform_remote_state"
# `${data.terraform_remote_state.<name>.outputs.<output>}` anywhere in a stack's JSON.
_OUTPUT_REFERENCE = re.compile(r"data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)")
# An output whose value is one attribute of one resource: `${aws_iam_role.x.arn}`.
_SINGLE_ATTRIBUTE = re.compile(r"^\$\{(aws_[a-z0-9_]+)\.[\w-]+\.([a-z0-9_]+)\}$")


def remote_states(config: dict) -> dict[str, dict]:
    """The stack's `terraform_remote_state` data sources by name."""
    return config.get("data", {}).get(REMOTE_STATE, {})


def producers(config: dict, keys: dict[str, str]) -> list[str]:
    """Stacks (by `keys`: state key -> stack id) whose state this stack reads."""
    found = []
    for body in remote_states(config).values():
        stack = keys.get(body.get("config", {}).get("key", ""))
        if stack and stack not in found:
            found.append(stack)
    return found


def dependency_order(configs: dict[str, dict]) -> list[str]:
    """Stack ids in an order where every producer comes before its consumers; otherwise the
    given order. Raises ValueError on a cycle (CDKTF refuses those at synthesis already)."""
    keys = {c["terraform"]["backend"]["s3"]["key"]: name for name, c in configs.items()
            if "s3" in c.get("terraform", {}).get("backend", {})}
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise ValueError(f"stacks read each other's state in a cycle through {name}")
        visiting.add(name)
        for producer in producers(configs[name], keys):
            if producer in configs:
                visit(producer)
        visiting.discard(name)
        ordered.append(name)

    for name in configs:
        visit(name)
    return ordered


def _placeholder(output: str, producer: dict | None, region: str, account: str) -> str:
    value = ((producer or {}).get("output", {}).get(output) or {}).get("value")
    if isinstance(value, str) and "${" not in value:
        return value  # a literal the producer states (a name)
    match = _SINGLE_ATTRIBUTE.match(value) if isinstance(value, str) else None
    attribute = match.group(2) if match else output
    if attribute == "arn" or attribute.endswith("_arn"):
        service = match.group(1).split("_")[1] if match else "offline"
        return f"arn:aws:{service}:{region}:{account}:offline-plan/{output}"
    return f"offline-plan-{attribute.replace('_', '-')}"


# An empty state: what a producer that was never applied holds.
EMPTY_STATE = {"version": 4, "terraform_version": "1.0.0", "serial": 1,
               "lineage": "offline-plan-placeholder", "outputs": {}, "resources": []}


def offline_remote_state(config: dict, stacks_root: Path) -> tuple[dict, dict[str, str]]:
    """Override for an offline plan, and the files it needs (relative path -> content): every
    remote state reads an empty local state and falls back to placeholders for the outputs this
    stack uses. Both empty when the stack reads no remote state."""
    states = remote_states(config)
    if not states:
        return {}, {}
    provider = config.get("provider", {}).get("aws", [{}])[0]
    region = provider.get("region", "us-east-1")
    account = (provider.get("allowed_account_ids") or ["000000000000"])[0]
    used: dict[str, set[str]] = {}
    for name, output in _OUTPUT_REFERENCE.findall(json.dumps(config)):
        used.setdefault(name, set()).add(output)
    override = {}
    for name in states:
        producer_dir = stacks_root / name.removeprefix("cross-stack-reference-input-")
        producer = (json.loads((producer_dir / "cdk.tf.json").read_text())
                    if (producer_dir / "cdk.tf.json").is_file() else None)
        override[name] = {
            "backend": "local",
            "config": {"path": f"offline-remote-state/{name}.tfstate"},
            "defaults": {o: _placeholder(o, producer, region, account)
                         for o in sorted(used.get(name, ()))},
        }
    files = {f"offline-remote-state/{name}.tfstate": json.dumps(EMPTY_STATE) for name in states}
    return {"data": {REMOTE_STATE: override}}, files


def emulator_remote_state(config: dict, endpoint: str, kms_key_id: str | None = None) -> dict:
    """Override for the local emulator: each remote state's S3 configuration plus the
    emulator's endpoints (credentials come from the environment, as for the provider)."""
    override = {}
    for name, body in remote_states(config).items():
        s3 = dict(body.get("config", {}))
        s3.update({
            "endpoints": {"s3": endpoint, "dynamodb": endpoint, "sts": endpoint,
                          "iam": endpoint},
            "use_path_style": True,
            "skip_credentials_validation": True,
            "skip_metadata_api_check": True,
            "skip_region_validation": True,
            "skip_requesting_account_id": True,
        })
        if kms_key_id:
            s3.update({"encrypt": True, "kms_key_id": kms_key_id})
        override[name] = {"backend": body.get("backend", "s3"), "config": s3}
    return {"data": {REMOTE_STATE: override}} if override else {}
