"""Sending each checkpoint to witnesses: HTTP receivers and syslog, kept by someone else.

A witness holds copies the database's owner cannot reach: if the log is later rolled back or
rewritten, any witnessed checkpoint shows it. Delivery is best effort and never holds up the
server: a witness that is down misses that checkpoint, logged as a warning, and gets the next
one with a consistency proof from the one before, so it can still check it extends what it
last accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import socket
from collections.abc import Sequence
from typing import Any

import httpx

from plateward.audit.checkpoints import Checkpoint
from plateward.settings import AuditSettings

logger = logging.getLogger(__name__)


def witness_message(
    checkpoint: Checkpoint, note: str, previous_size: int, proof: Sequence[bytes]
) -> dict[str, Any]:
    return {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root_hash": checkpoint.root.hex(),
        "time": checkpoint.signed_at.astimezone(dt.UTC).isoformat(),
        "note": note,
        "previous_size": previous_size,
        "consistency_proof": [p.hex() for p in proof],
    }


def send_to_witnesses(
    checkpoint: Checkpoint, note: str, previous_size: int, proof: Sequence[bytes],
    audit: AuditSettings,
) -> list[str]:  # fmt: skip
    """Deliver to every configured witness; returns the ones that failed (also logged)."""
    message = witness_message(checkpoint, note, previous_size, proof)
    failed = []
    for url in audit.witness_urls:
        try:
            response = httpx.post(url, json=message, timeout=audit.witness_timeout_s)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.warning("witness %s did not take checkpoint %d: %s", url, checkpoint.size, exc)
            failed.append(url)
    if audit.witness_syslog:
        try:
            _to_syslog(audit.witness_syslog, message)
        except OSError as exc:
            logger.warning("syslog %s did not take checkpoint: %s", audit.witness_syslog, exc)
            failed.append(audit.witness_syslog)
    return failed


def _to_syslog(target: str, message: dict[str, Any]) -> None:
    address: str | tuple[str, int]
    if target.startswith("/"):
        address = target
    else:
        host, _, port = target.rpartition(":")
        address = (host or "localhost", int(port or 514))
    handler = logging.handlers.SysLogHandler(
        address=address, facility=logging.handlers.SysLogHandler.LOG_AUTH,
        socktype=socket.SOCK_DGRAM,
    )  # fmt: skip
    try:
        # The proof stays out: syslog keeps the record, it does not check it, and many
        # receivers cut messages at 1-2 KB.
        kept = {k: v for k, v in message.items() if k != "consistency_proof"}
        record = logging.LogRecord(
            "plateward.checkpoint", logging.INFO, __file__, 0, "plateward-checkpoint %s",
            (json.dumps(kept, sort_keys=True),), None,
        )  # fmt: skip
        handler.emit(record)
    finally:
        handler.close()
