"""Application settings in SSM Parameter Store: one String parameter per setting under one path.

For settings that are not secrets (business hours, feature flags, thresholds). Secrets belong
in `modules.secret`, whose value never passes through Terraform; a value given here is in the
synthesized JSON, the plan and the state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement
from modules.suppressions import suppress

# At least one level; letters, digits and _.- per level; starts and ends with "/".
PATH = re.compile(r"^(/[A-Za-z0-9_.-]+)+/$")
SETTING_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
RESERVED_PREFIXES = ("/aws", "/ssm")
MAX_NAME_LENGTH = 1011  # SSM's limit for a full parameter name

# Plain String parameters, not SecureString: these values are configuration, not secrets;
# String keeps them readable in the plan (`insecure_value`) and in the console, and readers
# need no KMS permission. CKV2_AWS_34 (SSM parameters should be SecureString) is excused per
# parameter with this reason.
NOT_A_SECRET = ("Application setting, not a secret: the value is reviewed in the repository and "
                "the plan; secrets are kept in Secrets Manager (modules/secret.py) instead.")


@dataclass(frozen=True)
class ParameterSetProps:
    #: Path prefix, starting and ending with "/", e.g. "/pf/dev/scheduling/".
    path: str
    #: Setting name -> value; each becomes the String parameter `<path><name>`.
    values: dict[str, str]
    description: str
    account_id: str
    region: str
    #: "Standard" (free, values up to 4 KB) or "Advanced".
    tier: str = "Standard"
    #: Statement ids of `read_statements()`: `ReadPath<grant_id>`, `Read<grant_id>`.
    grant_id: str = "Settings"

    def __post_init__(self) -> None:
        if not PATH.match(self.path) or self.path.lower().startswith(RESERVED_PREFIXES):
            raise ValueError(f"parameter path {self.path!r} must start and end with '/', have at "
                             f"least one level of letters, digits, '_', '.', '-', and not start "
                             f"with /aws or /ssm")
        if not self.values:
            raise ValueError(f"parameter set {self.path} has no values")
        for name, value in self.values.items():
            if not SETTING_NAME.match(name):
                raise ValueError(f"parameter name {name!r} under {self.path}: use letters, "
                                 f"digits, '_', '.' and '-'")
            if len(self.path + name) > MAX_NAME_LENGTH:
                raise ValueError(f"parameter {self.path}{name} is longer than {MAX_NAME_LENGTH}")
            if not isinstance(value, str) or not value:
                raise ValueError(f"parameter {self.path}{name}: the value must be a non-empty "
                                 f"string (got {value!r})")
        if self.tier not in ("Standard", "Advanced"):
            raise ValueError(f"parameter tier {self.tier!r} is not Standard or Advanced")


class ParameterSet(Construct):
    """Exposes `parameters` (setting name -> L1 resource), `names` (full parameter names, sorted),
    `path` and `read_statements()`."""

    def __init__(self, scope: Construct, construct_id: str, props: ParameterSetProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.path = props.path
        module = provider_module("ssm_parameter")
        self.parameters: dict[str, object] = {}
        for name, value in sorted(props.values.items()):
            parameter = module.SsmParameter(
                self, re.sub(r"[^A-Za-z0-9_]", "_", name),
                name=f"{props.path}{name}",
                type="String",
                # Not marked sensitive, so a changed setting shows its old and new value in the plan.
                insecure_value=value,
                description=props.description,
                tier=props.tier,
            )
            suppress(parameter, "CKV2_AWS_34", NOT_A_SECRET)
            self.parameters[name] = parameter
        self.names: tuple[str, ...] = tuple(f"{props.path}{name}" for name in sorted(props.values))

    def read_statements(self) -> tuple[Statement, ...]:
        """Read the whole path, or parameters under it one by one; nothing outside the path."""
        base = f"arn:aws:ssm:{self._props.region}:{self._props.account_id}:parameter"
        grant = self._props.grant_id
        return (
            Statement(sid=f"ReadPath{grant}", actions=("ssm:GetParametersByPath",),
                      resources=(f"{base}{self.path.rstrip('/')}",)),
            Statement(sid=f"Read{grant}", actions=("ssm:GetParameter", "ssm:GetParameters"),
                      resources=(f"{base}{self.path}*",)),
        )
