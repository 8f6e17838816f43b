"""The access log entry each change to the training records leaves behind.

Who may search depends on these records, so a course made optional or a certificate recorded
for someone is as much an accountability event as a search: it goes into the same tamper-evident
log, in the same transaction as the change, under the person who made it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from plateward.audit.actor import Actor
from plateward.audit.log import append_change

REASON = "training records (policy D.1, F)"


def log_change(connection: Connection, actor: Actor, action: str, query: dict[str, Any]) -> int:
    return append_change(connection, actor, action, query, reason=REASON)
