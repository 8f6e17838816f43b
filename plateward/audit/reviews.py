"""Judging sampled inquiries, closing an audit, and reading audits back with their entries.

A finding against a person needs its grounds written down, so ``not_compliant`` and
``follow_up`` verdicts require notes. Nobody judges their own inquiry. A verdict may be changed
while the audit is open (every review is in the access log, so earlier verdicts stay on
record); closing needs every entry judged and freezes the audit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select, update

from plateward.audit.actor import Actor, record
from plateward.audit.review_schema import audit_items, audits
from plateward.audit.schema import access_log
from plateward.errors import InvalidInput, NotFound

MAX_NOTES_CHARS = 4000


class Verdict(StrEnum):
    COMPLIANT = "compliant"
    NOT_COMPLIANT = "not_compliant"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class AuditSummary:
    id: int
    period: str
    sample_size: int
    seed: int
    population: int
    through_entry_id: int
    created_by: str
    created_at: dt.datetime
    closed_by: str | None
    closed_at: dt.datetime | None
    items: int
    reviewed: int


@dataclass(frozen=True)
class AuditItem:
    """One sampled inquiry as the log recorded it, with the auditor's verdict (if any yet)."""

    entry_id: int
    at: dt.datetime
    username: str
    agency: str
    action: str
    query: dict[str, Any]
    case_number: str | None
    reason: str | None
    result_count: int | None
    client_address: str | None
    outcome: str
    verdict: str | None
    notes: str | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None


@dataclass(frozen=True)
class AuditDetail:
    audit: AuditSummary
    items: list[AuditItem]


def parse_verdict(text: str) -> Verdict:
    try:
        return Verdict(text.strip().lower())
    except ValueError:
        choices = ", ".join(v.value for v in Verdict)
        raise InvalidInput(f"verdict {text!r}: must be one of {choices}") from None


def review_item(
    connection: Connection,
    *,
    audit_id: int,
    entry_id: int,
    verdict: Verdict,
    notes: str | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> AuditItem:
    """Record a verdict on one sampled entry and log ``audit.review``, in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    notes = (notes or "").strip() or None
    if verdict is not Verdict.COMPLIANT and notes is None:
        raise InvalidInput(f"verdict {verdict.value}: write notes saying what was found")
    if notes is not None and len(notes) > MAX_NOTES_CHARS:
        raise InvalidInput(f"notes: {len(notes)} characters, over the {MAX_NOTES_CHARS} limit")
    summary = audit_summary(connection, audit_id)
    if summary.closed_at is not None:
        raise InvalidInput(f"audit {audit_id}: closed on {summary.closed_at:%Y-%m-%d}")
    item = _item(connection, audit_id, entry_id)
    if item.username == actor.username:
        raise InvalidInput(
            f"entry {entry_id}: is {actor.username}'s own inquiry; ask another auditor"
        )
    connection.execute(
        update(audit_items)
        .where(audit_items.c.audit_id == audit_id, audit_items.c.access_log_id == entry_id)
        .values(verdict=verdict.value, notes=notes, reviewed_by=actor.username, reviewed_at=now)
    )
    record(
        connection,
        actor,
        "audit.review",
        {"audit": audit_id, "entry": entry_id, "verdict": verdict.value},
        1,
    )
    return _item(connection, audit_id, entry_id)


def close_audit(
    connection: Connection, *, audit_id: int, actor: Actor, now: dt.datetime | None = None
) -> AuditSummary:
    """Close an audit whose every entry has a verdict, and log ``audit.close``."""
    now = now or dt.datetime.now(dt.UTC)
    summary = audit_summary(connection, audit_id)
    if summary.closed_at is not None:
        raise InvalidInput(f"audit {audit_id}: already closed on {summary.closed_at:%Y-%m-%d}")
    if summary.reviewed < summary.items:
        left = summary.items - summary.reviewed
        raise InvalidInput(f"audit {audit_id}: {left} of {summary.items} entries have no verdict")
    connection.execute(
        update(audits)
        .where(audits.c.id == audit_id)
        .values(closed_by=actor.username, closed_at=now)
    )
    record(connection, actor, "audit.close", {"audit": audit_id}, summary.items)
    return audit_summary(connection, audit_id)


def list_audits(connection: Connection) -> list[AuditSummary]:
    """Every audit, newest first."""
    rows = connection.execute(_summary_query().order_by(audits.c.id.desc()))
    return [_summary(row) for row in rows]


def audit_summary(connection: Connection, audit_id: int) -> AuditSummary:
    row = connection.execute(_summary_query().where(audits.c.id == audit_id)).first()
    if row is None:
        raise NotFound(f"audit {audit_id}: no such audit")
    return _summary(row)


def audit_detail(connection: Connection, audit_id: int) -> AuditDetail:
    """The audit and its sampled entries in log order."""
    summary = audit_summary(connection, audit_id)
    rows = connection.execute(
        _item_query().where(audit_items.c.audit_id == audit_id).order_by(access_log.c.id)
    )
    return AuditDetail(summary, [_to_item(row) for row in rows])


def _item(connection: Connection, audit_id: int, entry_id: int) -> AuditItem:
    row = connection.execute(
        _item_query().where(
            audit_items.c.audit_id == audit_id, audit_items.c.access_log_id == entry_id
        )
    ).first()
    if row is None:
        raise NotFound(f"entry {entry_id}: not in audit {audit_id}'s sample")
    return _to_item(row)


def _summary_query() -> Select[Any]:
    counts = (
        select(
            audit_items.c.audit_id,
            func.count().label("items"),
            func.count(audit_items.c.verdict).label("reviewed"),
        )
        .group_by(audit_items.c.audit_id)
        .subquery()
    )
    return select(
        audits,
        func.coalesce(counts.c["items"], 0).label("items"),
        func.coalesce(counts.c.reviewed, 0).label("reviewed"),
    ).outerjoin(counts, counts.c.audit_id == audits.c.id)


def _summary(row: Row[Any]) -> AuditSummary:
    m = row._mapping
    return AuditSummary(**{name: m[name] for name in AuditSummary.__dataclass_fields__})


def _item_query() -> Select[Any]:
    return select(
        access_log.c.id.label("entry_id"),
        access_log.c.at,
        access_log.c.username,
        access_log.c.agency,
        access_log.c.action,
        access_log.c.query,
        access_log.c.case_number,
        access_log.c.reason,
        access_log.c.result_count,
        access_log.c.client_address,
        access_log.c.outcome,
        audit_items.c.verdict,
        audit_items.c.notes,
        audit_items.c.reviewed_by,
        audit_items.c.reviewed_at,
    ).join(access_log, access_log.c.id == audit_items.c.access_log_id)


def _to_item(row: Row[Any]) -> AuditItem:
    return AuditItem(**row._mapping)
