"""Browsing the access log: newest entries first, narrowed by who, when, what and which case.

The access log page reads the log this way (the API's ``find_entries`` reads it in log order,
for export and sampling). Pages go back with ``before_id``: the id of the oldest entry shown,
which stays right while new entries are appended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from plateward.audit.schema import access_log
from plateward.errors import InvalidInput


@dataclass(frozen=True)
class LogFilter:
    username: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    action: str | None = None
    """An action (``search.plate``) or, ending in a dot, a family (``search.``)."""
    case_number: str | None = None

    def as_query(self) -> dict[str, Any]:
        """The filter as the access log records a reading of itself."""
        out: dict[str, Any] = {}
        for name in ("username", "action", "case_number"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment is not None:
                out[name] = moment.isoformat()
        return out


def browse_entries(
    connection: Connection, where: LogFilter, *, before_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Up to ``limit`` entries matching ``where``, newest first, older than ``before_id``."""
    if where.start and where.end and where.end <= where.start:
        raise InvalidInput(f"until {where.end.isoformat()}: must be after from")
    query = select(access_log)
    if before_id is not None:
        query = query.where(access_log.c.id < before_id)
    if where.username:
        query = query.where(access_log.c.username == where.username)
    if where.start is not None:
        query = query.where(access_log.c.at >= where.start)
    if where.end is not None:
        query = query.where(access_log.c.at < where.end)
    if where.action:
        if where.action.endswith("."):
            query = query.where(access_log.c.action.startswith(where.action, autoescape=True))
        else:
            query = query.where(access_log.c.action == where.action)
    if where.case_number:
        query = query.where(access_log.c.case_number == where.case_number)
    rows = connection.execute(query.order_by(access_log.c.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]
