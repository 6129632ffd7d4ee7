"""The systems this project deploys, one package each; `SYSTEMS` is the registry.

A system package imports `modules/` and never a sibling system. Adding a system: create
`systems/<key>/` with a `SYSTEM = System(...)` and add it to the tuple below.
"""

from __future__ import annotations

from modules.system import System
from systems import allocation, chatbot, compliance, fraud, organization, portal, scheduling

SYSTEMS: dict[str, System] = {s.key: s for s in (scheduling.SYSTEM, chatbot.SYSTEM, fraud.SYSTEM,
                                                  compliance.SYSTEM, portal.SYSTEM,
                                                  organization.SYSTEM, allocation.SYSTEM)}
