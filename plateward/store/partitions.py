"""PostgreSQL's monthly partitions of the reads table, created as reads for a month arrive.

Partitioning by capture time keeps each month's indexes small enough to stay in memory and lets
retention (policy A.10) drop a whole month at once instead of deleting rows one by one. A
partition must exist before a row for its month is inserted, so the ingest path asks for the
months of each batch; the answer is cached per process, so steady ingest costs nothing here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Engine, event, text

_known: set[tuple[str, str]] = set()
_CREATED = "plateward.partitions_created"
"""Key in a connection's ``info``: the partitions its open transaction created."""


def month_start(moment: dt.datetime) -> dt.date:
    """The first day of the UTC month that ``moment`` falls in."""
    moment = moment.astimezone(dt.UTC)
    return dt.date(moment.year, moment.month, 1)


def partition_name(month: dt.date) -> str:
    return f"reads_y{month.year:04d}m{month.month:02d}"


def months_of(moments: Sequence[dt.datetime]) -> set[dt.date]:
    """The months ``moments`` fall in."""
    if not moments:
        return set()
    # A batch nearly always falls in one month: when its first and last do, that is the only
    # one, and converting each of 500 times to UTC (1 ms a batch) is not needed.
    first, last = month_start(min(moments)), month_start(max(moments))
    return {first} if first == last else {month_start(m) for m in moments}


def ensure_partitions(connection: Connection, moments: Sequence[dt.datetime]) -> None:
    """Create the monthly partitions that ``moments`` fall in; no-op on SQLite."""
    if connection.dialect.name == "postgresql" and moments:
        ensure_months(connection, months_of(moments))


def ensure_months(connection: Connection, months: Iterable[dt.date]) -> None:
    """Create the partitions of these months (each a month's first day) where missing."""
    database = str(connection.engine.url)
    created: set[tuple[str, str]] = connection.info.setdefault(_CREATED, set())
    for month in sorted(months):
        key = (database, partition_name(month))
        if key in _known or key in created:
            continue
        # The owner's function (migration 0013) creates it, so the application's role needs
        # no right to create tables; it locks the month, so two servers racing wait in turn.
        connection.execute(
            text("SELECT plateward_create_reads_partition(:month)"), {"month": month}
        )
        created.add(key)


@event.listens_for(Engine, "commit")
def _committed(connection: Connection) -> None:
    _known.update(connection.info.pop(_CREATED, ()))


@event.listens_for(Engine, "rollback")
@event.listens_for(Engine, "rollback_savepoint")
def _rolled_back(connection: Connection, *_savepoint: object) -> None:
    connection.info.pop(_CREATED, None)


def forget_partitions() -> None:
    """Drop the cache (tests that recreate a database between runs call this)."""
    _known.clear()
