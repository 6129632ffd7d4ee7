"""Fixtures for the chatbot Lambdas (lambda/chatbot/): handlers loaded by path under unique
module names, the shared package `chatbot_core` from lambda/chatbot/shared, moto with the three
tables (key schemas read from systems/chatbot/tables.toml, as deployed) and the three secrets,
and `remote`: a local HTTP server standing in for Salesforce and the chat completion API,
answering from a per-path script (status, headers, body, delay) and recording every request.
No test reaches the internet."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import tomllib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType, SimpleNamespace

import boto3
import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[3]
SOURCE_ROOT = REPO_ROOT / "lambda" / "chatbot"
if str(SOURCE_ROOT / "shared") not in sys.path:
    sys.path.insert(0, str(SOURCE_ROOT / "shared"))

from chatbot_core import completion, http, jwt, salesforce, secrets, store  # noqa: E402

REGION = "us-east-1"
SIGNING_KEY = "k" * 40
ISSUER, AUDIENCE = "pf-chatbot", "pf-chatbot-api"
TABLES = {"SESSIONS_TABLE": "pf-chatbot-sessions-test", "CACHE_TABLE": "pf-chatbot-cache-test",
          "HISTORY_TABLE": "pf-chatbot-chat-history-test"}
TABLE_PARTS = {"sessions": "SESSIONS_TABLE", "cache": "CACHE_TABLE",
               "chat-history": "HISTORY_TABLE"}
#: Fast policy for tests: short timeouts, tiny backoff; the retry rules are the real ones.
FAST = http.HttpPolicy(connect_timeout=0.5, read_timeout=0.4, max_attempts=3, backoff=0.01,
                       backoff_max=0.02, retry_after_max=0.05, time_budget=5.0)
METHOD_ARN = "arn:aws:execute-api:us-east-1:111122223333:abc123/test/POST/chat"


def load_handler(function: str) -> ModuleType:
    name = f"chatbot_{function}_handler"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SOURCE_ROOT / function / "handler.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def chatbot_handlers() -> SimpleNamespace:
    return SimpleNamespace(**{f: load_handler(f) for f in
                              ("authorizer", "chat", "sessions", "salesforce")})


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    #: Seconds before the answer (beyond the client's read timeout = a timeout).
    delay: float = 0.0


class Remote:
    """Scripted replies per path; the last reply of a path repeats once the script runs out."""

    def __init__(self) -> None:
        self.scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: list[SimpleNamespace] = []
        self.lock = threading.Lock()
        self.url = ""

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts[path].extend(replies)

    def calls(self, path: str) -> list[SimpleNamespace]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            queue = self.scripts.get(path.split("?")[0])
            if not queue:
                return Reply(599, {"error": f"no script for {path}"})
            return queue.popleft() if len(queue) > 1 else queue[0]


def _handler_for(remote: Remote):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with remote.lock:
                remote.requests.append(SimpleNamespace(
                    method=self.command, path=self.path, headers=dict(self.headers), body=body))
            reply = remote.next_reply(self.path)
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(
                reply.body).encode()
            try:
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:  # keep pytest output clean
            pass
    return Handler


@pytest.fixture
def remote():
    server_remote = Remote()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(server_remote))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_remote.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server_remote
    server.shutdown()
    server.server_close()


def key_schemas() -> dict[str, dict]:
    """create_table arguments of the deployed tables, read from the system's own table file
    (tomllib, so no CDKTF import starts here)."""
    rows = tomllib.loads((REPO_ROOT / "systems" / "chatbot" / "tables.toml").read_text())["table"]
    out = {}
    for row in rows:
        attributes = {row["partition_key"]: row["partition_key_type"]}
        keys = [{"AttributeName": row["partition_key"], "KeyType": "HASH"}]
        if row.get("sort_key"):
            attributes[row["sort_key"]] = row["sort_key_type"]
            keys.append({"AttributeName": row["sort_key"], "KeyType": "RANGE"})
        indexes = []
        for gsi in row.get("gsis", []):
            attributes[gsi["partition_key"]] = gsi["partition_key_type"]
            index_keys = [{"AttributeName": gsi["partition_key"], "KeyType": "HASH"}]
            if gsi.get("sort_key"):
                attributes[gsi["sort_key"]] = gsi["sort_key_type"]
                index_keys.append({"AttributeName": gsi["sort_key"], "KeyType": "RANGE"})
            indexes.append({"IndexName": gsi["name"], "KeySchema": index_keys,
                            "Projection": {"ProjectionType": "ALL"}})
        args = {"TableName": TABLES[TABLE_PARTS[row["name"]]], "KeySchema": keys,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t}
                                         for n, t in attributes.items()]}
        if indexes:
            args["GlobalSecondaryIndexes"] = indexes
        out[row["name"]] = args
    return out


@pytest.fixture
def aws(monkeypatch, remote):
    """moto with the tables and secrets, the handlers' environment pointing at them and at the
    local server, and every module cache empty (a cold start)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
                        "AWS_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for args in key_schemas().values():
            dynamodb.create_table(**args)
        manager = boto3.client("secretsmanager", region_name=REGION)
        arns = {}
        for name, value in (("jwt", {"signing_key": SIGNING_KEY}),
                            ("openai", {"api_key": "sk-test"}),
                            ("salesforce", {"client_id": "cid", "client_secret": "csecret"})):
            arns[name] = manager.create_secret(Name=f"pf/test/chatbot/{name}",
                                               SecretString=json.dumps(value))["ARN"]
        env = {**TABLES, "JWT_SECRET_ARN": arns["jwt"], "JWT_ISSUER": ISSUER,
               "JWT_AUDIENCE": AUDIENCE, "OPENAI_SECRET_ARN": arns["openai"],
               "OPENAI_BASE_URL": f"{remote.url}/v1", "OPENAI_MODEL": "gpt-test",
               "OPENAI_MAX_TOKENS": "64", "HISTORY_MESSAGES": "10", "HISTORY_TTL_DAYS": "7",
               "SESSION_TTL_HOURS": "24", "SALESFORCE_SECRET_ARN": arns["salesforce"],
               "SALESFORCE_INSTANCE_URL": remote.url, "SALESFORCE_API_VERSION": "v61.0",
               "CACHE_TTL_SECONDS": "900", "CORS_ALLOW_ORIGINS": "http://localhost:3000"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        secrets.clear()
        store.reset()
        salesforce.reset(http.HttpClient("Salesforce", FAST))
        completion.set_client(http.HttpClient("chat completion API", FAST))
        yield SimpleNamespace(arns=arns, dynamodb=dynamodb, manager=manager,
                              resource=boto3.resource("dynamodb", region_name=REGION))
        secrets.clear()
        store.reset()
        salesforce.reset()
        completion.set_client(None)


def token(sub: str = "user-1", key: str = SIGNING_KEY, **claims) -> str:
    now = time.time()
    body = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": int(now), "exp": int(now) + 600,
            **claims}
    return jwt.sign({k: v for k, v in body.items() if v is not None}, key.encode())


def proxy_event(method: str, resource: str, *, user: str | None = "user-1", body=None,
                path_parameters: dict | None = None, origin: str | None = None) -> dict:
    """An API Gateway REST proxy event after the Lambda authorizer."""
    context = {"requestId": "r-1", "stage": "test"}
    if user is not None:
        context["authorizer"] = {"principalId": user, "userId": user}
    return {"resource": resource, "httpMethod": method, "path": resource,
            "headers": {"origin": origin} if origin else {}, "requestContext": context,
            "pathParameters": path_parameters,
            "body": None if body is None else (body if isinstance(body, str) else json.dumps(body)),
            "isBase64Encoded": False}


def body_of(result: dict):
    return json.loads(result["body"]) if result["body"] else None


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers above for test modules (tests/lambda cannot be imported by name: `lambda`
    is a Python keyword)."""
    return SimpleNamespace(FAST=FAST, Reply=Reply, token=token, proxy_event=proxy_event,
                           body_of=body_of, SIGNING_KEY=SIGNING_KEY, ISSUER=ISSUER,
                           AUDIENCE=AUDIENCE, METHOD_ARN=METHOD_ARN, TABLES=TABLES)
