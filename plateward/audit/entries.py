"""Reading the access log back: entries in a time window, optionally one user's, in log order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select

from plateward.audit.schema import access_log
from plateward.errors import InvalidInput
from plateward.moments import utc_moment
from plateward.store.schema import MAX_INTEGER

MAX_ENTRIES = 10_000
MAX_ENTRY_ID = MAX_INTEGER


def find_entries(
    connection: Connection,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    username: str | None = None,
    after_id: int = 0,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Entries with ``start <= at < end``; page on with ``after_id`` = the last id returned."""
    start = None if start is None else utc_moment("start", start)
    end = None if end is None else utc_moment("end", end)
    if start is not None and end is not None and end <= start:
        raise InvalidInput(f"end {end.isoformat()}: must be after start {start.isoformat()}")
    if not 0 <= after_id <= MAX_ENTRY_ID:
        raise InvalidInput(f"after_id {after_id}: must be 0 to {MAX_ENTRY_ID}")
    if not 1 <= limit <= MAX_ENTRIES:
        raise InvalidInput(f"limit {limit}: must be 1 to {MAX_ENTRIES}")
    query = select(access_log).where(access_log.c.id > after_id)
    if start is not None:
        query = query.where(access_log.c.at >= start)
    if end is not None:
        query = query.where(access_log.c.at < end)
    if username is not None:
        query = query.where(access_log.c.username == username)
    rows = connection.execute(query.order_by(access_log.c.id).limit(limit))
    return [dict(row._mapping) for row in rows]
