"""Notes action group (pf-notes-actions): read and add notes on a project.

Operations: listProjects, listNotes, addNote. lambda/scheduling/schemas/notes_actions.json is
generated from these routes by lambda/scheduling/generate_schemas.py.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from pf_actions.bedrock import create_app, customer_scope, make_lambda_handler
from pf_actions.common_routes import ProjectId, add_list_projects
from pf_actions.models import NoteList, NoteResult

MAX_NOTE_LENGTH = 1000
# Bedrock caps a Lambda answer at 25 KB: 15 notes of at most 1000 characters stay well below.
NOTES_RETURNED = 15

# Title and description of this action group's API, shown to the agent with its operations
# (generate_schemas.py puts them in the schema's info).
API_TITLE = "PF Notes Actions"
API_DESCRIPTION = "Read and add notes on a customer's home-improvement project."

app = create_app()
add_list_projects(app)  # so the agent can find the project_id of "my deck"


class NoteRequest(BaseModel):
    text: str = Field(
        min_length=1,
        max_length=MAX_NOTE_LENGTH,
        description=f"The note, in the customer's words, at most {MAX_NOTE_LENGTH} characters.",
    )


@app.get(
    "/projects/<project_id>/notes",
    operation_id="listNotes",
    summary="Notes on a project",
    description=(
        "List the notes recorded on the project (access instructions, preferences, requests), newest "
        f"first, at most {NOTES_RETURNED}; total gives the full count."
    ),
)
def list_notes(project_id: ProjectId) -> NoteList:
    backend, ctx = customer_scope(app)
    notes = backend.list_notes(ctx, project_id)
    return NoteList(project_id=project_id, total=len(notes), notes=notes[:NOTES_RETURNED])


@app.post(
    "/projects/<project_id>/notes",
    operation_id="addNote",
    summary="Add a note to a project",
    description=(
        "Record a note on the project for the installation team, e.g. gate codes, pets, parking or "
        "preferences. Write it in the customer's words, without payment card or other sensitive data, and "
        f"keep it under {MAX_NOTE_LENGTH} characters."
    ),
)
def add_note(
    project_id: ProjectId,
    body: Annotated[NoteRequest, Body(embed=False, description="The note to record.")],
) -> NoteResult:
    backend, ctx = customer_scope(app)
    note = backend.add_note(ctx, project_id, body.text)
    return NoteResult(message=f"The note was added to project {project_id} as {note.note_id}.", note=note)


lambda_handler = make_lambda_handler(app)
