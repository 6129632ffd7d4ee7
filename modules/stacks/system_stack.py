"""One stack per (environment, system), or per part of a system that declares parts: provider,
tags and team backend done once for all.

The stack receives its system's `build` callable, so the library never imports a system.
Stack id `<environment>-<system>` (`dev-scheduling`), state key
`<key_prefix>/<environment>/<system>/terraform.tfstate`; a part adds `-<part>` to the id and
`/<part>` to the key (`dev-portal-network`, `.../dev/portal/network/terraform.tfstate`).
"""

from __future__ import annotations

from typing import Any

from cdktf import TerraformStack
from constructs import Construct

from modules.backend import BackendSettings, use_team_backend
from modules.config import EnvironmentBase
from modules.provider import aws_provider
from modules.system import System


def stack_id(environment: str, system: str, part: str | None = None) -> str:
    return f"{environment}-{system}" + (f"-{part}" if part else "")


class SystemStack(TerraformStack):
    """Exposes `env` (the environment base settings), `system` (the system key) and `part` (the
    part name, None for a single-stack system)."""

    def __init__(self, scope: Construct, env: EnvironmentBase, system: str,
                 backend: BackendSettings, project: str | None = None,
                 part: str | None = None) -> None:
        """`project` is the `Project` tag of every resource (default: the system key)."""
        super().__init__(scope, stack_id(env.environment, system, part))
        self.env = env
        self.system = system
        self.part = part
        tags = {"Project": project or system, "Environment": env.environment, "ManagedBy": "terraform",
                **env.tags}
        aws_provider(self, region=env.region, account_id=env.account_id, tags=tags)
        self._tags = tags
        self._regional_providers: dict[str, Any] = {}
        use_team_backend(self, backend, env.environment, system, *([part] if part else []))


    def provider_in(self, region: str) -> Any:
        """The provider for `region`: None (the default provider) for the stack's own region,
        else an aliased provider created once, with the same account guard and tags (CloudFront
        certificates, web ACLs and DNSSEC keys must live in us-east-1)."""
        if region == self.env.region:
            return None
        if region not in self._regional_providers:
            self._regional_providers[region] = aws_provider(
                self, region=region, account_id=self.env.account_id, tags=self._tags,
                alias=region.replace("-", "_"))
        return self._regional_providers[region]


def build_system_stack(scope: Construct, env: EnvironmentBase, system: System, settings: Any,
                       backend: BackendSettings) -> SystemStack:
    """Create the stack of a single-stack system and let `build(stack, settings)` fill it."""
    if system.parts is not None:
        raise ValueError(f"system {system.key!r} has parts; use build_system_stacks")
    stack = SystemStack(scope, env, system.key, backend, project=system.project_tag)
    system.build(stack, settings)
    return stack


def build_system_stacks(scope: Construct, env: EnvironmentBase, system: System, settings: Any,
                        backend: BackendSettings) -> list[SystemStack]:
    """Every stack of `system` in `env`: one, or one per part in deployment order, all filled by
    one `build` call so constructs of one part can reference another's."""
    if system.parts is None:
        return [build_system_stack(scope, env, system, settings, backend)]
    stacks = {part: SystemStack(scope, env, system.key, backend, project=system.project_tag,
                                part=part)
              for part in system.parts(settings)}
    system.build(stacks, settings)
    return list(stacks.values())
