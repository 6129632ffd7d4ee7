"""Scores transactions from the Kinesis transactions stream with explicit rules (and, for the
review band, the Bedrock agent when configured), records each decision with a TTL in the
decisions table and as an immutable record in the audit bucket (Object Lock applies the
bucket's retention), keeps the user's profile, and publishes `FraudDetected` to EventBridge.

Failed records are reported individually (`batchItemFailures`), so Lambda retries only them.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal

import boto3

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_clients: dict[str, object] = {}


def client(name: str):
    if name not in _clients:
        _clients[name] = boto3.client(name)
    return _clients[name]


@dataclass(frozen=True)
class Rules:
    block_score: float
    review_score: float
    high_amount: float
    high_risk_countries: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_environment(cls) -> "Rules":
        countries = os.environ.get("HIGH_RISK_COUNTRIES", "")
        return cls(block_score=float(os.environ.get("BLOCK_SCORE", "0.8")),
                   review_score=float(os.environ.get("REVIEW_SCORE", "0.5")),
                   high_amount=float(os.environ.get("HIGH_AMOUNT", "5000")),
                   high_risk_countries=frozenset(c for c in countries.split(",") if c))


class InvalidTransaction(ValueError):
    pass


def parse(data: bytes) -> dict:
    """A transaction: transaction_id, user_id, amount > 0, currency, country; timestamp
    (epoch seconds) optional, label ("fraud" or "legit", a known outcome) optional."""
    try:
        item = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidTransaction(f"not JSON: {exc}") from None
    if not isinstance(item, dict):
        raise InvalidTransaction("not a JSON object")
    for key in ("transaction_id", "user_id", "currency", "country"):
        if not isinstance(item.get(key), str) or not item[key] or len(item[key]) > 128:
            raise InvalidTransaction(f"{key} must be a non-empty string")
    amount = item.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 < amount < 1e12:
        raise InvalidTransaction("amount must be a positive number")
    if item.get("label") not in (None, "fraud", "legit"):
        raise InvalidTransaction("label must be fraud or legit")
    return item


def score(transaction: dict, profile: dict | None, rules: Rules) -> tuple[float, list[str]]:
    """Explicit, additive rules; the score is capped at 1."""
    points, reasons = 0.0, []
    amount = float(transaction["amount"])
    if amount >= rules.high_amount:
        points += 0.4
        reasons.append(f"amount {amount:g} at or above {rules.high_amount:g}")
    if transaction["country"] in rules.high_risk_countries:
        points += 0.3
        reasons.append(f"high-risk country {transaction['country']}")
    if profile:
        average = float(profile.get("average_amount", 0))
        if average and amount > 5 * average:
            points += 0.3
            reasons.append(f"amount over 5x the user's average {average:g}")
        if transaction["country"] not in set(profile.get("countries", [])):
            points += 0.2
            reasons.append(f"first transaction from {transaction['country']}")
    else:
        points += 0.1
        reasons.append("no profile for this user yet")
    return min(points, 1.0), reasons


def decide(value: float, rules: Rules) -> str:
    if value >= rules.block_score:
        return "decline"
    return "review" if value >= rules.review_score else "approve"


def ask_agent(transaction: dict, value: float, reasons: list[str]) -> tuple[float, str]:
    """The agent's score and summary for a transaction in the review band."""
    agent = os.environ.get("AGENT_ID")
    if not agent:
        return value, ""
    prompt = ("Assess this transaction for fraud; reply with JSON {\"score\": <0-1>, "
              f"\"summary\": \"...\"}}. Rules found: {reasons}. Transaction: "
              + json.dumps(transaction, sort_keys=True))
    response = client("bedrock-agent-runtime").invoke_agent(
        agentId=agent, agentAliasId=os.environ["AGENT_ALIAS_ID"],
        sessionId=transaction["transaction_id"][:100], inputText=prompt)
    text = "".join(part["chunk"]["bytes"].decode() for part in response["completion"] if "chunk" in part)
    try:
        answer = json.loads(text[text.index("{"):text.rindex("}") + 1])
        return min(max(float(answer["score"]), 0.0), 1.0), str(answer.get("summary", ""))[:1000]
    except (ValueError, KeyError, TypeError):
        logger.warning("agent answer without a score; keeping the rule score")
        return value, text[:1000]


def process(transaction: dict, rules: Rules, now: float) -> dict:
    users = boto3.resource("dynamodb").Table(os.environ["PROFILES_TABLE"])
    profile = users.get_item(Key={"user_id": transaction["user_id"]}).get("Item")
    value, reasons = score(transaction, profile, rules)
    summary = ""
    if rules.review_score <= value < rules.block_score:
        value, summary = ask_agent(transaction, value, reasons)
    decision = decide(value, rules)
    day = 86400
    record = {"transaction_id": transaction["transaction_id"], "user_id": transaction["user_id"],
              "score": round(value, 4), "decision": decision, "reasons": reasons,
              "agent_summary": summary, "decided_at": int(now),
              "environment": os.environ.get("ENVIRONMENT", "")}
    resource = boto3.resource("dynamodb")
    resource.Table(os.environ["TRANSACTIONS_TABLE"]).put_item(Item=_dynamo({
        **transaction, "timestamp": str(transaction.get("timestamp", int(now))),
        "expires_at": int(now) + int(os.environ.get("TRANSACTION_TTL_DAYS", "365")) * day}))
    resource.Table(os.environ["DECISIONS_TABLE"]).put_item(Item=_dynamo({
        **record, "expires_at": int(now) + int(os.environ.get("DECISION_TTL_DAYS", "90")) * day}))
    _update_profile(users, transaction, profile)
    body = json.dumps(record, sort_keys=True).encode()
    key = f"decisions/{time.strftime('%Y/%m/%d', time.gmtime(now))}/{transaction['transaction_id']}.json"
    # The audit bucket's default Object Lock retention makes the record immutable; a second
    # decision on the same transaction becomes a new version, the first one stays.
    client("s3").put_object(Bucket=os.environ["AUDIT_BUCKET"], Key=key, Body=body,
                            ContentType="application/json", ChecksumAlgorithm="SHA256")
    client("s3").put_object(Bucket=os.environ["TRAILS_BUCKET"], Key=key, Body=json.dumps(
        {**record, "transaction": transaction}, sort_keys=True).encode(),
        ContentType="application/json")
    if decision == "decline":
        client("events").put_events(Entries=[{
            "Source": os.environ.get("EVENT_SOURCE", "fraud-detection"),
            "DetailType": "FraudDetected", "EventBusName": os.environ.get("EVENT_BUS", "default"),
            "Detail": json.dumps(record, sort_keys=True)}])
        logger.info("FRAUD_DETECTED %s score=%s", transaction["transaction_id"], record["score"])
    return record


def _dynamo(item: dict) -> dict:
    """DynamoDB takes Decimal, not float."""
    return json.loads(json.dumps(item), parse_float=Decimal)


def _update_profile(users, transaction: dict, profile: dict | None) -> None:
    count = int((profile or {}).get("transaction_count", 0))
    average = float((profile or {}).get("average_amount", 0))
    countries = sorted(set((profile or {}).get("countries", [])) | {transaction["country"]})
    users.put_item(Item=_dynamo({
        "user_id": transaction["user_id"], "transaction_count": count + 1,
        "average_amount": round((average * count + float(transaction["amount"])) / (count + 1), 2),
        "countries": countries}))


def metrics(records: list[dict], labels: list[str | None], latency_ms: float) -> dict:
    """One embedded-metric-format document for the batch (CloudWatch extracts the metrics)."""
    namespace = os.environ.get("METRICS_NAMESPACE", "FraudDetection")
    values: dict[str, float] = {
        "TransactionsProcessed": len(records),
        "FraudDetected": sum(r["decision"] == "decline" for r in records),
        "ProcessingLatency": latency_ms,
    }
    if records:
        values["ConfidenceScore"] = sum(abs(r["score"] - 0.5) * 2 for r in records) / len(records)
    known = [(r, label) for r, label in zip(records, labels) if label]
    if known:
        values["DetectionAccuracy"] = sum(
            (r["decision"] == "decline") == (label == "fraud") for r, label in known) / len(known)
        values["FalsePositives"] = sum(r["decision"] == "decline" and label == "legit"
                                       for r, label in known)
    units = {"ProcessingLatency": "Milliseconds", "TransactionsProcessed": "Count",
             "FraudDetected": "Count", "FalsePositives": "Count"}
    return {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
        "Namespace": namespace, "Dimensions": [["Environment"]],
        "Metrics": [{"Name": n, "Unit": units.get(n, "None")}
                    for n in values]}]},
        "Environment": os.environ.get("ENVIRONMENT", ""), **values}


def lambda_handler(event, context):
    started = time.monotonic()
    rules = Rules.from_environment()
    failures, records, labels = [], [], []
    for item in event.get("Records", []):
        sequence = item["kinesis"]["sequenceNumber"]
        try:
            transaction = parse(base64.b64decode(item["kinesis"]["data"]))
        except (InvalidTransaction, ValueError) as exc:
            # A malformed record never gets better: log it and drop it instead of retrying.
            logger.error("dropping malformed record %s: %s", sequence, exc)
            continue
        try:
            records.append(process(transaction, rules, time.time()))
            labels.append(transaction.get("label"))
        except Exception:  # noqa: BLE001 - reported to Lambda, which retries the record
            logger.exception("processing failed for record %s", sequence)
            failures.append({"itemIdentifier": sequence})
    print(json.dumps(metrics(records, labels, (time.monotonic() - started) * 1000)))
    return {"batchItemFailures": failures}
