"""Collaborator links from a supervisor to its specialists, created one after another.

Parallel associations fail while the supervisor is PREPARING (provider #42256), so links are
chained with `depends_on` and only the last one prepares the supervisor. That last link is also
replaced whenever the supervisor itself changes, so an updated supervisor is always prepared
before its alias publishes a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class CollaboratorLink:
    name: str
    alias_arn: str
    instruction: str
    #: Resource after which the collaborator's alias exists.
    ready: ITerraformDependable


@dataclass(frozen=True)
class CollaborationProps:
    supervisor_agent: object  # the supervisor's aws_bedrockagent_agent resource
    links: tuple[CollaboratorLink, ...]
    #: TO_COLLABORATOR relays the conversation history to the specialist; DISABLED does not.
    relay_conversation_history: str = "TO_COLLABORATOR"


class AgentCollaboration(Construct):
    """Exposes `last` (the link after which the supervisor is prepared) and `links`."""

    def __init__(self, scope: Construct, construct_id: str, props: CollaborationProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("bedrockagent_agent_collaborator")
        supervisor = props.supervisor_agent
        previous: ITerraformDependable | None = None
        self.links = []
        for index, link in enumerate(props.links):
            is_last = index == len(props.links) - 1
            resource = module.BedrockagentAgentCollaborator(
                self, f"link_{link.name}",
                agent_id=supervisor.agent_id,
                agent_version="DRAFT",
                collaborator_name=link.name,
                collaboration_instruction=link.instruction,
                agent_descriptor=[module.BedrockagentAgentCollaboratorAgentDescriptor(
                    alias_arn=link.alias_arn)],
                relay_conversation_history=props.relay_conversation_history,
                prepare_agent=is_last,
                depends_on=[d for d in (previous, link.ready) if d is not None],
                # A plain address: cdktf renders resource objects as "${...}", which
                # replace_triggered_by rejects.
                lifecycle=TerraformResourceLifecycle(replace_triggered_by=[
                    f"{supervisor.terraform_resource_type}.{supervisor.friendly_unique_id}"])
                if is_last else None,
            )
            self.links.append(resource)
            previous = resource
        self.last = previous
