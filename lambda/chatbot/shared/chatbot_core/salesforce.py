"""Salesforce record lookups: OAuth 2.0 client-credentials flow with a cached access token,
and a read-through cache in DynamoDB.

The connected app's `{"client_id", "client_secret"}` come from Secrets Manager. The token is
kept per container until shortly before it expires (`expires_in` when Salesforce sends it,
otherwise `TOKEN_LIFETIME`); a 401 on a data call drops it and fetches a new one once.
Records are cached under `<object>:<id>` with the `ttl` attribute DynamoDB expires them by; an
expired item DynamoDB has not deleted yet counts as a miss.
"""

from __future__ import annotations

import json
import os
import re
import time
from urllib.parse import quote, urlencode

from chatbot_core import secrets, store
from chatbot_core.errors import BadRequest, NotFound, UpstreamError, UpstreamUnauthorized
from chatbot_core.http import HttpClient, HttpPolicy

#: Objects the chatbot may read, and the fields it reads of each.
FIELDS = {
    "Account": ("Id", "Name", "Industry", "Type", "Phone", "Website", "BillingCity"),
    "Contact": ("Id", "Name", "Title", "Email", "Phone", "AccountId"),
    "Case": ("Id", "CaseNumber", "Subject", "Status", "Priority", "AccountId", "ContactId"),
    "Opportunity": ("Id", "Name", "StageName", "Amount", "CloseDate", "AccountId"),
}
RECORD_ID = re.compile(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?")
TOKEN_LIFETIME = 900.0
TOKEN_EARLY_REFRESH = 60.0
POLICY = HttpPolicy(connect_timeout=2.0, read_timeout=6.0, max_attempts=3, time_budget=20.0)
_client: HttpClient | None = None
_token: tuple[str, float] | None = None  # (access token, monotonic expiry)


def client() -> HttpClient:
    global _client
    if _client is None:
        _client = HttpClient("Salesforce", POLICY)
    return _client


def reset(http: HttpClient | None = None) -> None:
    """Drop the cached token (and use `http`) - tests."""
    global _client, _token
    _client, _token = http, None


def _base() -> str:
    return os.environ["SALESFORCE_INSTANCE_URL"].rstrip("/")


def access_token(refresh: bool = False) -> str:
    global _token
    now = time.monotonic()
    if _token and not refresh and now < _token[1]:
        return _token[0]
    credentials = secrets.read_json(os.environ["SALESFORCE_SECRET_ARN"],
                                    ("client_id", "client_secret"), refresh=refresh)
    form = urlencode({"grant_type": "client_credentials", "client_id": credentials["client_id"],
                      "client_secret": credentials["client_secret"]}).encode()
    response = client().request("POST", f"{_base()}/services/oauth2/token", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    if response.status != 200:
        raise UpstreamError(f"Salesforce token endpoint: status {response.status}",
                            response.status)
    answer = response.json()
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise UpstreamError("Salesforce token answer has no access_token")
    lifetime = answer.get("expires_in")
    lifetime = float(lifetime) if isinstance(lifetime, (int, float)) and lifetime > 0 \
        else TOKEN_LIFETIME
    _token = (token, now + max(lifetime - TOKEN_EARLY_REFRESH, 1.0))
    return token


def _fetch(object_type: str, record_id: str) -> dict:
    version = os.environ.get("SALESFORCE_API_VERSION", "v61.0")
    url = (f"{_base()}/services/data/{version}/sobjects/{object_type}/{quote(record_id)}?"
           + urlencode({"fields": ",".join(FIELDS[object_type])}))
    for refresh in (False, True):
        try:
            response = client().request("GET", url, headers={
                "Authorization": f"Bearer {access_token(refresh)}",
                "Accept": "application/json"})
            break
        except UpstreamUnauthorized:
            if refresh:
                raise
    if response.status == 404:
        raise NotFound(f"no {object_type} {record_id}")
    record = response.json()
    if not isinstance(record, dict):
        raise UpstreamError("Salesforce record is not an object")
    record.pop("attributes", None)
    return {k: record.get(k) for k in FIELDS[object_type]}


def lookup(object_type: str, record_id: str, now: float | None = None) -> tuple[dict, bool]:
    """(record, served from cache)."""
    if object_type not in FIELDS:
        raise BadRequest(f"object_type must be one of {', '.join(sorted(FIELDS))}")
    if not RECORD_ID.fullmatch(record_id):
        raise BadRequest("record_id must be a 15- or 18-character Salesforce id")
    now = int(now if now is not None else time.time())
    table = store._table("CACHE_TABLE")
    key = f"{object_type}:{record_id}"
    item = table.get_item(Key={"key": key}).get("Item")
    if item and int(item.get("ttl", 0)) > now:
        return json.loads(item["record"]), True
    record = _fetch(object_type, record_id)
    table.put_item(Item={"key": key, "record": json.dumps(record, sort_keys=True),
                         "fetchedAt": now,
                         "ttl": now + int(os.environ.get("CACHE_TTL_SECONDS", "900"))})
    return record, False
