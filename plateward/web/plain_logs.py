"""What reaches the plain logs (uvicorn's access log): never a plate, a case number or a reason.

The API's searches are GETs whose query strings hold the plate and the purpose, and uvicorn
logs every request line. The access log is the record of inquiries, kept with its protections;
a plain log file is read by whoever runs the machine and kept for as long as they like. So
every access log line is written with the query string replaced by ``?…``: the path still shows
which route was called, and the rest stays in the access log proper.

Forwarded headers (X-Forwarded-For, -Proto) are believed only from ``server.trusted_proxies``:
otherwise any client could choose the address the access log records for them.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

REDACTED = "?\u2026"


class RedactQuery(logging.Filter):
    """Drops the query string from uvicorn's access log records (args: client, method, path, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + REDACTED, *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with the access log's query strings redacted."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_query"] = {"()": RedactQuery}
    config["handlers"]["access"]["filters"] = ["redact_query"]
    return config
