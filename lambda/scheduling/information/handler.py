"""Information action group (pf-information-actions): project, appointment and business facts.

Operations: listProjects, getProjectDetails, getAppointmentStatus, getBusinessHours.
lambda/scheduling/schemas/information_actions.json is generated from these routes by
lambda/scheduling/generate_schemas.py.
"""

from __future__ import annotations

from pf_actions import schedule_rules as rules
from pf_actions.bedrock import create_app, customer_scope, make_lambda_handler
from pf_actions.common_routes import ProjectId, add_list_projects
from pf_actions.models import AppointmentStatus, BusinessHours, Project

# Title and description of this action group's API, shown to the agent with its operations
# (generate_schemas.py puts them in the schema's info).
API_TITLE = "PF Information Actions"
API_DESCRIPTION = "Look up a customer's projects, their status and appointments, and the business hours."

app = create_app()
add_list_projects(app)


@app.get(
    "/projects/<project_id>",
    operation_id="getProjectDetails",
    summary="Details and status of a project",
    description=(
        "Get one project's details: type, description of the work, address, current status "
        "(ready_to_schedule, scheduled, in_progress, completed, on_hold) and the booked appointment, if any."
    ),
)
def get_project_details(project_id: ProjectId) -> Project:
    backend, ctx = customer_scope(app)
    return backend.get_project(ctx, project_id)


@app.get(
    "/projects/<project_id>/appointment",
    operation_id="getAppointmentStatus",
    summary="Appointment of a project",
    description=(
        "Tell whether the project has a confirmed appointment and, if so, its date, time and confirmation "
        'number. Use it to answer "when is my installer coming?".'
    ),
)
def get_appointment_status(project_id: ProjectId) -> AppointmentStatus:
    backend, ctx = customer_scope(app)
    project = backend.get_project(ctx, project_id)
    return AppointmentStatus(
        project_id=project.project_id,
        project_status=project.status,
        has_appointment=project.appointment is not None,
        appointment=project.appointment,
    )


@app.get(
    "/business-hours",
    operation_id="getBusinessHours",
    summary="Business hours and booking rules",
    description=(
        "Get the opening hours per weekday, the appointment length and how far ahead appointments can be "
        "booked. Needs no project and works for any customer."
    ),
)
def get_business_hours() -> BusinessHours:
    return rules.business_hours()


lambda_handler = make_lambda_handler(app)
