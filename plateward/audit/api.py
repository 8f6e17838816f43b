"""The audit API: semi-annual audits under /api/v1/audits, the access log under /api/v1/audit/log.

Audits are for auditors and internal affairs (``review_audit``); reading the log and the audit
schedule is also open to administrators (``read_access_log``), who answer for compliance
(policy D). Every call that shows log entries or changes an audit is itself logged, in the
same transaction as the work, like any inquiry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.audit.actor import Actor, actor_for, record
from plateward.audit.due import audit_status
from plateward.audit.entries import MAX_ENTRIES, MAX_ENTRY_ID, find_entries
from plateward.audit.periods import parse_period
from plateward.audit.report import render_csv, render_html
from plateward.audit.reviews import (
    MAX_NOTES_CHARS,
    AuditDetail,
    Verdict,
    audit_detail,
    close_audit,
    list_audits,
    review_item,
)
from plateward.audit.sampling import MAX_SAMPLE_SIZE, MAX_SEED, sample_audit
from plateward.store.schema import MAX_INTEGER
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1", tags=["audit"])

Auditor = Annotated[User, Depends(require(Action.REVIEW_AUDIT))]
AuditId = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="The audit's number.")]
EntryId = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="The access log entry's id.")]
LogReader = Annotated[User, Depends(require(Action.READ_ACCESS_LOG))]


class SampleIn(BaseModel):
    period: str = Field(
        description="Half-year to audit, e.g. 2026H2 (H1 Jan-Jun, H2 Jul-Dec, UTC)."
    )
    size: int = Field(ge=1, le=MAX_SAMPLE_SIZE, description="Inquiries to sample.")
    seed: int | None = Field(
        None, ge=0, le=MAX_SEED, description="Seed of the draw; omitted, one is derived."
    )


class ReviewIn(BaseModel):
    verdict: Verdict
    notes: str | None = Field(
        None, max_length=MAX_NOTES_CHARS, description="Required unless compliant."
    )


@router.get("/audits")
def audits_list(request: Request, user: Auditor) -> dict[str, Any]:
    """Every audit, newest first, with how many of its entries have a verdict."""
    with app_state(request).db.connect() as connection:
        found = list_audits(connection)
    return {"count": len(found), "results": [dataclasses.asdict(a) for a in found]}


@router.post("/audits", status_code=201)
def audits_sample(request: Request, user: Auditor, body: SampleIn) -> dict[str, Any]:
    """Draw a random sample of a half-year's inquiries and store it as a new audit."""
    period = parse_period(body.period)
    with app_state(request).db.begin() as connection:
        sample = sample_audit(
            connection, period=period, size=body.size, seed=body.seed, actor=_actor(request, user)
        )
        detail = audit_detail(connection, sample.audit_id)
    return _detail(detail)


@router.get("/audits/status")
def audits_status(request: Request, user: LogReader) -> dict[str, Any]:
    """Whether the current and the previous half-year's audits are done, due or overdue."""
    with app_state(request).db.connect() as connection:
        status = audit_status(connection, dt.datetime.now(dt.UTC).date())
    return dataclasses.asdict(status)


@router.get("/audits/{audit_id}")
def audits_show(request: Request, user: Auditor, audit_id: AuditId) -> dict[str, Any]:
    """One audit with its sampled entries and their verdicts."""
    return _detail(_logged_detail(request, user, audit_id, "audit.view"))


@router.post("/audits/{audit_id}/items/{entry_id}")
def audits_review(
    request: Request, user: Auditor, audit_id: AuditId, entry_id: EntryId, body: ReviewIn
) -> dict[str, Any]:
    """Record a verdict on one sampled entry (notes required unless compliant)."""
    with app_state(request).db.begin() as connection:
        item = review_item(
            connection, audit_id=audit_id, entry_id=entry_id, verdict=body.verdict,
            notes=body.notes, actor=_actor(request, user),
        )  # fmt: skip
    return dataclasses.asdict(item)


@router.post("/audits/{audit_id}/close")
def audits_close(request: Request, user: Auditor, audit_id: AuditId) -> dict[str, Any]:
    """Close an audit once every entry has a verdict; it cannot change afterwards."""
    with app_state(request).db.begin() as connection:
        summary = close_audit(connection, audit_id=audit_id, actor=_actor(request, user))
    return dataclasses.asdict(summary)


@router.get("/audits/{audit_id}/report.html", response_class=HTMLResponse)
def audits_report_html(request: Request, user: Auditor, audit_id: AuditId) -> HTMLResponse:
    """The audit's report: findings per user, then every sampled inquiry."""
    return HTMLResponse(render_html(_logged_detail(request, user, audit_id, "audit.report")))


@router.get("/audits/{audit_id}/report.csv", response_class=Response)
def audits_report_csv(request: Request, user: Auditor, audit_id: AuditId) -> Response:
    """The audit's sampled inquiries with their verdicts, one row each."""
    detail = _logged_detail(request, user, audit_id, "audit.report")
    name = f"audit-{detail.audit.id}-{detail.audit.period}.csv"
    return Response(
        render_csv(detail),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/audit/log")
def access_log_entries(
    request: Request,
    user: LogReader,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    username: str | None = None,
    after_id: Annotated[int, Query(ge=0, le=MAX_ENTRY_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 1000,
) -> dict[str, Any]:
    """Access log entries in log order; page on with ``after_id`` set to the last id seen."""
    query = {"start": start, "end": end, "username": username, "after_id": after_id, "limit": limit}
    with app_state(request).db.begin() as connection:
        found = find_entries(
            connection, start=start, end=end, username=username, after_id=after_id, limit=limit
        )
        logged = {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in query.items()}
        record(connection, _actor(request, user), "audit.read_log", logged, len(found))
    return {"count": len(found), "results": found}


def _actor(request: Request, user: User) -> Actor:
    return actor_for(user, request.client.host if request.client else None)


def _logged_detail(request: Request, user: User, audit_id: int, action: str) -> AuditDetail:
    with app_state(request).db.begin() as connection:
        detail = audit_detail(connection, audit_id)
        record(connection, _actor(request, user), action, {"audit": audit_id}, len(detail.items))
    return detail


def _detail(detail: AuditDetail) -> dict[str, Any]:
    return {
        **dataclasses.asdict(detail.audit),
        "entries": [dataclasses.asdict(item) for item in detail.items],
    }
