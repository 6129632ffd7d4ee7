"""Strategy Optimizer action group: submit an optimization job (recorded in the jobs table,
computed asynchronously by the optimizer function, like POST /optimize) and read its status.

Operations: submitOptimization, getOptimizationStatus. schemas/strategy_optimizer_actions.json
is generated from GROUP by lambda/allocation/generate_schemas.py.
"""

from __future__ import annotations

import json
import os
import uuid

import boto3

from allocation_core import store
from allocation_core.actions import ActionGroup, Field, bad_input, not_found
from allocation_core.model import MAX_ASSETS, OBJECTIVES, RequestError, parse_request

API_TITLE = "Allocation Strategy Optimizer Actions"
API_DESCRIPTION = "Submit portfolio optimization jobs and follow them until their weights are ready."
GROUP = ActionGroup(API_TITLE, API_DESCRIPTION)
JOB_ID = Field("job_id", "string", "The job id returned by submitOptimization", in_path=True,
               pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@GROUP.operation(operation_id="submitOptimization", method="post", path="/optimizations",
                 summary="Submit an optimization job",
                 description="Records a job for the objective, assets and weight cap and starts "
                             "it; poll getOptimizationStatus with the returned job id.",
                 body=(Field("user_id", "string", "The investor's user id", max_length=128,
                             pattern=r"^.{1,128}$"),
                       Field("objective", "string", f"One of {', '.join(OBJECTIVES)}",
                             pattern="^(" + "|".join(OBJECTIVES) + ")$"),
                       Field("assets", "string", "JSON array of 2-" f"{MAX_ASSETS} assets, each "
                             '{"symbol": "EQ", "expected_return": 0.08, "volatility": 0.2} '
                             "(annual figures as fractions)", max_length=20000),
                       Field("max_weight", "number", "Largest weight of one asset, 0.01-1",
                             required=False, minimum=0.01, maximum=1, default=1.0),
                       Field("risk_free_rate", "number", "Annual risk-free rate, -0.1-0.5",
                             required=False, minimum=-0.1, maximum=0.5, default=0.0)),
                 returns="job_id and status SUBMITTED")
def submit(user_id: str, objective: str, assets: str, max_weight: float,
           risk_free_rate: float) -> dict:
    try:
        parsed_assets = json.loads(assets)
    except json.JSONDecodeError:
        raise bad_input("assets must be a JSON array") from None
    body = {"user_id": user_id, "objective": objective, "assets": parsed_assets,
            "max_weight": max_weight, "risk_free_rate": risk_free_rate}
    try:
        parse_request(body)
    except RequestError as error:
        raise bad_input(str(error)) from None
    job_id = str(uuid.uuid4())
    store.record_status(job_id, user_id, "SUBMITTED", request=body, source="agent")
    boto3.client("lambda").invoke(
        FunctionName=os.environ["OPTIMIZER_FUNCTION"], InvocationType="Event",
        Payload=json.dumps({"job_id": job_id}).encode())
    return {"job_id": job_id, "status": "SUBMITTED"}


@GROUP.operation(operation_id="getOptimizationStatus", method="get", path="/optimizations/{job_id}",
                 summary="Status and, once completed, weights of a job",
                 description="The job's latest status (SUBMITTED, RUNNING, COMPLETED, FAILED); "
                             "a completed job also has its weights and expected statistics.",
                 parameters=(JOB_ID,), returns="status, and weights and stats when completed")
def status(job_id: str) -> dict:
    record = store.latest_status(job_id)
    if record is None:
        raise not_found(f"no job {job_id}")
    answer = {"job_id": job_id, "status": record["status"], "updated_at": record["timestamp"]}
    if record.get("error"):
        answer["error"] = record["error"]
    if record["status"] == "COMPLETED":
        result = store.get_result(f"job#{job_id}")
        if result is not None:
            answer.update(weights=result["weights"], stats=result["stats"])
    return answer


def lambda_handler(event, context=None):
    return GROUP.handle(event)
