"""Writing the access log: one entry per access, a leaf of the log's Merkle tree, in the
access's transaction.

Each entry becomes the next leaf of an RFC 9162 Merkle tree (``merkle.py``, ``tree.py``), whose
signed heads leave the database (``checkpoints.py``): changing, removing, inserting or
reordering any entry covered by a signed head changes the root it was signed with, and
``verify.py`` names the head that disagrees. The entry is written in the same transaction as
the access it records: if it cannot be written, the transaction fails and the data is not
returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, text

from plateward.audit.schema import access_log
from plateward.audit.tree import add_leaf, entry_leaf, next_leaf_index

if TYPE_CHECKING:  # actor.py reaches the accounts, which log through this module
    from plateward.audit.actor import Actor

LOG_LOCK = 5420001
"""PostgreSQL advisory lock taken by every append, so entries join the tree one at a time and
ids are drawn in the order the tree gets its leaves."""


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
    """Add ``entry`` as the tree's next leaf; returns its id."""
    if connection.dialect.name == "postgresql":
        # The lock ends with the transaction, after the leaf and its subtrees are in.
        connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": LOG_LOCK})
    fields: dict[str, Any] = {
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
    # The leaf number is read inside the INSERT, which on SQLite holds the write lock: two
    # writers cannot both take the same one.
    row = connection.execute(
        insert(access_log)
        .values(**fields, leaf_index=next_leaf_index())
        .returning(access_log.c.id, access_log.c.leaf_index)
    ).one()
    add_leaf(connection, row.leaf_index, entry_leaf({**fields, "id": row.id}))
    return int(row.id)


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
