"""Retention runs and their destruction records: what survives the data it describes.

A run's row is written when it starts and finished when it ends; its destruction records grow
in the same transaction as each batch they count, so a run killed halfway still says exactly
what it destroyed. The next run marks such a run ``interrupted`` and finishes its queued work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from plateward.retention.schema import DATA_CLASSES, destruction_records, retention_runs


@dataclass(frozen=True)
class Destroyed:
    """One class's share of a run: rows gone, their oldest and newest time, files, partitions."""

    data_class: str
    removed: int
    oldest_at: dt.datetime | None
    newest_at: dt.datetime | None
    files_removed: int = 0
    partitions_emptied: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "class": self.data_class, "removed": self.removed, "oldest": _iso(self.oldest_at),
            "newest": _iso(self.newest_at), "files_removed": self.files_removed,
            "months_emptied": self.partitions_emptied,
        }  # fmt: skip


@dataclass(frozen=True)
class Run:
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    as_of: dt.datetime
    ran_by: str
    agency: str
    trigger: str
    status: str
    error: str | None
    destroyed: tuple[Destroyed, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "status": self.status, "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at), "as_of": _iso(self.as_of),
            "ran_by": self.ran_by, "agency": self.agency, "trigger": self.trigger,
            "error": self.error, "destroyed": [d.as_json() for d in self.destroyed],
        }  # fmt: skip

    def total(self, data_class: str) -> Destroyed:
        for item in self.destroyed:
            if item.data_class == data_class:
                return item
        return Destroyed(data_class, 0, None, None)


def start_run(
    connection: Connection, *, as_of: dt.datetime, ran_by: str, agency: str, trigger: str,
    now: dt.datetime,
) -> int:  # fmt: skip
    """Record a run as started, and earlier runs still marked running as interrupted (the
    caller holds the one-run lock, so none of them is still going)."""
    connection.execute(
        update(retention_runs)
        .where(retention_runs.c.status == "running")
        .values(status="interrupted", finished_at=now, error="stopped before it finished")
    )
    run_id = connection.execute(
        insert(retention_runs)
        .values(
            started_at=now, as_of=as_of, ran_by=ran_by[:64], agency=agency[:32],
            trigger=trigger, status="running",
        )
        .returning(retention_runs.c.id)
    ).scalar_one()  # fmt: skip
    connection.execute(
        insert(destruction_records),
        [
            {"run_id": run_id, "data_class": name, "removed": 0, "files_removed": 0,
             "partitions_emptied": 0}
            for name in DATA_CLASSES
        ],
    )  # fmt: skip
    return int(run_id)


def count_destroyed(
    connection: Connection, run_id: int, data_class: str, *, removed: int = 0,
    oldest: dt.datetime | None = None, newest: dt.datetime | None = None, files: int = 0,
    partitions: int = 0,
) -> None:  # fmt: skip
    """Add a batch to the run's record for ``data_class``, in the batch's own transaction."""
    if not (removed or files or partitions):
        return
    current = connection.execute(
        select(destruction_records).where(
            destruction_records.c.run_id == run_id,
            destruction_records.c.data_class == data_class,
        )
    ).one()
    values: dict[str, Any] = {
        "removed": current.removed + removed,
        "files_removed": current.files_removed + files,
        "partitions_emptied": current.partitions_emptied + partitions,
    }
    if oldest is not None:
        values["oldest_at"] = (
            oldest if current.oldest_at is None else min(current.oldest_at, oldest)
        )
    if newest is not None:
        values["newest_at"] = (
            newest if current.newest_at is None else max(current.newest_at, newest)
        )
    connection.execute(
        update(destruction_records)
        .where(
            destruction_records.c.run_id == run_id,
            destruction_records.c.data_class == data_class,
        )
        .values(values)
    )


def finish_run(
    connection: Connection, run_id: int, *, now: dt.datetime, status: str,
    error: str | None = None,
) -> None:  # fmt: skip
    connection.execute(
        update(retention_runs)
        .where(retention_runs.c.id == run_id)
        .values(
            status=status, finished_at=now,
            error=None if error is None else error[:2000],
        )
    )  # fmt: skip


def run_by_id(connection: Connection, run_id: int) -> Run:
    found = list_runs(connection, run_ids=[run_id])
    if not found:
        from plateward.errors import NotFound

        raise NotFound(f"retention run {run_id}: no such run")
    return found[0]


def list_runs(
    connection: Connection, *, limit: int = 100, run_ids: list[int] | None = None
) -> list[Run]:
    """Runs newest first, each with its destruction records."""
    query = select(retention_runs).order_by(retention_runs.c.id.desc()).limit(limit)
    if run_ids:
        query = query.where(retention_runs.c.id.in_(run_ids))
    rows = connection.execute(query).all()
    if not rows:
        return []
    records: dict[int, list[Destroyed]] = {}
    for r in connection.execute(
        select(destruction_records).where(
            destruction_records.c.run_id.in_([row.id for row in rows])
        )
    ):
        records.setdefault(r.run_id, []).append(
            Destroyed(
                r.data_class,
                r.removed,
                r.oldest_at,
                r.newest_at,
                r.files_removed,
                r.partitions_emptied,
            )
        )
    order = {name: k for k, name in enumerate(DATA_CLASSES)}
    return [
        Run(
            id=row.id, started_at=row.started_at, finished_at=row.finished_at, as_of=row.as_of,
            ran_by=row.ran_by, agency=row.agency, trigger=row.trigger, status=row.status,
            error=row.error,
            destroyed=tuple(sorted(records.get(row.id, []), key=lambda d: order.get(d.data_class, 99))),
        )
        for row in rows
    ]  # fmt: skip


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
