"""The access log in the browser, for the roles that may read it (``read_access_log``): entries
newest first, filtered by user, time, action and case number, and the chain's verification.

Reading the log is logged (``audit.read_log``, as the API logs it), and so is a verification
(``audit.verify``), so whoever audits the auditors sees who looked at what.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.audit.actor import actor_for, record
from plateward.audit.browse import LogFilter, browse_entries
from plateward.audit.expected import server_heads
from plateward.audit.verify import verify_log
from plateward.errors import InvalidInput, PlatewardError
from plateward.web.clock import parse_local
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Session, Depends(page_for(Action.READ_ACCESS_LOG))]
PAGE_ENTRIES = 100


@router.get("/access-log")
def access_log_page(
    request: Request, session: Reader, user: str = "", start: str = "", end: str = "",
    action: str = "", case_number: str = "", before: int | None = None,
) -> Response:  # fmt: skip
    form = {"user": user, "start": start, "end": end, "action": action,
            "case_number": case_number}  # fmt: skip
    return _page(request, session, form, before, verdict=None)


@router.post("/access-log/verify")
async def verify(request: Request, session: Reader) -> Response:
    check_csrf(session.csrf_token, await submitted_csrf(request))
    state = app_state(request)
    try:
        heads, source = server_heads(state.settings)
    except PlatewardError as exc:
        return _page(request, session, {}, None, verdict=None, error=exc.message)
    with state.db.begin() as connection:
        report = verify_log(connection, heads)
        record(connection, actor_for(session.user, client_of(request)), "audit.verify",
               {"intact": report.intact, "checkpoints": report.heads_checked,
                "problems": report.problems[:10]}, report.entries)  # fmt: skip
    verdict = {"report": report, "source": str(source) if source else None}
    return _page(request, session, {}, None, verdict=verdict)


def _page(
    request: Request, session: Session, form: dict[str, str], before: int | None,
    verdict: Any, error: str | None = None,
) -> Response:  # fmt: skip
    state = app_state(request)
    zone = state.settings.web.time_zone
    entries: list[dict[str, Any]] = []
    try:
        where = LogFilter(
            username=form.get("user", "").strip() or None,
            start=parse_local(form.get("start", ""), zone, "from"),
            end=parse_local(form.get("end", ""), zone, "until"),
            action=form.get("action", "").strip() or None,
            case_number=form.get("case_number", "").strip() or None,
        )
        with state.db.begin() as connection:
            entries = browse_entries(connection, where, before_id=before, limit=PAGE_ENTRIES)
            query = {**where.as_query(), "before_id": before, "limit": PAGE_ENTRIES}
            record(connection, actor_for(session.user, client_of(request)), "audit.read_log",
                   query, len(entries))  # fmt: skip
    except InvalidInput as exc:
        error = exc.message
    older = entries[-1]["id"] if len(entries) == PAGE_ENTRIES else None
    return render(request, "access_log.html", status_code=400 if error else 200,
                  signed_in=session, form=form, entries=entries, error=error, older=older,
                  verdict=verdict, before=before)  # fmt: skip
