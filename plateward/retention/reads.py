"""Destroying reads past their period, and stripping images past theirs, a batch at a time.

Each batch is one transaction that takes its turn with hold placement (``holds.take_turn``),
picks the oldest reads that are past the period and not held, deletes them (or clears their
image columns), queues their images and plates for the steps that follow (``images.py``,
``plates.py``) and adds itself to the run's destruction record. A run killed between two
batches has lost nothing that is not recorded, and queued nothing that the next run will not
finish.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    exists,
    or_,
    select,
    update,
)

from plateward.alert.schema import alerts
from plateward.retention.holds import held, take_turn
from plateward.retention.queues import queue_images, queue_plates
from plateward.retention.records import count_destroyed
from plateward.store.schema import reads

Key = tuple[dt.datetime, uuid.UUID]
"""Where a class's scan stopped: the last (capture time, id) it destroyed."""


@dataclass(frozen=True)
class Batch:
    count: int
    last: Key | None


def has_hit() -> ColumnElement[bool]:
    """A read with a hot list hit: an alert names it."""
    return exists().where(alerts.c.read_id == reads.c.id)


def not_held(as_of: dt.datetime) -> ColumnElement[bool]:
    return ~held(reads.c.id, reads.c.plate, reads.c.captured_at, reads.c.camera_id, as_of)


def expired_reads(cutoff: dt.datetime, *, hits: bool, as_of: dt.datetime) -> list[Any]:
    """The conditions on reads of one class that are past ``cutoff`` and not held."""
    return [reads.c.captured_at < cutoff, has_hit() if hits else ~has_hit(), not_held(as_of)]


def destroy_reads(
    connection: Connection, run_id: int, cutoff: dt.datetime, *, hits: bool,
    as_of: dt.datetime, after: Key | None, limit: int,
) -> Batch:  # fmt: skip
    """Delete one batch of the oldest expired reads of one class (with or without a hit)."""
    take_turn(connection)
    victims = _oldest(connection, expired_reads(cutoff, hits=hits, as_of=as_of), after, limit)
    if not victims:
        return Batch(0, None)
    ids = [v.id for v in victims]
    gone = connection.execute(
        delete(reads)
        .where(
            reads.c.id.in_(ids),
            reads.c.captured_at >= victims[0].captured_at,
            reads.c.captured_at <= victims[-1].captured_at,
        )
        .returning(reads.c.captured_at, reads.c.plate, reads.c.plate_image, reads.c.context_image)
    ).all()
    queue_images(connection, [d for row in gone for d in (row.plate_image, row.context_image)])
    queue_plates(connection, [row.plate for row in gone])
    times = [row.captured_at for row in gone]
    count_destroyed(
        connection, run_id, "hit_reads" if hits else "reads", removed=len(gone),
        oldest=min(times, default=None), newest=max(times, default=None),
    )  # fmt: skip
    return Batch(len(gone), (victims[-1].captured_at, victims[-1].id))


def strip_images(
    connection: Connection, run_id: int, cutoff: dt.datetime, *, as_of: dt.datetime,
    after: Key | None, limit: int,
) -> Batch:  # fmt: skip
    """Clear the image columns of one batch of reads whose images are past their period."""
    take_turn(connection)
    conditions = [
        reads.c.captured_at < cutoff,
        or_(reads.c.plate_image.is_not(None), reads.c.context_image.is_not(None)),
        not_held(as_of),
    ]
    victims = _oldest(
        connection, conditions, after, limit, reads.c.plate_image, reads.c.context_image
    )
    if not victims:
        return Batch(0, None)
    connection.execute(
        update(reads)
        .where(
            reads.c.id.in_([v.id for v in victims]),
            reads.c.captured_at >= victims[0].captured_at,
            reads.c.captured_at <= victims[-1].captured_at,
        )
        .values(plate_image=None, context_image=None)
    )
    queue_images(connection, [d for v in victims for d in (v.plate_image, v.context_image)])
    count_destroyed(
        connection, run_id, "images", removed=len(victims), oldest=victims[0].captured_at,
        newest=victims[-1].captured_at,
    )  # fmt: skip
    return Batch(len(victims), (victims[-1].captured_at, victims[-1].id))


def _oldest(
    connection: Connection, conditions: list[Any], after: Key | None, limit: int, *extra: Any
) -> list[Any]:
    query = select(reads.c.id, reads.c.captured_at, *extra).where(*conditions)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(reads.c.captured_at > at, and_(reads.c.captured_at == at, reads.c.id > last_id))
        )
    return list(
        connection.execute(query.order_by(reads.c.captured_at, reads.c.id).limit(limit)).all()
    )
