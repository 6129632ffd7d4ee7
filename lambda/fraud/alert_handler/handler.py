"""Handles the EventBridge events of the fraud-detection rule.

- `FraudDetected` (from the stream processor): notify the alerts topic and put the alert on
  the events stream for downstream consumers.
- `TransactionReceived` (from any producer putting events with source `fraud-detection`): put
  the transaction on the transactions stream, where the processor scores it.

An exception makes Lambda retry the asynchronous invocation, then dead-letter it.
"""

from __future__ import annotations

import json
import logging
import os

import boto3

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_clients: dict[str, object] = {}


def client(name: str):
    if name not in _clients:
        _clients[name] = boto3.client(name)
    return _clients[name]


class UnsupportedEvent(ValueError):
    pass


def notify(detail: dict) -> dict:
    transaction = str(detail.get("transaction_id", "unknown"))
    subject = f"Fraud detected: transaction {transaction}"[:100]
    lines = [f"Transaction {transaction} of user {detail.get('user_id', 'unknown')} was declined.",
             f"Score: {detail.get('score')}", "Reasons:",
             *(f"- {reason}" for reason in detail.get("reasons", []))]
    if detail.get("agent_summary"):
        lines += ["Agent summary:", str(detail["agent_summary"])]
    published = client("sns").publish(TopicArn=os.environ["ALERT_TOPIC_ARN"], Subject=subject,
                                      Message="\n".join(lines))
    client("kinesis").put_record(StreamName=os.environ["EVENTS_STREAM"],
                                 PartitionKey=transaction[:256] or "unknown",
                                 Data=json.dumps({"type": "FraudDetected", **detail},
                                                 sort_keys=True).encode())
    return {"notified": published["MessageId"], "transaction_id": transaction}


def forward(detail: dict) -> dict:
    transaction = detail.get("transaction_id")
    if not isinstance(transaction, str) or not transaction:
        raise UnsupportedEvent("TransactionReceived without a transaction_id")
    result = client("kinesis").put_record(StreamName=os.environ["TRANSACTIONS_STREAM"],
                                          PartitionKey=str(detail.get("user_id") or transaction)[:256],
                                          Data=json.dumps(detail, sort_keys=True).encode())
    return {"forwarded": result["SequenceNumber"], "transaction_id": transaction}


HANDLERS = {"FraudDetected": notify, "TransactionReceived": forward}


def lambda_handler(event, context):
    kind = event.get("detail-type")
    handler = HANDLERS.get(kind)
    detail = event.get("detail")
    if handler is None or not isinstance(detail, dict):
        # Retrying cannot fix an event of another shape: log it and drop it.
        logger.error("ignoring event of type %r", kind)
        return {"ignored": kind}
    return handler(detail)
