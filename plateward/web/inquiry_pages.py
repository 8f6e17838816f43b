"""Running an inquiry from a page: the purpose a person typed, the search, the log, the results.

Every data page goes through ``keep_inquiry``, which goes through the same ``run_inquiry`` as
the API (the purpose checked before any read is touched, the access log entry written in the
search's transaction, with the same action and query the API would log) and keeps the results
for the session in that same transaction (``result_sets.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Connection

from plateward.access.sessions import Session
from plateward.search.inquiry import Inquiry, run_inquiry
from plateward.search.justification import Justification
from plateward.search.purpose import justify
from plateward.web.result_entries import Entry
from plateward.web.result_sets import save_result
from plateward.web.state import app_state

T = TypeVar("T")


@dataclass(frozen=True)
class Purpose:
    """The purpose fields of a page's form, as typed (policy A.9)."""

    case_number: str = ""
    offense: str = ""
    reason: str = ""

    def justification(self, request: Request, session: Session) -> Justification:
        """The justification, or ``InvalidInput`` saying what is missing; case numbers in the
        format of the agency of the person signed in."""
        access = app_state(request).settings.access
        return justify(self.case_number, self.reason, self.offense, access.offense_types,
                       access.case_pattern_for(session.user.agency))  # fmt: skip


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def keep_inquiry(
    request: Request, session: Session, *, action: str, query: dict[str, Any], title: str,
    justification: Justification, search: Callable[[Connection, Justification], T],
    entries: Callable[[T], Sequence[Entry]], count: Callable[[T], int] = len,  # type: ignore[assignment]
    extra: Callable[[T], dict[str, Any]] | None = None,
) -> str:  # fmt: skip
    """Run, log and keep one inquiry; returns the id of its result set."""
    inquiry = Inquiry(
        user=session.user, action=action, query=query, justification=justification,
        client_address=client_of(request),
    )  # fmt: skip

    def work(connection: Connection, why: Justification) -> tuple[T, str]:
        found = search(connection, why)
        result_id = save_result(
            connection, session, kind=action, title=title, query=query, justification=why,
            entries=entries(found), extra=extra(found) if extra else None,
        )  # fmt: skip
        return found, result_id

    state = app_state(request)
    _, result_id = run_inquiry(
        state.db, inquiry, work, lambda done: count(done[0]),
        time_limit_s=state.settings.server.search_time_limit_s,
    )  # fmt: skip
    return result_id
