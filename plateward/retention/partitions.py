"""PostgreSQL: a month of reads wholly past its period goes at once, not row by row.

Reads are partitioned by month (``store/partitions.py``). When every read of a month is past
its period (the month ended before the no-hit cut-off, and any read with a hit in it is past
the hit cut-off too) and no active hold reaches into it, the month's partition is emptied with
``TRUNCATE``: its rows, indexes and space go in one step, whatever their number. The table
itself stays, empty: every server process remembers the months it has created
(``ensure_partitions``), and a late read for that month (a car back in coverage) must still
find its table. ``TRUNCATE`` also locks only that month, where ``DROP TABLE`` would lock the
whole reads table against ingest and searches while it waited.

Before the rows go, their plates and images are queued, and the rows are counted into the
destruction record, in the same transaction; the month is locked against new rows meanwhile,
and the step waits at most ``LOCK_TIMEOUT`` for the searches reading it (else the month is left
to the row-by-row batches).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from plateward.retention.holds import holds_touching, take_turn
from plateward.retention.periods import Cutoffs
from plateward.retention.records import count_destroyed

PARTITION = re.compile(r"^reads_y(\d{4})m(\d{2})$")
LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class Month:
    name: str
    start: dt.datetime
    end: dt.datetime


def months(connection: Connection) -> list[Month]:
    """The reads table's monthly partitions, oldest first."""
    names = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'reads'::regclass"
        )
    ).scalars()
    out = []
    for name in names:
        found = PARTITION.match(name)
        if found is None:
            continue
        year, month = int(found.group(1)), int(found.group(2))
        start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
        end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
        out.append(Month(name, start, end))
    return sorted(out, key=lambda m: m.start)


def is_wholly_past(month: Month, cutoffs: Cutoffs) -> bool:
    return month.end <= cutoffs.reads


def empty_month(connection: Connection, run_id: int, month: Month, cutoffs: Cutoffs) -> bool:
    """Empty the month's partition if all of it may go; True when it did."""
    if not is_wholly_past(month, cutoffs):
        return False
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    take_turn(connection)
    connection.execute(text(f"LOCK TABLE {month.name} IN SHARE MODE"))
    if holds_touching(connection, month.start, month.end, cutoffs.as_of):
        return False
    hits_from = max(month.start, cutoffs.hit_reads)
    if hits_from < month.end:
        young_hit = connection.execute(
            text(
                f"SELECT 1 FROM {month.name} r WHERE r.captured_at >= :since"
                " AND EXISTS (SELECT 1 FROM alerts a WHERE a.read_id = r.id) LIMIT 1"
            ),
            {"since": hits_from},
        ).first()
        if young_hit is not None:
            return False
    figures = connection.execute(
        text(
            "SELECT hit, count(*), min(captured_at), max(captured_at) FROM"
            f" (SELECT captured_at, EXISTS (SELECT 1 FROM alerts a WHERE a.read_id = r.id) AS hit"
            f" FROM {month.name} r) AS classed GROUP BY hit"
        )
    ).all()
    connection.execute(
        text(
            "INSERT INTO retention_plate_candidates (plate)"
            f" SELECT DISTINCT plate FROM {month.name} ON CONFLICT DO NOTHING"
        )
    )
    connection.execute(
        text(
            "INSERT INTO retention_image_candidates (sha256, queued_at)"
            f" SELECT digest, now() FROM (SELECT plate_image AS digest FROM {month.name}"
            f" UNION SELECT context_image FROM {month.name}) AS named"
            " WHERE digest IS NOT NULL ON CONFLICT DO NOTHING"
        )
    )
    connection.execute(text(f"TRUNCATE {month.name}"))
    count_destroyed(connection, run_id, "reads", partitions=1)
    for hit, count, oldest, newest in figures:
        count_destroyed(
            connection, run_id, "hit_reads" if hit else "reads", removed=int(count),
            oldest=oldest, newest=newest,
        )  # fmt: skip
    return True
