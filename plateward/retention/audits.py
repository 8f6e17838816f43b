"""Destroying closed audits past their period: the sample drawn and the verdicts given.

Open audits stay whatever their age: the work is not done. Once an audit is gone, the access
log entries it sampled are no longer kept for it, and go with the log's own period.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, select

from plateward.audit.review_schema import audit_items, audits
from plateward.retention.records import count_destroyed


def destroy_audits(connection: Connection, run_id: int, cutoff: dt.datetime, limit: int) -> int:
    """Delete one batch of audits closed before ``cutoff``; returns how many."""
    victims = connection.execute(
        select(audits.c.id, audits.c.closed_at)
        .where(audits.c.closed_at.is_not(None), audits.c.closed_at < cutoff)
        .order_by(audits.c.id)
        .limit(limit)
    ).all()
    if not victims:
        return 0
    ids = [v.id for v in victims]
    connection.execute(delete(audit_items).where(audit_items.c.audit_id.in_(ids)))
    connection.execute(delete(audits).where(audits.c.id.in_(ids)))
    times = [v.closed_at for v in victims]
    count_destroyed(connection, run_id, "audit_records", removed=len(ids), oldest=min(times),
                    newest=max(times))  # fmt: skip
    return len(ids)
