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
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from plateward.access.users import User
from plateward.audit.log import Entry, append
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
    count: Callable[[T], int],
) -> T:  # fmt: skip
    """Run ``work`` and log it with ``count(result)`` results, all in one transaction."""
    with db.begin() as connection:
        scope = scope_for(connection, inquiry.user, inquiry.action)
        with scoped(scope):
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
