"""Retention and legal holds in the browser (policy B).

``/retention`` shows the periods (from the settings), the destruction records of every run,
what a run as of any moment would destroy (a dry run, logged), and lets an administrator run
one now. ``/holds`` lists the legal holds and places and releases them. Both use the same
functions as ``plateward retention`` and ``plateward hold`` and log the same entries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.errors import InvalidInput, PlatewardError
from plateward.retention.holds import hold_plate, hold_reads, list_holds, release_hold
from plateward.retention.periods import CLASS_DAYS, CLASS_LABELS, Cutoffs, check_as_of
from plateward.retention.preview import log_dry_run, preview
from plateward.retention.records import Destroyed, list_runs
from plateward.retention.run import Runner, run_retention
from plateward.web.clock import parse_local
from plateward.web.guards import check_csrf, refuse_unless_allowed, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Session, Depends(page_for(Action.VIEW_RETENTION))]
Holder = Annotated[Session, Depends(page_for(Action.HOLD_DATA))]


@router.get("/retention")
def retention_page(request: Request, session: Viewer) -> Response:
    return _retention(request, session)


@router.post("/retention")
async def retention_act(request: Request, session: Viewer) -> Response:
    form = await _form(request, session)
    state = app_state(request)
    zone = state.settings.web.time_zone
    now = dt.datetime.now(dt.UTC)
    try:
        when = parse_local(form.get("as_of", ""), zone, "as of") or now
        if form.get("do") == "run":
            refuse_unless_allowed(request, session, Action.MANAGE_RETENTION)
            when = check_as_of(when, now, dry_run=False)
            runner = Runner(session.user.username, session.user.agency, "page",
                            client_of(request))  # fmt: skip
            run = await run_in_threadpool(
                run_retention, state.db, state.images, state.settings.retention, runner,
                as_of=when, now=now,
            )  # fmt: skip
            return _retention(request, session, notice=f"Run {run.id}: {run.status}.")
        when = check_as_of(when, now, dry_run=True)
        with state.db.begin() as connection:
            found = preview(connection, Cutoffs.of(state.settings.retention, when))
            log_dry_run(connection, session.user, client_of(request), when, found)
        return _retention(request, session, dry=found, dry_as_of=when, form=form)
    except PlatewardError as exc:
        return _retention(request, session, error=exc.message, form=form, status=400)


@router.get("/holds")
def holds_page(request: Request, session: Holder, every: bool = False) -> Response:
    return _holds(request, session, every=every)


@router.post("/holds")
async def holds_place(request: Request, session: Holder) -> Response:
    form = await _form(request, session)
    state = app_state(request)
    zone = state.settings.web.time_zone
    try:
        until = parse_local(form.get("until", ""), zone, "hold until")
        with state.db.begin() as connection:
            if form.get("plate", "").strip():
                start = parse_local(form.get("captured_from", ""), zone, "reads from")
                end = parse_local(form.get("captured_until", ""), zone, "reads until")
                if start is None or end is None:
                    raise InvalidInput("legal hold: give the window of the plate's reads to hold")
                hold = hold_plate(
                    connection, session.user, form["plate"], captured_from=start,
                    captured_until=end, case_number=form.get("case_number", ""),
                    reason=form.get("reason"), expires_at=until, client_address=client_of(request),
                )  # fmt: skip
            else:
                hold = hold_reads(
                    connection, session.user, _read_ids(form.get("read_ids", "")),
                    case_number=form.get("case_number", ""), reason=form.get("reason"),
                    expires_at=until, client_address=client_of(request),
                )  # fmt: skip
    except PlatewardError as exc:
        return _holds(request, session, error=exc.message, form=form, status=400)
    return RedirectResponse(f"/holds?placed={hold.id}", status_code=303)


@router.post("/holds/{hold_id}/release")
async def holds_release(request: Request, session: Holder, hold_id: int) -> Response:
    form = await _form(request, session)
    try:
        with app_state(request).db.begin() as connection:
            release_hold(connection, session.user, hold_id, reason=form.get("reason"),
                         client_address=client_of(request))  # fmt: skip
    except PlatewardError as exc:
        return _holds(request, session, error=exc.message, form=form, status=400)
    return RedirectResponse("/holds", status_code=303)


def _retention(
    request: Request, session: Session, *, notice: str | None = None, error: str | None = None,
    dry: list[Destroyed] | None = None, dry_as_of: dt.datetime | None = None,
    form: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    state = app_state(request)
    periods = [
        (label, getattr(state.settings.retention, CLASS_DAYS[name]))
        for name, label in CLASS_LABELS.items()
    ]
    with state.db.connect() as connection:
        runs = list_runs(connection, limit=50)
    return render(
        request, "retention.html", status_code=status, signed_in=session, periods=periods,
        runs=runs, labels=CLASS_LABELS, dry=dry, dry_as_of=dry_as_of, notice=notice,
        error=error, form=form or {}, every_hours=state.settings.retention.run_every_hours,
    )  # fmt: skip


def _holds(
    request: Request, session: Session, *, every: bool = False, error: str | None = None,
    form: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    with app_state(request).db.connect() as connection:
        found = list_holds(connection, active_at=None if every else now)
    return render(
        request, "holds.html", status_code=status, signed_in=session, holds=found, now=now,
        every=every, error=error, form=form or {},
        placed=request.query_params.get("placed", ""),
    )  # fmt: skip


def _read_ids(text: str) -> list[uuid.UUID]:
    out = []
    for part in text.replace(",", " ").split():
        try:
            out.append(uuid.UUID(part))
        except ValueError:
            raise InvalidInput(f"read {part!r}: not a read id (a UUID)") from None
    return out


async def _form(request: Request, session: Session) -> dict[str, Any]:
    check_csrf(session.csrf_token, await submitted_csrf(request))
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 200_000}
