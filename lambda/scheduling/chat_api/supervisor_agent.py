"""One turn with the supervisor agent: InvokeAgent, then its streamed answer.

The answer arrives as an event stream (`completion`): `chunk` events carry the text as bytes,
`trace` events (and `files`) are ignored, and an exception event (throttlingException,
validationException, dependencyFailedException, ...) ends the stream. botocore raises those as
EventStreamError (a ClientError) while the stream is read; a dict event named after the
exception (what some stubs produce) is treated the same way.

Failures become three exceptions the handler maps to HTTP: AgentThrottled (429),
AgentTimeout (504), AgentFailed (502; `session_problem` when the agent rejected the request or
its session attributes, which counts a SessionAttributeFailures metric).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from pf_actions import aws, metrics
from pf_actions.log import logger

_IGNORED_EVENTS = frozenset({"trace", "files"})
_MESSAGE_LIMIT = 300


class AgentThrottled(Exception):
    pass


class AgentFailed(Exception):
    def __init__(self, code: str, session_problem: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.session_problem = session_problem


class AgentTimeout(AgentFailed):
    pass


class _StreamFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def ask(
    client: Any, *, agent_id: str, alias_id: str, session_id: str, text: str, attributes: Mapping[str, str]
) -> str:
    """The supervisor's answer to `text` in session `session_id`. Counts AgentInvocationCount for
    every call and AgentResponseTime (call start to the end of the stream) for every answer."""
    from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

    metrics.count("AgentInvocationCount")
    started = time.perf_counter()
    try:
        response = client.invoke_agent(
            agentId=agent_id,
            agentAliasId=alias_id,
            sessionId=session_id,
            inputText=text,
            enableTrace=False,
            sessionState={"sessionAttributes": dict(attributes)},
        )
        answer = read_completion(response.get("completion") or ())
    except ClientError as exc:  # on the call, or an exception event in the stream (EventStreamError)
        error = exc.response.get("Error", {})
        raise _failure(aws.error_code(exc), str(error.get("Message", ""))) from None
    except _StreamFailure as exc:
        raise _failure(exc.code, exc.message) from None
    except ReadTimeoutError:
        logger.error("The agent did not answer in time")
        raise AgentTimeout("ReadTimeout") from None
    except BotoCoreError as exc:
        logger.error("Could not reach the agent", extra={"error_type": type(exc).__name__})
        raise AgentFailed(type(exc).__name__) from None
    if not answer.strip():
        logger.error("The agent answered with no text")
        raise AgentFailed("EmptyAnswer")
    metrics.emit("AgentResponseTime", round((time.perf_counter() - started) * 1000, 1))
    return answer


def read_completion(stream: Iterable[Any]) -> str:
    """The text of the chunk events; raises on an exception event (see the module doc)."""
    parts: list[bytes] = []
    try:
        for event in stream:
            if not isinstance(event, Mapping):
                continue
            for name, body in event.items():
                if name == "chunk":
                    data = body.get("bytes", b"") if isinstance(body, Mapping) else b""
                    parts.append(data.encode() if isinstance(data, str) else bytes(data))
                elif name in _IGNORED_EVENTS:
                    continue
                else:  # an exception event, or returnControl (no action group of ours returns control)
                    message = body.get("message", "") if isinstance(body, Mapping) else ""
                    raise _StreamFailure(name, str(message))
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
    return b"".join(parts).decode("utf-8", errors="replace")


def _failure(code: str, message: str) -> Exception:
    if code in aws.THROTTLING_CODES:
        logger.warning("The agent is throttling", extra={"error_code": code})
        return AgentThrottled(code)
    session_problem = code.lower().startswith("validation") or "sessionattribute" in message.lower().replace(" ", "")
    logger.error(
        "The agent failed",
        extra={"error_code": code, "error_message": message[:_MESSAGE_LIMIT], "session_problem": session_problem},
    )
    return AgentFailed(code, session_problem)
