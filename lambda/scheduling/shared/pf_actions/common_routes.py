"""Route pieces more than one action group uses: the project_id parameter and listProjects."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import BedrockAgentResolver
from aws_lambda_powertools.event_handler.openapi.params import Path

from pf_actions.bedrock import ID_PATTERN, customer_scope
from pf_actions.models import ProjectList

ProjectId = Annotated[
    str,
    Path(description="The project_id returned by listProjects, e.g. PRJ-1001.", pattern=ID_PATTERN),
]


def add_list_projects(app: BedrockAgentResolver) -> None:
    @app.get(
        "/projects",
        operation_id="listProjects",
        summary="List the customer's projects",
        description=(
            "List the current customer's home-improvement projects (for example Flooring, Windows, "
            "Deck Repair) with project_id, type, description, status and the booked appointment, if any. "
            "Call this first whenever you need a project_id, or when the customer refers to a project "
            'by its type ("my deck") rather than its id.'
        ),
    )
    def list_projects() -> ProjectList:
        backend, ctx = customer_scope(app)
        return ProjectList(projects=backend.list_projects(ctx))
