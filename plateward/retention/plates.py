"""Dropping plates from the plate index once no read of them is left.

The plate index (``store/plate_index.py``) lists every plate ever read; kept after its reads
are destroyed it would still tell that the plate was seen. A plate whose reads a run deleted is
queued, and dropped here when no read of it remains. The plates table is held against new rows
meanwhile, so a read of the plate stored at that moment re-adds it rather than finding it
present and then losing it.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, delete, exists, select, text

from plateward.retention.schema import retention_plate_candidates
from plateward.store.schema import plates, reads


def prune_plates(connection: Connection, limit: int) -> int:
    """Check one batch of queued plates; returns how many were looked at (0: queue empty)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE plates IN SHARE ROW EXCLUSIVE MODE"))
    batch = list(
        connection.execute(
            select(retention_plate_candidates.c.plate)
            .order_by(retention_plate_candidates.c.plate)
            .limit(limit)
        ).scalars()
    )
    if not batch:
        return 0
    gone = list(
        connection.execute(
            delete(plates)
            .where(plates.c.plate.in_(batch), ~exists().where(reads.c.plate == plates.c.plate))
            .returning(plates.c.plate)
        ).scalars()
    )
    if gone and connection.dialect.name == "sqlite":
        # The FTS5 pieces of each plate (migration 0011); plate is an unindexed column there.
        connection.execute(
            text("DELETE FROM plate_pieces WHERE plate IN (SELECT value FROM json_each(:gone))"),
            {"gone": json.dumps(gone)},
        )
    connection.execute(
        delete(retention_plate_candidates).where(retention_plate_candidates.c.plate.in_(batch))
    )
    return len(batch)
