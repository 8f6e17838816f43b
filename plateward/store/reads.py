"""Storing reads: a batch in one transaction, each read once however often it is sent.

Cameras retry batches whose acknowledgement they never saw, so a read that is already stored
(same UUID) is skipped and counted, not stored again and not an error.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from plateward.store.partitions import ensure_partitions
from plateward.store.schema import reads


@dataclass(frozen=True)
class NewRead:
    id: uuid.UUID
    captured_at: dt.datetime
    plate: str
    confidence: float
    latitude: float
    longitude: float
    raw_text: str = ""
    alternatives: Sequence[dict[str, Any]] = field(default_factory=tuple)
    region: str | None = None
    region_confidence: float | None = None
    heading: float | None = None
    plate_image: str | None = None
    context_image: str | None = None


@dataclass(frozen=True)
class Stored:
    stored: int
    duplicates: int


def store_reads(
    connection: Connection,
    camera_id: int,
    batch: Sequence[NewRead],
    received_at: dt.datetime | None = None,
) -> Stored:
    """Insert the reads not yet stored; the caller's transaction makes the batch all-or-nothing."""
    if not batch:
        return Stored(0, 0)
    received = received_at or dt.datetime.now(dt.UTC)
    ids = [r.id for r in batch]
    known = set(connection.execute(select(reads.c.id).where(reads.c.id.in_(ids))).scalars())
    fresh: dict[uuid.UUID, NewRead] = {}
    for r in batch:
        if r.id not in known:
            fresh.setdefault(r.id, r)
    if fresh:
        ensure_partitions(connection, [r.captured_at for r in fresh.values()])
        rows = [_row(r, camera_id, received) for r in fresh.values()]
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        # A concurrent retry of the same batch may have stored some of them since the check.
        statement = dialect.insert(reads).on_conflict_do_nothing().returning(reads.c.id)
        inserted = len(connection.execute(statement, rows).all())
    else:
        inserted = 0
    return Stored(stored=inserted, duplicates=len(batch) - inserted)


def _row(r: NewRead, camera_id: int, received: dt.datetime) -> dict[str, Any]:
    return {
        "id": r.id,
        "captured_at": r.captured_at.astimezone(dt.UTC),
        "received_at": received,
        "camera_id": camera_id,
        "plate": r.plate,
        "raw_text": r.raw_text or r.plate,
        "confidence": r.confidence,
        "alternatives": list(r.alternatives),
        "region": r.region,
        "region_confidence": r.region_confidence,
        "latitude": r.latitude,
        "longitude": r.longitude,
        "heading": r.heading,
        "plate_image": r.plate_image,
        "context_image": r.context_image,
    }
