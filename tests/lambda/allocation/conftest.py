"""Shared fixtures of the allocation Lambda tests: moto with the system's own tables (built from
systems/allocation/tables.toml, keys and indexes as declared) and a recorder of asynchronous
Lambda invocations (moto would need Docker to run a function)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

TABLES = Path(__file__).resolve().parents[3] / "systems" / "allocation" / "tables.toml"


class Invocations:
    """Stands in for the Lambda client's asynchronous invoke."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def invoke(self, FunctionName, InvocationType, Payload):
        assert InvocationType == "Event"
        self.calls.append((FunctionName, json.loads(Payload)))
        return {"StatusCode": 202}


def _create_table(db, spec: dict) -> None:
    keys = [(spec["partition_key"], spec["partition_key_type"], "HASH")]
    if "sort_key" in spec:
        keys.append((spec["sort_key"], spec["sort_key_type"], "RANGE"))
    attributes = {name: kind for name, kind, _ in keys}
    indexes = []
    for gsi in spec.get("gsis", []):
        attributes[gsi["partition_key"]] = gsi["partition_key_type"]
        attributes[gsi["sort_key"]] = gsi["sort_key_type"]
        indexes.append({"IndexName": gsi["name"], "Projection": {"ProjectionType": "ALL"},
                        "KeySchema": [{"AttributeName": gsi["partition_key"], "KeyType": "HASH"},
                                      {"AttributeName": gsi["sort_key"], "KeyType": "RANGE"}]})
    db.create_table(TableName=spec["name"], BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                                          for n, t in attributes.items()],
                    KeySchema=[{"AttributeName": n, "KeyType": k} for n, _, k in keys],
                    **({"GlobalSecondaryIndexes": indexes} if indexes else {}))


@pytest.fixture
def allocation_tables(monkeypatch):
    """moto with fake credentials and every table of the system, named as in tables.toml."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        db = boto3.client("dynamodb")
        for spec in tomllib.loads(TABLES.read_text())["table"]:
            _create_table(db, spec)
        yield


@pytest.fixture
def invocations(monkeypatch) -> Invocations:
    """Every `boto3.client("lambda")` of the handlers records its invokes here."""
    recorder = Invocations()
    real = boto3.client
    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: recorder
                        if service == "lambda" else real(service, *a, **k))
    return recorder
