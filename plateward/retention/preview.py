"""A dry run: what a retention run as of some moment would destroy, class by class.

Counted with the same conditions the run applies (``reads.expired_reads``, ``holds.held``),
without touching anything; logged as ``retention.dry_run`` by whoever asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from plateward.access.users import User
from plateward.alert.schema import alerts
from plateward.audit.log import Entry, append
from plateward.audit.review_schema import audit_items, audits
from plateward.audit.schema import access_log
from plateward.retention.holds import held
from plateward.retention.periods import Cutoffs
from plateward.retention.reads import expired_reads, has_hit, not_held
from plateward.retention.records import Destroyed
from plateward.retention.run import REASON
from plateward.store.schema import reads


def preview(connection: Connection, cutoffs: Cutoffs) -> list[Destroyed]:
    """Per class: how many rows, and their oldest and newest time, a run would destroy."""
    out = [
        _figures(connection, "reads", reads.c.captured_at,
                 expired_reads(cutoffs.reads, hits=False, as_of=cutoffs.as_of)),
        _figures(connection, "hit_reads", reads.c.captured_at,
                 expired_reads(cutoffs.hit_reads, hits=True, as_of=cutoffs.as_of)),
    ]  # fmt: skip
    going = or_(
        and_(reads.c.captured_at < cutoffs.reads, ~has_hit()),
        and_(reads.c.captured_at < cutoffs.hit_reads, has_hit()),
    )
    out.append(
        _figures(
            connection,
            "images",
            reads.c.captured_at,
            [
                reads.c.captured_at < cutoffs.images,
                or_(reads.c.plate_image.is_not(None), reads.c.context_image.is_not(None)),
                not_held(cutoffs.as_of),
                ~going,
            ],
        )
    )
    out.append(
        _figures(
            connection,
            "alerts",
            alerts.c.captured_at,
            [
                alerts.c.captured_at < cutoffs.alerts,
                ~held(
                    alerts.c.read_id,
                    alerts.c.plate,
                    alerts.c.captured_at,
                    alerts.c.camera_id,
                    cutoffs.as_of,
                ),
            ],
        )
    )
    out.append(
        _figures(
            connection,
            "access_log",
            access_log.c.at,
            [
                access_log.c.at < cutoffs.access_log,
                ~exists().where(audit_items.c.access_log_id == access_log.c.id),
            ],
        )
    )
    out.append(
        _figures(
            connection,
            "audit_records",
            audits.c.closed_at,
            [
                audits.c.closed_at.is_not(None),
                audits.c.closed_at < cutoffs.audit_records,
            ],
        )
    )
    return out


def log_dry_run(
    connection: Any, user: User, client_address: str | None, as_of: dt.datetime,
    found: list[Destroyed],
) -> None:  # fmt: skip
    append(
        connection,
        Entry(
            username=user.username, agency=user.agency, action="retention.dry_run",
            query={"as_of": as_of.isoformat(),
                   "would_destroy": {d.data_class: d.removed for d in found}},
            reason=REASON, result_count=sum(d.removed for d in found),
            client_address=client_address,
        ),
    )  # fmt: skip


def _figures(
    connection: Connection, data_class: str, moment: Any, conditions: list[Any]
) -> Destroyed:
    count, oldest, newest = connection.execute(
        select(func.count(), func.min(moment), func.max(moment)).where(*conditions)
    ).one()
    return Destroyed(data_class, int(count), _utc(oldest), _utc(newest))


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite's min() of a timestamp column is its text
        moment = dt.datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
