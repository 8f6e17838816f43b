"""Writing the access log: one entry per access, chained by hashes, in the access's transaction.

Each entry's hash covers its own fields and the previous entry's hash, and entries are numbered
without gaps, so changing, deleting or reordering any entry breaks every hash after it
(``verify.py`` finds the first). The entry is written in the same transaction as the access it
records: if it cannot be written, the transaction fails and the data is not returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, text

from plateward.audit.schema import access_log

if TYPE_CHECKING:  # actor.py reaches the accounts, which log through this module
    from plateward.audit.actor import Actor

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Entry:
    """What one access was: who, from where, doing what, why, and how much it returned."""

    username: str
    agency: str
    action: str
    query: dict[str, Any]
    case_number: str | None = None
    reason: str | None = None
    result_count: int | None = None
    client_address: str | None = None
    outcome: str = "ok"


def append(connection: Connection, entry: Entry, at: dt.datetime | None = None) -> int:
    """Add ``entry`` after the last one; returns its number."""
    if connection.dialect.name == "postgresql":
        # One writer at a time extends the chain; the lock ends with the transaction.
        connection.execute(text("SELECT pg_advisory_xact_lock(5420001)"))
    else:
        # SQLite's driver opens the transaction at the first write, so two requests could both
        # read the same last entry and then collide on its successor's number. A write that
        # changes nothing takes the database's write lock first (waiting its busy timeout).
        connection.execute(text("UPDATE access_log SET id = id WHERE 0"))
    last = connection.execute(
        select(access_log.c.id, access_log.c.entry_hash).order_by(access_log.c.id.desc()).limit(1)
    ).first()
    number = 1 if last is None else last.id + 1
    previous = GENESIS_HASH if last is None else last.entry_hash
    fields = {
        "id": number,
        "at": (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),
        "username": entry.username,
        "agency": entry.agency,
        "action": entry.action,
        "query": entry.query,
        "case_number": entry.case_number,
        "reason": entry.reason,
        "result_count": entry.result_count,
        "client_address": entry.client_address,
        "outcome": entry.outcome,
    }
    connection.execute(
        insert(access_log).values(
            **fields, previous_hash=previous, entry_hash=entry_hash(fields, previous)
        )
    )
    return number


def append_change(
    connection: Connection,
    actor: Actor,
    action: str,
    query: dict[str, Any],
    *,
    reason: str,
    result_count: int = 1,
) -> int:
    """Log an administrative change (accounts, training, audits) made by ``actor``.

    Such changes have no case number: ``reason`` names the duty they serve instead.
    """
    return append(
        connection,
        Entry(
            username=actor.username,
            agency=actor.agency,
            action=action,
            query=query,
            reason=reason,
            result_count=result_count,
            client_address=actor.client_address,
        ),
    )


def entry_hash(fields: dict[str, Any], previous_hash: str) -> str:
    """SHA-256 over the previous hash and the entry's fields in a canonical JSON form."""
    canonical = dict(fields)
    at = canonical["at"]
    if isinstance(at, dt.datetime):
        canonical["at"] = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256((previous_hash + body).encode()).hexdigest()
