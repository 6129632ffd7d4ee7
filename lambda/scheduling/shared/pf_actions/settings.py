"""Runtime settings read from the Lambda environment.

Read per invocation (cheap) rather than at import, so importing a handler never needs any
environment and a changed configuration takes effect without a cold start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pf_actions.errors import ConfigurationError

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class Settings:
    use_mock_api: bool = True
    pf360_base_url: str = ""
    pf360_client_id: str = ""
    pf360_credentials_secret_arn: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            use_mock_api=_parse_bool("USE_MOCK_API", env.get("USE_MOCK_API", "true")),
            pf360_base_url=env.get("PF360_API_BASE_URL", "").strip().rstrip("/"),
            pf360_client_id=env.get("PF360_CLIENT_ID", "").strip(),
            pf360_credentials_secret_arn=env.get("PF360_CREDENTIALS_SECRET_ARN", "").strip(),
        )

    def require_pf360(self) -> None:
        """Fail with one message naming every missing variable PF360 mode needs."""
        missing = [
            name
            for name, value in (
                ("PF360_API_BASE_URL", self.pf360_base_url),
                ("PF360_CLIENT_ID", self.pf360_client_id),
                ("PF360_CREDENTIALS_SECRET_ARN", self.pf360_credentials_secret_arn),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(
                "The scheduling service is not configured correctly (missing "
                + ", ".join(missing)
                + "). Please contact support."
            )
        if not self.pf360_base_url.startswith(("https://", "http://")):
            raise ConfigurationError("PF360_API_BASE_URL must be an http(s) URL. Please contact support.")


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be 'true' or 'false'. Please contact support.")
