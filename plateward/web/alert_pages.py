"""The alert console: live alerts, and each alert's side-by-side view with its A.7 checks.

``/alerts`` lists the newest alerts the person's agency may see and, with scripts on, adds new
ones as they arrive from ``/api/v1/alerts/stream`` (``static/alerts.js``); without scripts a
reload shows them. ``/alerts/{id}`` sets the read (plate crop, wider view, what was read and
which characters differ) beside the hot list entry, and carries the two checks and the
disposition as plain forms, so the page works the same with or without scripts and refuses
exactly what the API refuses (an enforcement disposition before both checks pass).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.alert.rules import DISPOSITIONS, ENFORCEMENT, Check
from plateward.alert.schema import alerts
from plateward.alert.verification import (
    Who,
    misreads_by_camera,
    open_alert,
    record_check,
    record_disposition,
)
from plateward.alert.views import alert_json, select_alerts, user_agency_id, visible_to
from plateward.audit.log import Entry, append
from plateward.errors import PlatewardError
from plateward.store.schema import reads
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)
Receiver = Annotated[Session, Depends(page_for(Action.RECEIVE_ALERTS))]
Verifier = Annotated[Session, Depends(page_for(Action.VERIFY_ALERTS))]

CONSOLE_ROWS = 50
DISPOSITION_LABELS = {
    "stop": "Stop made",
    "arrest": "Arrest",
    "vehicle_recovered": "Vehicle recovered",
    "tow": "Vehicle towed",
    "no_action": "No action",
    "misread": "Misread (not the plate on the list)",
}


def _who(request: Request, session: Session) -> Who:
    return Who(session.user, request.client.host if request.client else None)


@router.get("/alerts")
def console(request: Request, session: Receiver) -> Response:
    state = app_state(request)
    with state.db.begin() as connection:
        agency_id = user_agency_id(connection, session.user)
        rows = connection.execute(
            select_alerts()
            .where(visible_to(connection, agency_id))
            .order_by(alerts.c.id.desc())
            .limit(CONSOLE_ROWS)
        ).all()
        shown = [_with_times(alert_json(r)) for r in rows]
        figures = misreads_by_camera(connection)
        append(connection, Entry(
            username=session.user.username, agency=session.user.agency, action="alert.list",
            query={"page": "console", "limit": CONSOLE_ROWS}, reason="hot list alerts (policy A.7)",
            result_count=len(shown), client_address=_who(request, session).client_address,
        ))  # fmt: skip
    last_id = max((a["id"] for a in shown), default=0)
    return render(request, "alerts.html", signed_in=session, alerts=shown, last_id=last_id,
                  misreads=figures)  # fmt: skip


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: int, session: Receiver) -> Response:
    return _page(request, session, alert_id, error=None)


def _page(
    request: Request, session: Session, alert_id: int, error: str | None, status: int = 200
) -> Response:
    state = app_state(request)
    try:
        with state.db.begin() as connection:
            row = open_alert(connection, _who(request, session), alert_id)
            read = connection.execute(
                select(reads.c.confidence, reads.c.alternatives, reads.c.plate_image,
                       reads.c.context_image, reads.c.raw_text)
                .where(reads.c.id == row.read_id, reads.c.captured_at == row.captured_at)
            ).first()  # fmt: skip
    except PlatewardError as exc:
        return render(request, "refused.html", status_code=exc.status, signed_in=session,
                      message=exc.message)  # fmt: skip
    alert = _with_times(alert_json(row))
    return render(
        request, "alert.html", status_code=status, signed_in=session, alert=alert, read=read,
        error=error, plate_marks=_marks(alert), dispositions=DISPOSITIONS,
        enforcement=ENFORCEMENT, labels=DISPOSITION_LABELS,
    )  # fmt: skip


_TIMES = ("raised_at", "captured_at", "edge_raised_at")


def _with_times(alert: dict[str, Any]) -> dict[str, Any]:
    """The alert's JSON with its times also as datetimes, for the agency-time display."""
    moments = {f"{k}_dt": _moment(alert[k]) for k in _TIMES}
    for step, key in (("verification", "plate_checked_at"), ("verification", "clets_checked_at"),
                      ("disposition", "disposed_at")):  # fmt: skip
        moments[f"{key}_dt"] = _moment(alert[step][key])
    return alert | moments


def _moment(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _marks(alert: dict[str, Any]) -> list[tuple[str, bool]]:
    """The matched text as (character, differs) pairs, to highlight a look-alike's changes."""
    differing = set(alert["differing"])
    return [(c, i in differing) for i, c in enumerate(alert["matched_text"])]


@router.post("/alerts/{alert_id}/verify")
async def verify(
    request: Request, alert_id: int, session: Verifier,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    check: Annotated[str, Form(max_length=16)], result: Annotated[str, Form(max_length=16)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    state = app_state(request)

    def work() -> None:
        step = Check(check) if check in Check.__members__.values() else None
        if step is None:
            raise PlatewardError(f"check {check!r}: use plate or clets")
        with state.db.begin() as connection:
            record_check(connection, _who(request, session), alert_id, step, result,
                         reference=reference or None, note=note or None)  # fmt: skip

    return await _then_show(request, session, alert_id, work)


@router.post("/alerts/{alert_id}/dispose")
async def dispose(
    request: Request, alert_id: int, session: Verifier,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    disposition: Annotated[str, Form(max_length=24)], note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    state = app_state(request)

    def work() -> None:
        with state.db.begin() as connection:
            record_disposition(connection, _who(request, session), alert_id, disposition,
                               note or None)  # fmt: skip

    return await _then_show(request, session, alert_id, work)


async def _then_show(request: Request, session: Session, alert_id: int, work: Any) -> Response:
    try:
        await run_in_threadpool(work)
    except PlatewardError as exc:
        status = 422 if exc.status in (400, 500) else exc.status
        return await run_in_threadpool(_page, request, session, alert_id, exc.message, status)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
