"""Whether the semi-annual audits are on time: the current half-year and the one before it.

A half-year can only be audited once it is over, so the previous half's audit is ``due``
from the day after the period ends for ``DUE_WINDOW_DAYS`` days, and ``overdue`` after that
until an audit of it is closed. The current half is ``not_due``: an audit may be drawn
early (a spot check), but it cannot cover inquiries not yet made, so only an audit drawn after
its period ended and then closed makes the period ``done``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, select

from plateward.audit.periods import Period, period_of
from plateward.audit.review_schema import audits

DUE_WINDOW_DAYS = 30
"""Days after a half-year ends in which its audit is due rather than overdue.

Policy H says "semi-annual" and names no deadline; 30 days gives the auditor a month to draw
the sample and review it while the inquiries are recent enough to ask the users about.
"""


class State(StrEnum):
    DONE = "done"
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class PeriodStatus:
    period: str
    starts_on: dt.date
    ends_on: dt.date
    """The period's last day."""
    due_by: dt.date
    """The last day the audit is due rather than overdue."""
    audit_ids: list[int]
    closed_audit_id: int | None
    state: State


@dataclass(frozen=True)
class AuditStatus:
    today: dt.date
    current: PeriodStatus
    previous: PeriodStatus


def audit_status(connection: Connection, today: dt.date) -> AuditStatus:
    """The state of the current and the previous half-year's audits on ``today`` (UTC)."""
    current = period_of(today)
    return AuditStatus(
        today=today,
        current=_period_status(connection, current, today),
        previous=_period_status(connection, current.previous(), today),
    )


def due_by(period: Period) -> dt.date:
    return period.end.date() + dt.timedelta(days=DUE_WINDOW_DAYS - 1)


def state_of(period: Period, today: dt.date, closed: bool) -> State:
    """The rule itself, apart from the database."""
    if closed:
        return State.DONE
    if today < period.end.date():
        return State.NOT_DUE
    return State.DUE if today <= due_by(period) else State.OVERDUE


def _period_status(connection: Connection, period: Period, today: dt.date) -> PeriodStatus:
    rows = connection.execute(
        select(audits.c.id, audits.c.created_at, audits.c.closed_at)
        .where(audits.c.period == str(period))
        .order_by(audits.c.id)
    ).all()
    closed = [row.id for row in rows if row.closed_at is not None and row.created_at >= period.end]
    return PeriodStatus(
        period=str(period),
        starts_on=period.start.date(),
        ends_on=period.end.date() - dt.timedelta(days=1),
        due_by=due_by(period),
        audit_ids=[row.id for row in rows],
        closed_audit_id=closed[-1] if closed else None,
        state=state_of(period, today, bool(closed)),
    )
