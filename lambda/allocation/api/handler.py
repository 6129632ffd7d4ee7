"""The REST API's functions: `submit` (POST /optimize: record the job, start the optimizer
asynchronously, answer 202 with the job id), `status` (GET /jobs/{job_id}: the latest status)
and `results` (GET /jobs/{job_id}/result: the allocation once computed)."""

from __future__ import annotations

import json
import os
import uuid

import boto3

from allocation_core import store
from allocation_core.model import RequestError, parse_request


def _answer(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body)}


def _job_id(event: dict) -> str | None:
    job_id = (event.get("pathParameters") or {}).get("job_id", "")
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        return None


def submit(event, context=None):
    try:
        body = json.loads(event.get("body") or "null")
        request = parse_request(body)
    except (json.JSONDecodeError, RequestError) as error:
        message = str(error) if isinstance(error, RequestError) else "the body must be JSON"
        return _answer(400, {"message": message})
    job_id = str(uuid.uuid4())
    store.record_status(job_id, request.user_id, "SUBMITTED", request=body)
    boto3.client("lambda").invoke(
        FunctionName=os.environ["OPTIMIZER_FUNCTION"], InvocationType="Event",
        Payload=json.dumps({"job_id": job_id}).encode())
    return _answer(202, {"job_id": job_id, "status": "SUBMITTED"})


def status(event, context=None):
    job_id = _job_id(event)
    record = store.latest_status(job_id) if job_id else None
    if record is None:
        return _answer(404, {"message": "no such job"})
    return _answer(200, {"job_id": job_id, "status": record["status"],
                         "updated_at": record["timestamp"], "error": record.get("error")})


def results(event, context=None):
    job_id = _job_id(event)
    if job_id is None:
        return _answer(404, {"message": "no such job"})
    result = store.get_result(f"job#{job_id}")
    if result is None:
        record = store.latest_status(job_id)
        if record is None:
            return _answer(404, {"message": "no such job"})
        return _answer(409, {"message": f"the job is {record['status']}; no result yet"})
    return _answer(200, {"job_id": job_id, "weights": result["weights"],
                         "stats": result["stats"]})
