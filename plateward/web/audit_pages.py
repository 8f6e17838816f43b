"""Semi-annual audits in the browser (policy H): draw a half-year's sample, review each sampled
inquiry, close the audit, read and download its report (``review_audit``).

The same functions as the audit API and CLI do the work, and the same log entries result:
``audit.sample``, ``audit.view`` (opening an audit shows log entries), ``audit.review``,
``audit.close`` and ``audit.report``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.audit.actor import Actor, actor_for, record
from plateward.audit.due import audit_status
from plateward.audit.periods import parse_period, period_of
from plateward.audit.report import findings_by_user, render_csv
from plateward.audit.reviews import (
    AuditDetail,
    Verdict,
    audit_detail,
    close_audit,
    list_audits,
    parse_verdict,
    review_item,
)
from plateward.audit.sampling import sample_audit
from plateward.errors import InvalidInput, PlatewardError
from plateward.web.guards import Refused, check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Auditor = Annotated[Session, Depends(page_for(Action.REVIEW_AUDIT))]
Csrf = Annotated[str | None, Depends(submitted_csrf)]


@router.get("/audits")
def audits_page(request: Request, session: Auditor) -> Response:
    return _list(request, session, form={}, error=None)


@router.post("/audits")
def audits_sample(
    request: Request, session: Auditor, submitted: Csrf,
    period: Annotated[str, Form(max_length=10)] = "",
    size: Annotated[str, Form(max_length=10)] = "",
    seed: Annotated[str, Form(max_length=25)] = "",
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    form = {"period": period, "size": size, "seed": seed}
    try:
        chosen = parse_period(period)
        count = _whole(size, "sample size")
        drawn_seed = _whole(seed, "seed") if seed.strip() else None
        with app_state(request).db.begin() as connection:
            sample = sample_audit(connection, period=chosen, size=count, seed=drawn_seed,
                                  actor=_actor(request, session))  # fmt: skip
    except PlatewardError as exc:
        return _list(request, session, form=form, error=exc.message, status=400)
    return RedirectResponse(f"/audits/{sample.audit_id}", status_code=303)


@router.get("/audits/{audit_id}")
def audit_page(request: Request, session: Auditor, audit_id: int, done: str = "") -> Response:
    detail = _logged(request, session, audit_id, "audit.view")
    notice = {"reviewed": "Verdict recorded.", "closed": "Audit closed."}.get(done)
    return render(request, "audit.html", signed_in=session, detail=detail, notice=notice,
                  error=None, verdicts=list(Verdict))  # fmt: skip


@router.post("/audits/{audit_id}/items/{entry_id}")
def audit_review(
    request: Request, session: Auditor, submitted: Csrf, audit_id: int, entry_id: int,
    verdict: Annotated[str, Form(max_length=20)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            review_item(connection, audit_id=audit_id, entry_id=entry_id,
                        verdict=parse_verdict(verdict), notes=notes,
                        actor=_actor(request, session))  # fmt: skip
    except PlatewardError as exc:
        return _again(request, session, audit_id, exc.message)
    return RedirectResponse(f"/audits/{audit_id}?done=reviewed#entry-{entry_id}", status_code=303)


@router.post("/audits/{audit_id}/close")
def audit_close(request: Request, session: Auditor, submitted: Csrf, audit_id: int) -> Response:
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            close_audit(connection, audit_id=audit_id, actor=_actor(request, session))
    except PlatewardError as exc:
        return _again(request, session, audit_id, exc.message)
    return RedirectResponse(f"/audits/{audit_id}?done=closed", status_code=303)


@router.get("/audits/{audit_id}/report")
def audit_report(request: Request, session: Auditor, audit_id: int) -> Response:
    detail = _logged(request, session, audit_id, "audit.report")
    return render(request, "audit_report.html", signed_in=session, audit=detail.audit,
                  users=findings_by_user(detail.items))  # fmt: skip


@router.get("/audits/{audit_id}/report.csv")
def audit_report_csv(request: Request, session: Auditor, audit_id: int) -> Response:
    detail = _logged(request, session, audit_id, "audit.report")
    name = f"audit-{detail.audit.id}-{detail.audit.period}.csv"
    return Response(render_csv(detail), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
    })  # fmt: skip


def _list(
    request: Request, session: Session, *, form: dict[str, str], error: str | None,
    status: int = 200,
) -> Response:  # fmt: skip
    today = dt.datetime.now(dt.UTC).date()
    with app_state(request).db.connect() as connection:
        audits = list_audits(connection)
        status_now = audit_status(connection, today)
    form = form or {"period": str(period_of(today).previous()), "size": "50"}
    return render(request, "audits.html", status_code=status, signed_in=session, audits=audits,
                  status_now=status_now, form=form, error=error)  # fmt: skip


def _again(request: Request, session: Session, audit_id: int, message: str) -> Response:
    with app_state(request).db.connect() as connection:
        detail = _detail(connection, audit_id)
    return render(request, "audit.html", status_code=400, signed_in=session, detail=detail,
                  notice=None, error=message, verdicts=list(Verdict))  # fmt: skip


def _logged(request: Request, session: Session, audit_id: int, action: str) -> AuditDetail:
    with app_state(request).db.begin() as connection:
        detail = _detail(connection, audit_id)
        record(connection, _actor(request, session), action, {"audit": audit_id},
               len(detail.items))  # fmt: skip
    return detail


def _detail(connection: object, audit_id: int) -> AuditDetail:
    try:
        return audit_detail(connection, audit_id)  # type: ignore[arg-type]
    except PlatewardError as exc:
        raise Refused(404, exc.message) from None


def _actor(request: Request, session: Session) -> Actor:
    return actor_for(session.user, client_of(request))


def _whole(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(f"{what} {text!r}: give a whole number") from None
