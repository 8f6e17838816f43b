"""Putting image digests and plates on the queues that later steps of a run work through.

Inserted in the transaction that removed what named them, and ignored when already queued,
so a batch repeated after a crash queues nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from plateward.retention.schema import (
    retention_image_candidates,
    retention_image_files,
    retention_plate_candidates,
)

CHUNK = 5000


def queue_images(connection: Connection, digests: Iterable[str | None]) -> None:
    """Images whose reads let go of them: ``images.settle_candidates`` decides their fate."""
    now = dt.datetime.now(dt.UTC)
    _queue(connection, retention_image_candidates, [
        {"sha256": d, "queued_at": now} for d in sorted({d for d in digests if d})
    ])  # fmt: skip


def queue_files(connection: Connection, digests: Iterable[str]) -> None:
    """Image files whose rows are gone: ``images.remove_files`` deletes them."""
    now = dt.datetime.now(dt.UTC)
    _queue(connection, retention_image_files, [
        {"sha256": d, "queued_at": now} for d in sorted(set(digests))
    ])  # fmt: skip


def queue_plates(connection: Connection, plates: Iterable[str]) -> None:
    """Plates whose reads may all be gone: ``plates.prune_plates`` checks and drops them."""
    _queue(connection, retention_plate_candidates, [{"plate": p} for p in sorted(set(plates))])


def _queue(connection: Connection, table: Table, rows: list[dict[str, object]]) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), CHUNK):
        statement = dialect.insert(table).on_conflict_do_nothing()
        connection.execute(statement, rows[start : start + CHUNK])
