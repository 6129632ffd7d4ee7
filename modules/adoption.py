"""Adopt resources that already exist: Terraform `import` blocks from a per-environment table.

`envs/<environment>.adopt.toml` lists, per system, the resources of a stack that already exist
in the account (a deployment made before this project, with its state elsewhere). Synthesis with
`--adopt` (or `PF_ADOPT=1`) writes one `import` block per listed resource into the stack's
`cdk.tf.json`, so the first plan imports them ("N to import") instead of creating duplicates
that collide with the existing names. Without the flag the table is still validated against
what each stack creates, but nothing is emitted: an import reads the real object, so the offline
plan, the emulator and a fresh account work on the plain configuration.

System-agnostic: this module reads the synthesized JSON, finds each listed resource by its name,
and writes the import id in the format the provider documents for its type (hashicorp/aws
5.100.0). Bedrock resources have generated ids, so the table maps a key to the id; a key is the
resource's name or a part of it between '-' (`supervisor` for `pf-supervisor-agent-dev`).
Everything else is listed by the name AWS identifies it with, which is also its import id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Optional

from pydantic import Field, create_model, field_validator

from modules.config import StrictModel, load_file, pattern
from modules.errors import ConfigError

ADOPTION_SUFFIX = ".adopt.toml"

Key = pattern(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
              "a resource name or a part of it between '-' (letters, digits, '_', '.', '-')")
BedrockId = pattern(r"^[0-9a-zA-Z]{10}$",
                    "a Bedrock id is 10 letters and digits (e.g. WF1S95L7X1)")
FunctionName = pattern(r"^[A-Za-z0-9_-]{1,64}$",
                       "a Lambda function name (1-64 letters, digits, '-', '_')")
PermissionId = pattern(r"^[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_-]{1,100}$",
                       "'<function name>/<statement id>'")
LogGroupName = pattern(r"^[A-Za-z0-9_#./-]{1,512}$",
                       "a log group name such as /aws/lambda/<function>")
RoleName = pattern(r"^[A-Za-z0-9_+=,.@-]{1,64}$",
                   "an IAM role name (1-64 letters, digits, +=,.@_-)")
RolePolicyId = pattern(r"^[A-Za-z0-9_+=,.@-]{1,64}:[A-Za-z0-9_+=,.@-]{1,128}$",
                       "'<role name>:<inline policy name>'")
BucketName = pattern(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "an S3 bucket name")
ObjectId = pattern(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$", "'<bucket>/<object key>'")


class AdoptionTable(StrictModel):
    """`[<system key>]` of `envs/<environment>.adopt.toml`: what already exists of that system's
    stack. Every field is optional; a resource left out is created by the first apply."""

    #: Bedrock agents: key -> agent id (`aws bedrock-agent list-agents`).
    agents: dict[Key, BedrockId] = Field(default_factory=dict)
    #: Agent aliases, keyed like their agent -> alias id; the agent must be in `agents`.
    agent_aliases: dict[Key, BedrockId] = Field(default_factory=dict)
    #: Action groups: key (action group name or a part) -> action group id; agent in `agents`.
    action_groups: dict[Key, BedrockId] = Field(default_factory=dict)
    #: Collaborator links: collaborator name -> collaborator id; the supervisor in `agents`.
    collaborators: dict[Key, BedrockId] = Field(default_factory=dict)
    lambda_functions: tuple[FunctionName, ...] = ()
    #: Resource-policy statements of Lambda functions: "<function>/<statement id>".
    lambda_permissions: tuple[PermissionId, ...] = ()
    log_groups: tuple[LogGroupName, ...] = ()
    roles: tuple[RoleName, ...] = ()
    #: Inline role policies: "<role>:<policy>".
    role_policies: tuple[RolePolicyId, ...] = ()
    buckets: tuple[BucketName, ...] = ()
    #: S3 objects: "<bucket>/<key>".
    objects: tuple[ObjectId, ...] = ()

    @field_validator("agent_aliases")
    @classmethod
    def _not_the_test_alias(cls, aliases: dict[str, str]) -> dict[str, str]:
        for key, alias in aliases.items():
            if alias == "TSTALIASID":
                raise ValueError(f"{key}: TSTALIASID is the built-in test alias of every agent, "
                                 "not a managed alias; give the id of the alias the stack names")
        return aliases

    @field_validator("lambda_functions", "lambda_permissions", "log_groups", "roles",
                     "role_policies", "buckets", "objects")
    @classmethod
    def _listed_once(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"lists {', '.join(twice)} more than once")
        return names


@lru_cache(maxsize=None)
def _file_model(systems: tuple[str, ...]) -> type[StrictModel]:
    """The file's model for an environment deploying `systems`: one optional table each."""
    return create_model("AdoptionFile", __base__=StrictModel,
                        **{key: (Optional[AdoptionTable], None) for key in systems})


def adoption_file(env_file: Path) -> Path:
    """`envs/dev.toml` -> `envs/dev.adopt.toml`."""
    return Path(env_file).with_name(f"{Path(env_file).stem}{ADOPTION_SUFFIX}")


def is_adoption_file(path: Path) -> bool:
    return Path(path).name.endswith(ADOPTION_SUFFIX)


def load_adoption(path: Path, systems: Iterable[str]) -> dict[str, AdoptionTable]:
    """The tables of `path` by system key ({} when the file does not exist); a table for a
    system the environment does not deploy is an unknown key."""
    if not Path(path).is_file():
        return {}
    parsed = load_file(Path(path), _file_model(tuple(systems)))
    return {key: table for key, table in parsed if table is not None}


# ---------------------------------------------------------------------------------------------
# Finding the listed resources in a synthesized stack
# ---------------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$")
# Resource type -> (its name attribute, reference attributes that evaluate to that name).
_NAMES = {
    "aws_bedrockagent_agent": ("agent_name", ("agent_name",)),
    "aws_iam_role": ("name", ("name", "id")),
    "aws_lambda_function": ("function_name", ("function_name", "id")),
    "aws_s3_bucket": ("bucket", ("bucket", "id")),
}


class _Stack:
    def __init__(self, config: dict) -> None:
        self.resources: dict[str, dict[str, dict]] = config.get("resource", {})

    def of(self, resource_type: str) -> dict[str, dict]:
        return {f"{resource_type}.{name}": body
                for name, body in self.resources.get(resource_type, {}).items()}

    def referenced(self, value: object) -> str | None:
        """`${aws_x.name.attr}` -> `aws_x.name` when that resource is in the stack."""
        match = _REFERENCE.match(value) if isinstance(value, str) else None
        if match and match.group(2) in self.resources.get(match.group(1), {}):
            return f"{match.group(1)}.{match.group(2)}"
        return None

    def name(self, value: object) -> str | None:
        """A literal name, or the name of the resource a reference points at; None otherwise
        (a computed value cannot be matched against the table)."""
        if not isinstance(value, str):
            return None
        if "${" not in value:
            return value
        match = _REFERENCE.match(value)
        if not match or match.group(1) not in _NAMES or self.referenced(value) is None:
            return None
        attribute, aliases = _NAMES[match.group(1)]
        if match.group(3) not in aliases:
            return None
        return self.name(self.resources[match.group(1)][match.group(2)].get(attribute))

    def agent_of(self, body: dict) -> str | None:
        return self.referenced(body.get("agent_id"))

    def agent_name(self, body: dict) -> str | None:
        agent = self.agent_of(body)
        if agent is None:
            return None
        return self.name(self.of("aws_bedrockagent_agent")[agent].get("agent_name"))


def _joined(separator: str, *parts: str | None) -> str | None:
    return separator.join(parts) if all(parts) else None  # type: ignore[arg-type]


@dataclass(frozen=True)
class Kind:
    """One field of the table: which resources it names and how their import id is built."""

    field: str
    resource_type: str
    noun: str
    #: The name the table uses for a resource of the stack (None: not nameable).
    label: Callable[[_Stack, dict], str | None]
    #: Import id from (table value, the adopted agent's id or "", the resource's agent version);
    #: by default the listed name itself.
    import_id: Callable[[str, str, str], str] = lambda value, agent, version: value
    #: Keyed by a part of the name, with an id as the value (Bedrock); else listed by full name.
    keyed: bool = False
    #: The import id needs the id of the agent the resource belongs to.
    needs_agent: bool = False


# In dependency order: agents first, since aliases, action groups and links need their ids.
# Import ids as the provider documents them for each type (hashicorp/aws 5.100.0).
KINDS: tuple[Kind, ...] = (
    Kind("agents", "aws_bedrockagent_agent", "agent",
         lambda s, b: s.name(b.get("agent_name")), keyed=True),
    Kind("agent_aliases", "aws_bedrockagent_agent_alias", "alias of agent",
         lambda s, b: s.agent_name(b), lambda v, a, ver: f"{v},{a}", keyed=True, needs_agent=True),
    Kind("action_groups", "aws_bedrockagent_agent_action_group", "action group",
         lambda s, b: s.name(b.get("action_group_name")), lambda v, a, ver: f"{v},{a},{ver}",
         keyed=True, needs_agent=True),
    Kind("collaborators", "aws_bedrockagent_agent_collaborator", "collaborator",
         lambda s, b: s.name(b.get("collaborator_name")), lambda v, a, ver: f"{a},{ver},{v}",
         keyed=True, needs_agent=True),
    # Listed by the name that is also their import id.
    Kind("lambda_functions", "aws_lambda_function", "Lambda function",
         lambda s, b: s.name(b.get("function_name"))),
    Kind("lambda_permissions", "aws_lambda_permission", "Lambda permission",
         lambda s, b: _joined("/", s.name(b.get("function_name")), s.name(b.get("statement_id")))),
    Kind("log_groups", "aws_cloudwatch_log_group", "log group", lambda s, b: s.name(b.get("name"))),
    Kind("roles", "aws_iam_role", "IAM role", lambda s, b: s.name(b.get("name"))),
    Kind("role_policies", "aws_iam_role_policy", "inline role policy",
         lambda s, b: _joined(":", s.name(b.get("role")), s.name(b.get("name")))),
    Kind("buckets", "aws_s3_bucket", "S3 bucket", lambda s, b: s.name(b.get("bucket"))),
    Kind("objects", "aws_s3_object", "S3 object",
         lambda s, b: _joined("/", s.name(b.get("bucket")), s.name(b.get("key")))),
)


def _matches(key: str, label: str, keyed: bool) -> bool:
    return key == label or (keyed and f"-{key}-" in f"-{label}-")


@dataclass(frozen=True)
class Adoption:
    """What a table adopts in one stack: the import blocks, and per field what it leaves out."""

    stack: str
    source: str
    imports: tuple[dict, ...]
    #: field -> names of the stack's resources of that kind that the table does not list.
    created: dict[str, tuple[str, ...]]

    def summary(self) -> str:
        """One line for stderr: what is imported and what the first apply creates."""
        left = "; ".join(f"{field}: {', '.join(names)}" for field, names in self.created.items()
                         if names)
        return (f"{self.stack}: {len(self.imports)} import block(s) from {self.source}"
                + (f"; not listed, so created new: {left}" if left else "; nothing left to create"
                   " of the kinds it covers"))


def plan_adoption(config: dict, table: AdoptionTable, stack: str, source: str,
                  prefix: str) -> Adoption:
    """Import blocks for `table` (the `[prefix]` table of `source`) in the synthesized stack
    `config`; a listed resource the stack does not create is a ConfigError listing what it
    creates of that kind."""
    found = _Stack(config)
    imports: list[dict] = []
    created: dict[str, tuple[str, ...]] = {}
    agent_ids: dict[str, str] = {}
    for kind in KINDS:
        bodies = found.of(kind.resource_type)
        labels = {address: label for address, body in bodies.items()
                  if (label := kind.label(found, body)) is not None}
        listed = getattr(table, kind.field)
        entries = listed.items() if kind.keyed else ((name, name) for name in listed)
        taken: dict[str, str] = {}
        for key, value in entries:
            field = f"{prefix}.{kind.field}" + (f".{key}" if kind.keyed else "")
            hits = sorted(a for a, label in labels.items() if _matches(key, label, kind.keyed))
            if not hits:
                offered = ", ".join(sorted(labels.values())) or "none"
                raise ConfigError(source, field, f"stack {stack} creates no {kind.noun} {key!r}; "
                                  f"it creates: {offered}")
            if len(hits) > 1:
                raise ConfigError(source, field, f"{key!r} names more than one {kind.noun} ("
                                  f"{', '.join(labels[a] for a in hits)}); use more of the name")
            address = hits[0]
            if address in taken:
                raise ConfigError(source, field, f"names the same {kind.noun} as "
                                  f"{taken[address]!r} ({labels[address]})")
            taken[address] = key
            agent_id = ""
            if kind.needs_agent:
                agent = found.agent_of(bodies[address])
                if agent not in agent_ids:
                    owner = found.agent_name(bodies[address])
                    raise ConfigError(source, field, f"its agent {owner} is not adopted; add it "
                                      f"to [{prefix}.agents] first")
                agent_id = agent_ids[agent]
            version = str(bodies[address].get("agent_version", "DRAFT"))
            imports.append({"to": address, "id": kind.import_id(value, agent_id, version)})
            if kind.field == "agents":
                agent_ids[address] = value
        created[kind.field] = tuple(sorted(label for address, label in labels.items()
                                           if address not in taken))
    return Adoption(stack, source, tuple(imports), created)


def write_imports(config_path: Path, imports: Iterable[dict]) -> None:
    """Add `imports` to the top-level `import` list of a synthesized `cdk.tf.json`."""
    config = json.loads(Path(config_path).read_text())
    config["import"] = [*config.get("import", []), *imports]
    Path(config_path).write_text(json.dumps(config, indent=2) + "\n")


def strip_imports(config_path: Path, keep: Iterable[str] | None = None) -> list[dict]:
    """Remove the import blocks of `config_path` whose target is not in `keep` (all of them
    without `keep`); returns the removed blocks. The file is rewritten only if one was removed."""
    config = json.loads(Path(config_path).read_text())
    blocks = config.get("import", [])
    kept_addresses = set(keep) if keep is not None else set()
    kept = [block for block in blocks if block.get("to") in kept_addresses]
    removed = [block for block in blocks if block not in kept]
    if removed:
        if kept:
            config["import"] = kept
        else:
            config.pop("import")
        Path(config_path).write_text(json.dumps(config, indent=2) + "\n")
    return removed
