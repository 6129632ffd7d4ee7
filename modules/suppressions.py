"""Per-resource checkov suppressions, declared next to the construct that needs them.

checkov drops every `//` field of CDKTF JSON, so its inline skips cannot work here. Instead a
construct calls `suppress(resource, "CKV_AWS_117", "why ...")`; main.py writes the stack's list
to `suppressions.json` beside `cdk.tf.json`, and the checkov gate filters its findings with it,
reports each suppression applied, and fails on one that matched nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # cdktf starts a jsii node process on import: only when synthesizing
    from cdktf import TerraformStack

CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")
MIN_REASON = 10
# Keyed by id(stack); the stack itself is kept in the value so its id is never reused.
_REGISTRY: dict[int, tuple["TerraformStack", list[tuple[object, str, str, str | None]]]] = {}


@dataclass(frozen=True)
class Suppression:
    check_id: str
    #: `<type>.<logical id>` for resources, `data.<type>.<logical id>` for data sources.
    address: str
    reason: str
    #: Limit to one scan ("terraform_json" or "terraform_plan"); None applies to both.
    scan: str | None = None

    def to_json(self) -> dict[str, str]:
        return asdict(self)


SCANS = ("terraform_json", "terraform_plan")


def suppress(element: Any, check_id: str, reason: str, scan: str | None = None) -> None:
    """Excuse one checkov finding on one resource. The reason must say why, not just what.

    `scan` limits the excuse to one of the two scans, e.g. a plan where a value is only
    known after apply while the synthesized JSON still proves the setting."""
    if scan is not None and scan not in SCANS:
        raise ValueError(f"suppression scan {scan!r} is not one of {', '.join(SCANS)}")
    if not CHECK_ID.match(check_id):
        raise ValueError(f"suppression check id {check_id!r} is not a checkov AWS check id")
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(f"suppression of {check_id} needs a reason of at least {MIN_REASON} characters")
    from cdktf import TerraformStack

    stack = TerraformStack.of(element)
    _REGISTRY.setdefault(id(stack), (stack, []))[1].append((element, check_id, reason.strip(), scan))


def suppressions_of(stack: "TerraformStack") -> list[Suppression]:
    from cdktf import TerraformDataSource

    result = []
    # Each attribute read is a round trip to the jsii kernel: the type is one per binding class,
    # and an element with several suppressions is looked up once.
    types: dict[type, str] = {}
    addresses: dict[int, str] = {}
    for element, check_id, reason, scan in _REGISTRY.get(id(stack), (stack, []))[1]:
        address = addresses.get(id(element))
        if address is None:
            kind = types.get(type(element))
            if kind is None:
                kind = types[type(element)] = element.terraform_resource_type
            prefix = "data." if isinstance(element, TerraformDataSource) else ""
            address = addresses[id(element)] = f"{prefix}{kind}.{element.friendly_unique_id}"
        result.append(Suppression(check_id, address, reason, scan))
    return sorted(result, key=lambda s: (s.address, s.check_id))
