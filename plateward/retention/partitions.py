"""PostgreSQL: a month of reads wholly past its period goes at once, not row by row.

Reads are partitioned by month (``store/partitions.py``). When a month ended before the no-hit
cut-off, nearly all of it is past its period: only held reads and reads with a hit still within
the (longer) hit period stay. Those few are set aside, the month's partition is emptied with
``TRUNCATE`` (rows, indexes and space in one step, whatever their number), and they are put
back. The table itself stays: every server process remembers the months it has created
(``ensure_partitions``), and a late read for that month (a car back in coverage) must still
find its table. ``TRUNCATE`` also locks only that month, where ``DROP TABLE`` would lock the
whole reads table against ingest and searches while it waited.

Before the rows go, their plates and images are queued, and they are counted into the
destruction record, in the same transaction; the month is locked against new rows meanwhile,
and the step waits at most ``LOCK_TIMEOUT`` for the searches reading it (else the month is left
to the row-by-row batches).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, Uuid, and_, column, insert, or_, select, table, text

from plateward.retention.holds import held, take_turn
from plateward.retention.periods import Cutoffs
from plateward.retention.reads import has_hit
from plateward.retention.records import count_destroyed
from plateward.store.schema import UtcDateTime, reads

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
    """Empty the month's partition of everything past its period; True when it did.

    The few reads that must stay (held ones, and those with a hit still within the hit
    period) are set aside, the partition is truncated, and they are put back, in the one
    transaction: a month of a million reads goes in the time it takes to copy its survivors,
    without a row-by-row delete. A month where survivors are most of it is left to the
    batches.
    """
    if not is_wholly_past(month, cutoffs):
        return False
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    take_turn(connection)
    connection.execute(text(f"LOCK TABLE {month.name} IN SHARE MODE"))
    in_month = and_(reads.c.captured_at >= month.start, reads.c.captured_at < month.end)
    keep = or_(
        held(reads.c.id, reads.c.plate, reads.c.captured_at, reads.c.camera_id, cutoffs.as_of),
        and_(has_hit(), reads.c.captured_at >= cutoffs.hit_reads),
    )
    connection.execute(
        text("CREATE TEMPORARY TABLE retention_keep (id uuid, captured_at timestamptz)"
             " ON COMMIT DROP")
    )  # fmt: skip
    connection.execute(
        insert(_keep).from_select(["id", "captured_at"], select(reads.c.id, reads.c.captured_at)
                                  .where(in_month, keep))
    )  # fmt: skip
    total = int(connection.execute(text(f"SELECT count(*) FROM {month.name}")).scalar_one())
    kept = int(connection.execute(text("SELECT count(*) FROM retention_keep")).scalar_one())
    if total == 0 or kept > total * MOST:
        return False
    gone = (
        f"FROM {month.name} r WHERE NOT EXISTS (SELECT 1 FROM retention_keep k"
        " WHERE k.id = r.id AND k.captured_at = r.captured_at)"
    )
    figures = connection.execute(
        text(
            "SELECT hit, count(*), min(captured_at), max(captured_at) FROM"
            " (SELECT r.captured_at, EXISTS (SELECT 1 FROM alerts a WHERE a.read_id = r.id)"
            f" AS hit {gone}) AS classed GROUP BY hit"
        )
    ).all()
    connection.execute(
        text(
            "INSERT INTO retention_plate_candidates (plate)"
            f" SELECT DISTINCT r.plate {gone} ON CONFLICT DO NOTHING"
        )
    )
    connection.execute(
        text(
            "INSERT INTO retention_image_candidates (sha256, queued_at)"
            f" SELECT digest, now() FROM (SELECT r.plate_image AS digest {gone}"
            f" UNION SELECT r.context_image {gone}) AS named"
            " WHERE digest IS NOT NULL ON CONFLICT DO NOTHING"
        )
    )
    columns = ", ".join(_stored_columns(connection, month.name))
    if kept:
        connection.execute(
            text(
                f"CREATE TEMPORARY TABLE retention_survivors ON COMMIT DROP AS SELECT {columns}"
                f" FROM {month.name} r WHERE EXISTS (SELECT 1 FROM retention_keep k"
                " WHERE k.id = r.id AND k.captured_at = r.captured_at)"
            )
        )
    connection.execute(text(f"TRUNCATE {month.name}"))
    if kept:
        connection.execute(
            text(f"INSERT INTO {month.name} ({columns}) SELECT {columns} FROM retention_survivors")
        )
    count_destroyed(connection, run_id, "reads", partitions=1)
    for hit, count, oldest, newest in figures:
        count_destroyed(
            connection, run_id, "hit_reads" if hit else "reads", removed=int(count),
            oldest=oldest, newest=newest,
        )  # fmt: skip
    return True


MOST = 0.5
"""A month whose survivors are more than this share of it is left to the row-by-row batches."""

_keep = table("retention_keep", column("id", Uuid()), column("captured_at", UtcDateTime()))


def _stored_columns(connection: Connection, name: str) -> list[str]:
    """The partition's columns a row is written with (PostGIS's generated one is computed)."""
    return list(
        connection.execute(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :name"
                " AND is_generated = 'NEVER' ORDER BY ordinal_position"
            ),
            {"name": name},
        ).scalars()
    )
