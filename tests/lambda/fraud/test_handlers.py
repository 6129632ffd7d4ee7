"""The fraud Lambdas against moto: the processor scores fixture transactions, records decisions
with TTL, writes the audit record into an Object Lock bucket and publishes FraudDetected; the
alert handler notifies and forwards; parsing and index requests are fuzzed."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from pathlib import Path

import boto3
import pytest
from hypothesis import given, settings, strategies as st
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[3] / "lambda" / "fraud"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"fraud_{name}", ROOT / name / "handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


processor, alerts, actions, kb_index = (load(n) for n in (
    "stream_processor", "alert_handler", "agent_actions", "kb_index"))


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        processor._clients.clear()
        alerts._clients.clear()
        db = boto3.client("dynamodb")
        for table, key in (("tx", "transaction_id"), ("decisions", "transaction_id"),
                           ("profiles", "user_id")):
            extra = {}
            if table == "tx":
                extra = {"GlobalSecondaryIndexes": [{"IndexName": "by-user", "KeySchema": [
                    {"AttributeName": "user_id", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "ALL"}}]}
            attributes = [{"AttributeName": key, "AttributeType": "S"}]
            if table == "tx":
                attributes += [{"AttributeName": "user_id", "AttributeType": "S"},
                               {"AttributeName": "timestamp", "AttributeType": "S"}]
            db.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attributes,
                            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}], **extra)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="audit", ObjectLockEnabledForBucket=True)
        s3.put_object_lock_configuration(Bucket="audit", ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}}})
        s3.create_bucket(Bucket="trails")
        kinesis = boto3.client("kinesis")
        for stream in ("transactions", "events"):
            kinesis.create_stream(StreamName=stream, ShardCount=1)
        topic = boto3.client("sns").create_topic(Name="alerts")["TopicArn"]
        for key, value in {"TRANSACTIONS_TABLE": "tx", "DECISIONS_TABLE": "decisions",
                           "PROFILES_TABLE": "profiles", "AUDIT_BUCKET": "audit",
                           "TRAILS_BUCKET": "trails", "HIGH_RISK_COUNTRIES": "XX",
                           "ALERT_TOPIC_ARN": topic, "TRANSACTIONS_STREAM": "transactions",
                           "EVENTS_STREAM": "events", "ENVIRONMENT": "test"}.items():
            monkeypatch.setenv(key, value)
        yield


def kinesis_event(*transactions) -> dict:
    return {"Records": [{"kinesis": {"sequenceNumber": str(i), "data": base64.b64encode(
        json.dumps(t).encode() if isinstance(t, dict) else t).decode()}}
        for i, t in enumerate(transactions)]}


def test_processor_scores_records_and_audits(aws, capsys):
    result = processor.lambda_handler(kinesis_event(
        {"transaction_id": "t1", "user_id": "u1", "amount": 20, "currency": "EUR", "country": "DE",
         "label": "legit"},
        {"transaction_id": "t2", "user_id": "u1", "amount": 9000, "currency": "EUR", "country": "XX",
         "label": "fraud"},
        b"not json"), None)
    assert result == {"batchItemFailures": []}
    decisions = boto3.resource("dynamodb").Table("decisions")
    first = decisions.get_item(Key={"transaction_id": "t1"})["Item"]
    second = decisions.get_item(Key={"transaction_id": "t2"})["Item"]
    assert first["decision"] == "approve" and second["decision"] == "decline"
    assert second["expires_at"] > second["decided_at"] + 89 * 86400
    s3 = boto3.client("s3")
    (audit,) = [o["Key"] for o in s3.list_objects_v2(Bucket="audit")["Contents"] if "t2" in o["Key"]]
    with pytest.raises(s3.exceptions.ClientError):
        version = s3.head_object(Bucket="audit", Key=audit)["VersionId"]
        s3.delete_object(Bucket="audit", Key=audit, VersionId=version)
    profile = boto3.resource("dynamodb").Table("profiles").get_item(Key={"user_id": "u1"})["Item"]
    assert profile["transaction_count"] == 2 and sorted(profile["countries"]) == ["DE", "XX"]
    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert emf["TransactionsProcessed"] == 2 and emf["FraudDetected"] == 1
    assert emf["DetectionAccuracy"] == 1 and emf["FalsePositives"] == 0
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FraudDetection"


def test_alert_handler_notifies_and_forwards(aws):
    out = alerts.lambda_handler({"detail-type": "FraudDetected", "detail": {
        "transaction_id": "t2", "user_id": "u1", "score": 0.9, "reasons": ["amount"]}}, None)
    assert out["transaction_id"] == "t2" and out["notified"]
    forwarded = alerts.lambda_handler({"detail-type": "TransactionReceived", "detail": {
        "transaction_id": "t3", "user_id": "u2", "amount": 1}}, None)
    assert forwarded["forwarded"]
    assert alerts.lambda_handler({"detail-type": "Other", "detail": {}}, None) == {"ignored": "Other"}


def test_agent_actions_answer_bedrock_events(aws):
    boto3.resource("dynamodb").Table("profiles").put_item(Item={"user_id": "u1", "transaction_count": 3})
    event = {"actionGroup": "fraud-lookups", "httpMethod": "GET", "apiPath": "/users/{user_id}/profile",
             "parameters": [{"name": "user_id", "value": "u1"}]}
    response = actions.lambda_handler(event, None)["response"]
    assert response["httpStatusCode"] == 200
    assert json.loads(response["responseBody"]["application/json"]["body"])["transaction_count"] == 3
    bad = actions.lambda_handler({**event, "parameters": [{"name": "user_id", "value": "u 1"}]}, None)
    assert bad["response"]["httpStatusCode"] == 400


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_parse_accepts_only_well_formed_transactions(data):
    try:
        item = processor.parse(data)
    except processor.InvalidTransaction:
        return
    assert item["amount"] > 0 and item["transaction_id"]


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.01, max_value=1e9), st.sampled_from(["DE", "XX"]))
def test_scores_stay_between_zero_and_one(amount, country):
    rules = processor.Rules(0.8, 0.5, 5000, frozenset({"XX"}))
    value, _ = processor.score({"amount": amount, "country": country}, None, rules)
    assert 0 <= value <= 1 and processor.decide(value, rules) in ("approve", "review", "decline")


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["endpoint", "index", "dimensions", "fields"]),
                       st.one_of(st.text(max_size=40), st.integers(), st.none())))
def test_index_requests_are_validated(event):
    with pytest.raises(ValueError):
        kb_index.validate(event)
