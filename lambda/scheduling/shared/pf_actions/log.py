"""One structured JSON logger for the whole package.

Powertools reads the level from POWERTOOLS_LOG_LEVEL or LOG_LEVEL (default INFO) and the
service name from POWERTOOLS_SERVICE_NAME. Nothing in this package logs credentials, tokens,
request bodies or note text: only identifiers, routes, status codes and timings.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "pf-actions")
