"""Importing reads from other systems into one camera: all of a file, or none of it.

The whole file goes in one transaction, inserted in batches of ``BATCH_READS`` as it streams
past, so a bad record at line 900,000 still leaves the database as it was and memory holds
one batch at a time. With ``skip_bad`` a bad record is reported and stepped over instead.
Every read has a stable id (its own UUID, or one derived from the source's id or from the
camera, time and plate), so importing the same file again stores nothing twice; an import that
was interrupted can simply be run again.

One transaction is a choice for correctness over concurrency: on SQLite a long import holds the
single write lock, so the cameras' batches wait (up to the busy timeout) until it commits. Large
back-fills on a live SQLite site are best split into files of a few hundred thousand reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from plateward.alert.raising import raise_alerts
from plateward.hotlist.current import CurrentLists
from plateward.hotlist.matcher import Matcher
from plateward.ingest.formats.csv_reads import csv_reads, csv_records
from plateward.ingest.formats.json_records import json_records
from plateward.ingest.formats.openalpr import openalpr_reads
from plateward.ingest.formats.platerecognizer import platerecognizer_reads
from plateward.ingest.formats.records import BadRecord, Record, Target
from plateward.settings import HotlistSettings
from plateward.store.cameras import camera_by_code
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import images

BATCH_READS = 1000
FUTURE_SLACK = dt.timedelta(minutes=5)
"""How far past the import's start a capture time may be (clocks drift)."""


@dataclass(frozen=True)
class Format:
    """How to read one kind of file: its records, and the reads in a record."""

    name: str
    records: Callable[[Path], Iterator[Record]]
    reads: Callable[[Record, Target], list[NewRead]]


FORMATS = {
    "openalpr": Format("openalpr", json_records, openalpr_reads),
    "platerecognizer": Format("platerecognizer", json_records, platerecognizer_reads),
    "csv": Format("csv", csv_records, csv_reads),
}


@dataclass
class ImportReport:
    records: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    """Records that are not reads (heartbeats, previews, frames without a plate)."""
    skipped: int = 0
    """Bad records stepped over with ``skip_bad``."""
    images_dropped: int = 0
    """Image digests named by a read but not in this database's image store."""
    alerts: int = 0
    """Hot list alerts the stored reads raised (imported reads are matched like live ones)."""


def import_reads(
    engine: Engine,
    form: Format,
    path: Path,
    camera_code: str,
    *,
    skip_bad: bool = False,
    on_skip: Callable[[BadRecord], None] | None = None,
    batch_reads: int = BATCH_READS,
    lists: CurrentLists | None = None,
    on_done: Callable[[Connection, ImportReport], object] | None = None,
) -> ImportReport:
    """Store the reads in ``path`` under the camera; raises ``BadRecord`` unless ``skip_bad``.

    Any ``PlatewardError`` raised here means nothing was stored. The reads stored are matched
    against the hot lists (``lists``, loaded from the database when not given) in the same
    transaction, as the cameras' API matches its batches. ``on_done`` runs last in the same
    transaction (the access log entry, so the reads and their record land together).
    """
    report = ImportReport()
    received = dt.datetime.now(dt.UTC)
    if lists is None:
        lists = CurrentLists(engine, HotlistSettings())
    if not lists.loaded:
        lists.load()
    with engine.begin() as connection:
        camera = camera_by_code(connection, camera_code)
        matching = _Matching(camera.id, camera.agency_id, lists.matcher)
        target = Target(camera.code, camera.latitude, camera.longitude, received + FUTURE_SLACK)
        batch: list[NewRead] = []
        for record in form.records(path):
            report.records += 1
            try:
                if record.problem is not None:
                    raise BadRecord(record.where, record.problem)
                found = form.reads(record, target)
            except BadRecord as exc:
                if not skip_bad:
                    raise
                report.skipped += 1
                if on_skip is not None:
                    on_skip(exc)
                continue
            if not found:
                report.ignored += 1
            batch.extend(found)
            if len(batch) >= batch_reads:
                _flush(connection, matching, batch, received, report)
                batch = []
        _flush(connection, matching, batch, received, report)
        if on_done is not None:
            on_done(connection, report)
    return report


@dataclass(frozen=True)
class _Matching:
    camera_id: int
    agency_id: int
    matcher: Matcher


def _flush(
    connection: Connection,
    matching: _Matching,
    batch: list[NewRead],
    received: dt.datetime,
    report: ImportReport,
) -> None:
    if not batch:
        return
    batch = _known_images_only(connection, batch, report)
    stored = store_reads(connection, matching.camera_id, batch, received)
    report.stored += stored.stored
    report.duplicates += stored.duplicates
    raised = raise_alerts(
        connection, camera_id=matching.camera_id, agency_id=matching.agency_id, reads=batch,
        matcher=matching.matcher, now=received,
    )  # fmt: skip
    report.alerts += len(raised)


def _known_images_only(
    connection: Connection, batch: list[NewRead], report: ImportReport
) -> list[NewRead]:
    """Drop links to images this database does not hold: an export carries digests, not files."""
    named = {d for r in batch for d in (r.plate_image, r.context_image) if d is not None}
    if not named:
        return batch
    known = set(
        connection.execute(select(images.c.sha256).where(images.c.sha256.in_(named))).scalars()
    )
    if known >= named:
        return batch
    out = []
    for r in batch:
        plate_image = r.plate_image if r.plate_image in known else None
        context_image = r.context_image if r.context_image in known else None
        report.images_dropped += (plate_image != r.plate_image) + (context_image != r.context_image)
        out.append(dataclasses.replace(r, plate_image=plate_image, context_image=context_image))
    return out
