"""The search page: a plate or a partial pattern, with the purpose the policy asks for (A.9).

The page runs the same ``run_inquiry`` as the API, with the same action names and the same
query shape in the access log, so an auditor cannot tell (and need not care) which one a search
came through. A plate with ``?`` or ``*`` is a partial search (policy A.6), otherwise an exact
one. It is a POST, so plates and case numbers stay out of browser history and proxy logs, and
carries the CSRF token, so no other site can run a search under a deputy's name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy import Connection

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.inquiry import Inquiry, run_inquiry
from plateward.search.justification import Justification
from plateward.search.patterns import ANY, ONE
from plateward.search.plates import search_partial, search_plate
from plateward.search.purpose import justify
from plateward.search.results import ReadHit
from plateward.web.guards import check_csrf, refuse_unless_allowed, signed_in, submitted_csrf
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

LIMIT = 1000
"""The API's default limit, recorded in the log's query just as the API records it."""


@router.get("/search")
def search_form(request: Request, session: Annotated[Session, Depends(signed_in)]) -> Response:
    refuse_unless_allowed(request, session, Action.SEARCH)
    return _page(request, session, form={}, error=None, hits=None)


@router.post("/search")
def search(
    request: Request,
    session: Annotated[Session, Depends(signed_in)],
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    plate: Annotated[str, Form(max_length=200)] = "",
    case_number: Annotated[str, Form(max_length=200)] = "",
    offense: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(session.csrf_token, submitted)
    refuse_unless_allowed(request, session, Action.SEARCH)
    form = {"plate": plate, "case_number": case_number, "offense": offense, "reason": reason}
    state = app_state(request)
    try:
        access = state.settings.access
        justification = justify(case_number, reason, offense, access.offense_types,
                                access.case_pattern_for(session.user.agency))  # fmt: skip
    except InvalidInput as exc:
        return _page(request, session, form=form, error=exc.message, hits=None, status=400)
    text = plate.strip()
    if not text:
        return _page(request, session, form=form, error="Give a plate or a pattern.", hits=None,
                     status=400)  # fmt: skip
    partial = ONE in text or ANY in text
    inquiry = Inquiry(
        user=session.user,
        action="search.partial" if partial else "search.plate",
        query={"pattern" if partial else "plate": text, "limit": LIMIT},
        justification=justification,
        client_address=request.client.host if request.client else None,
    )

    def work(connection: Connection, why: Justification) -> list[ReadHit]:
        find = search_partial if partial else search_plate
        return find(connection, text, justification=why, filters=Filters(limit=LIMIT))

    try:
        hits = run_inquiry(state.db, inquiry, work, len,
                           time_limit_s=state.settings.server.search_time_limit_s)  # fmt: skip
    except InvalidInput as exc:
        return _page(request, session, form=form, error=exc.message, hits=None, status=422)
    return _page(request, session, form=form, error=None, hits=hits)


def _page(
    request: Request, session: Session, *, form: dict[str, str], error: str | None,
    hits: list[ReadHit] | None, status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, "search.html", status_code=status, signed_in=session, form=form, error=error,
        hits=hits, offense_types=app_state(request).settings.access.offense_types, limit=LIMIT,
    )  # fmt: skip
