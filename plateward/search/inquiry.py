"""One inquiry of ALPR data: justified, run, and logged in a single transaction.

Every way into the data (the API's searches, a read or image view, the web pages) goes through
``run_inquiry``, so the rules cannot drift apart: the purpose is checked before any read is
touched, and the access log entry is written in the same transaction as the query, so an
inquiry whose entry cannot be written returns nothing (1798.90.52). It is also where an
inquiry learns whose reads it may see (``search/scope.py``): the person's agency's, and those
shared with it under current agreements.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from plateward.access.users import User
from plateward.audit.log import Entry, append
from plateward.errors import InvalidInput
from plateward.search.justification import Justification
from plateward.search.scope import Scope, scoped
from plateward.sharing.visibility import scope_for

T = TypeVar("T")


@dataclass(frozen=True)
class Inquiry:
    """Who asks, from where, what for, and the query as they gave it (logged verbatim)."""

    user: User
    action: str
    query: dict[str, Any]
    justification: Justification
    client_address: str | None


def run_inquiry(
    db: Engine, inquiry: Inquiry, work: Callable[[Connection, Justification], T],
    count: Callable[[T], int], *, time_limit_s: float | None = None,
) -> T:  # fmt: skip
    """Run ``work`` and log it with ``count(result)`` results, all in one transaction.

    With ``time_limit_s``, a ``work`` still running after that long is stopped by the database
    and refused with ``SearchTooSlow`` (nothing is returned, so nothing is logged).
    """
    with db.begin() as connection:
        scope = scope_for(connection, inquiry.user, inquiry.action)
        with time_limit(connection, time_limit_s), scoped(scope):
            result = work(connection, inquiry.justification)
        append(
            connection,
            Entry(
                username=inquiry.user.username,
                agency=inquiry.user.agency,
                action=inquiry.action,
                query=logged_query(inquiry.query, scope),
                case_number=inquiry.justification.case_number,
                reason=inquiry.justification.reason,
                result_count=count(result),
                client_address=inquiry.client_address,
            ),
        )
        return result


QUERY_CANCELED = "57014"
"""PostgreSQL's SQLSTATE for a statement stopped by statement_timeout."""


class SearchTooSlow(InvalidInput):
    """A search ran past the server's time limit and was stopped."""


@contextmanager
def time_limit(connection: Connection, seconds: float | None) -> Iterator[None]:
    """Stop the statements run inside after ``seconds``: PostgreSQL's statement_timeout,
    SQLite's progress handler (called every few thousand virtual machine steps)."""
    if seconds is None:
        yield
        return
    refusal = SearchTooSlow(
        f"search stopped after {seconds:g} s (server.search_time_limit_s): narrow it with a"
        " shorter time window, fewer cameras or a smaller area"
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}"))
        try:
            yield
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED:
                raise refusal from None
            raise
        connection.execute(text("SET LOCAL statement_timeout = 0"))  # the log entry has none
        return
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)  # type: ignore[union-attr]
    try:
        yield
    except OperationalError as exc:
        if "interrupted" in str(exc.orig):
            raise refusal from None
        raise
    finally:
        raw.set_progress_handler(None, 0)  # type: ignore[union-attr]


def logged_query(query: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The query as given, and the agreements that let it see other agencies' reads: a search
    across an agreement is logged with the receiving agency (the person's) and, here, the
    agreements and owners it reached into (policy G.4)."""
    logged: dict[str, Any] = jsonable(query)
    if scope.shared:
        logged["shared_by"] = [
            {"agreement": grant.agreement_id, "agency": grant.owner} for grant in scope.shared
        ]
    return logged


def jsonable(value: Any) -> Any:
    """Results and queries as JSON values: times as ISO 8601, UUIDs as text, inf as "inf"."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float) and value == float("inf"):
        return "inf"
    return value
