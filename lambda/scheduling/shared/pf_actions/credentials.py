"""PF360 username/password from AWS Secrets Manager, cached for the life of the container.

The secret (ARN in PF360_CREDENTIALS_SECRET_ARN) holds JSON {"username": ..., "password": ...}.
boto3 is imported here, lazily, so mock mode and the handler import never need it; in Lambda
it comes from the python3.11 runtime.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from pf_actions.errors import ConfigurationError
from pf_actions.log import logger


@dataclass(frozen=True)
class Pf360Credentials:
    username: str
    password: str = field(repr=False)  # keep it out of any accidental repr/log line


def load_credentials(secret_arn: str) -> Pf360Credentials:
    """Cached: one Secrets Manager call per container until clear_credentials_cache()."""
    return _load(secret_arn)


def clear_credentials_cache() -> None:
    """Forget the cached secret, e.g. after PF360 rejected it (it may have been rotated)."""
    _load.cache_clear()


@functools.lru_cache(maxsize=4)
def _load(secret_arn: str) -> Pf360Credentials:
    secret = _fetch_secret_string(secret_arn)
    try:
        data: Any = json.loads(secret)
    except ValueError:
        data = None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("username"), str)
        and isinstance(data.get("password"), str)
        and data["username"]
        and data["password"]
    ):
        # Never echo the secret's content, not even in part.
        raise ConfigurationError(
            "The PF360 credentials secret must be JSON with non-empty 'username' and 'password'. "
            "Please contact support."
        )
    logger.info("Loaded PF360 credentials from Secrets Manager", extra={"secret_arn": secret_arn})
    return Pf360Credentials(username=data["username"], password=data["password"])


def _fetch_secret_string(secret_arn: str) -> str:
    # Imported here: the Lambda runtime provides boto3, and only PF360 mode needs it.
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    # botocore logs whole response bodies at DEBUG ("Response body: ..."): here that is the secret.
    # Keep that one logger above DEBUG whatever level the function (or AWS_LAMBDA_LOG_LEVEL) sets.
    logging.getLogger("botocore.parsers").setLevel(logging.INFO)
    client = boto3.client("secretsmanager", region_name=_region_of(secret_arn))
    try:
        response = client.get_secret_value(SecretId=secret_arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "unknown")
        logger.error("Could not read the PF360 credentials secret", extra={"error_code": code})
        raise ConfigurationError(f"The PF360 credentials could not be read ({code}). Please contact support.") from None
    except BotoCoreError as exc:
        logger.error("Could not reach Secrets Manager", extra={"error_type": type(exc).__name__})
        raise ConfigurationError("The PF360 credentials could not be read. Please try again later.") from None
    secret = response.get("SecretString")
    if not isinstance(secret, str):
        raise ConfigurationError("The PF360 credentials secret has no string value. Please contact support.")
    return secret


def _region_of(secret_arn: str) -> str | None:
    # arn:aws:secretsmanager:<region>:<account>:secret:<name>; a plain name uses the default region.
    parts = secret_arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None
