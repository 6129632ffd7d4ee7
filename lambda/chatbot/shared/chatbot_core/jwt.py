"""HS256 JSON Web Tokens: `verify` for the authorizer, `sign` for tests and tooling.

Only HS256 is accepted; the header's `alg` is checked before anything else, so `none` and
algorithm-confusion tokens fail. Required claims: `sub` (the user id), `exp`, `iss` and `aud`
equal to the configured values; `nbf` and `iat` are honoured when present. A small leeway
absorbs clock skew between the login service and Lambda.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 8192
MIN_KEY_BYTES = 32
_PART = re.compile(r"[A-Za-z0-9_-]*")
_SUBJECT = re.compile(r"[A-Za-z0-9@._:|-]{1,128}")


class InvalidToken(Exception):
    """The token is not acceptable; the reason is for logs, never for the caller."""


def _b64decode(part: str) -> bytes:
    if not _PART.fullmatch(part) or len(part) % 4 == 1:
        raise InvalidToken("not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("not base64url") from exc


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken(f"{what} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidToken(f"{what} is not an object")
    return value


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InvalidToken(f"{name} is not a number")
    return float(value)


def sign(claims: dict[str, Any], key: bytes, header: dict[str, Any] | None = None) -> str:
    head = _b64encode(json.dumps(header or {"alg": "HS256", "typ": "JWT"},
                                 separators=(",", ":")).encode())
    body = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{head}.{body}".encode("ascii"), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64encode(signature)}"


def verify(token: str, key: bytes, *, issuer: str, audience: str, now: float) -> dict[str, Any]:
    """The claims of a valid token; InvalidToken otherwise."""
    if len(key) < MIN_KEY_BYTES:
        raise InvalidToken("signing key shorter than 32 bytes")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise InvalidToken("malformed")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("malformed")
    header = _json_object(_b64decode(parts[0]), "header")
    if header.get("alg") != "HS256":
        raise InvalidToken(f"alg {str(header.get('alg'))[:20]!r} is not HS256")
    if header.get("typ", "JWT") != "JWT" or "crit" in header:
        raise InvalidToken("unsupported header")
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64decode(parts[2])):
        raise InvalidToken("bad signature")
    claims = _json_object(_b64decode(parts[1]), "claims")
    expires = _number(claims, "exp")
    if expires is None or expires <= now - LEEWAY_SECONDS:
        raise InvalidToken("expired or without exp")
    not_before = _number(claims, "nbf")
    if not_before is not None and not_before > now + LEEWAY_SECONDS:
        raise InvalidToken("not yet valid")
    issued = _number(claims, "iat")
    if issued is not None and issued > now + LEEWAY_SECONDS:
        raise InvalidToken("issued in the future")
    if claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise InvalidToken("wrong audience")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise InvalidToken("sub missing or not a plain user id")
    return claims
