"""Importing reads from other systems: all of a file, or none of it.

The whole file goes in one transaction, inserted in batches of ``BATCH_READS`` as it streams
past, so a bad record at line 900,000 still leaves the database as it was and memory holds
one batch at a time. With ``skip_bad`` a bad record is reported and stepped over instead.
Every read has a stable id (its own UUID, or one derived from the vendor's ids or from the
camera, time and plate), so importing the same file again stores nothing twice; an import that
was interrupted can simply be run again.

Reads are stored by ``store_reads``, the path the cameras' API uses, through ``ReadIn``, its
model, and matched against the hot lists in the same transaction, as the API's batches are;
images that come inside a record are stored like a camera's. A file given to the wrong
import is refused naming the import it looks like; one whose reads come from several of the
vendor's cameras is refused without a camera map, naming them.

One transaction is a choice for correctness over concurrency: on SQLite a long import holds the
single write lock, so the cameras' batches wait (up to the busy timeout) until it commits.
"""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from plateward.alert.raising import raise_alerts
from plateward.errors import InvalidInput
from plateward.hotlist.current import CurrentLists
from plateward.ingest.destinations import FileDestinations, SeveralSources, load_camera_map
from plateward.ingest.formats.csv_files import WrongHeader
from plateward.ingest.formats.csv_reads import csv_reads, plateward_csv_records
from plateward.ingest.formats.encoding import Encoding, choose_encoding, open_text
from plateward.ingest.formats.flock import flock_reads
from plateward.ingest.formats.genetec import genetec_reads, genetec_records
from plateward.ingest.formats.json_records import json_records
from plateward.ingest.formats.openalpr import openalpr_reads
from plateward.ingest.formats.openalpr_forensic import forensic_reads, forensic_records
from plateward.ingest.formats.platerecognizer import platerecognizer_reads
from plateward.ingest.formats.platerecognizer_csv import stream_csv_reads, stream_csv_records
from plateward.ingest.formats.records import BadRecord, Context, Found, Record, Sighting
from plateward.ingest.formats.sniff import csv_format, describe_binary, json_format, xml_description
from plateward.ingest.formats.times import Clock, TimeProblem, capture_time
from plateward.ingest.formats.verkada import verkada_reads
from plateward.ingest.gps_track import load_track
from plateward.ingest.models import ReadIn
from plateward.ingest.sightings import new_read, read_in
from plateward.settings import HotlistSettings
from plateward.store.images import ImageStore
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import images as images_table
from plateward.zones import parse_zone

BATCH_READS = 1000


@dataclass(frozen=True)
class Format:
    """How to read one kind of file: its records, and the reads in a record."""

    name: str
    title: str
    records: Callable[[Path, Encoding | None], Iterator[Record]]
    reads: Callable[[Record, Context], list[Found]]
    sources_are_cameras: bool = False
    """The file names Plateward cameras (its own CSV), not a vendor's."""
    needs_video_start: bool = False


FORMATS = {
    "openalpr": Format("openalpr", "OpenALPR / Rekor", json_records, openalpr_reads),
    "platerecognizer": Format(
        "platerecognizer", "Plate Recognizer", json_records, platerecognizer_reads
    ),
    "platerecognizer-csv": Format(
        "platerecognizer-csv", "Plate Recognizer Stream CSV", stream_csv_records, stream_csv_reads
    ),
    "openalpr-forensic": Format(
        "openalpr-forensic", "OpenALPR Forensic Plate Finder CSV", forensic_records,
        forensic_reads, needs_video_start=True,
    ),
    "genetec": Format("genetec", "Genetec AutoVu reads export", genetec_records, genetec_reads),
    "flock": Format("flock", "Flock Safety", json_records, flock_reads),
    "verkada": Format("verkada", "Verkada", json_records, verkada_reads),
    "csv": Format(
        "csv", "Plateward CSV", plateward_csv_records, csv_reads, sources_are_cameras=True
    ),
}  # fmt: skip


@dataclass
class ImportReport:
    records: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    """Records that are not reads (heartbeats, previews, frames without a plate)."""
    skipped: int = 0
    """Bad records stepped over with ``skip_bad``."""
    images_stored: int = 0
    images_dropped: int = 0
    """Image digests named by a read but not in this database's image store."""
    alerts: int = 0
    """Hot list alerts the stored reads raised (imported reads are matched like live ones)."""
    encoding: str = ""
    cameras: dict[str, int] = field(default_factory=dict)
    """Reads stored or already stored, by camera code."""


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file beyond its format; the CLI's options."""

    camera: str | None = None
    camera_map: Path | None = None
    timezone: str | None = None
    encoding: str | None = None
    gps_track: Path | None = None
    video_start: str | None = None


def import_reads(
    engine: Engine,
    form: Format,
    path: Path,
    camera_code: str | None = None,
    *,
    options: ImportOptions | None = None,
    images: ImageStore | None = None,
    skip_bad: bool = False,
    on_skip: Callable[[BadRecord], None] | None = None,
    batch_reads: int = BATCH_READS,
    lists: CurrentLists | None = None,
    on_done: Callable[[Connection, ImportReport], object] | None = None,
) -> ImportReport:
    """Store the reads in ``path``; raises ``BadRecord`` unless ``skip_bad``.

    Any ``PlatewardError`` raised here means nothing was stored. The reads stored are matched
    against the hot lists (``lists``, loaded from the database when not given) in the same
    transaction, as the cameras' API matches its batches. ``on_done`` runs last in the same
    transaction (the access log entry, so the reads and their record land together).
    """
    options = options or ImportOptions()
    camera = camera_code or options.camera
    binary = describe_binary(path)
    if binary is not None:
        raise InvalidInput(f"{path}: this is {binary}, not {form.title} reads")
    encoding = choose_encoding(path, options.encoding)
    zone = parse_zone(options.timezone)
    clock = Clock.now(zone)
    context = Context(clock, _video_start(options.video_start, clock, form))
    camera_map = None if options.camera_map is None else load_camera_map(options.camera_map)
    track = None if options.gps_track is None else load_track(options.gps_track, clock)
    report = ImportReport(encoding=str(encoding))
    if lists is None:
        lists = CurrentLists(engine, HotlistSettings())
    if not lists.loaded:
        lists.load()
    with engine.begin() as connection:
        batch = _Batch(connection, images, report, batch_reads, lists)
        destinations = FileDestinations(
            connection,
            camera=camera,
            camera_map=camera_map,
            map_name=str(options.camera_map),
            track=track,
            sources_are_cameras=form.sources_are_cameras,
            lock=batch.lock,
        )
        records = form.records(path, encoding)
        foreign: InvalidInput | None = None
        try:
            for record in records:
                report.records += 1
                try:
                    if record.problem is not None:
                        raise BadRecord(record.where, record.problem)
                    found = form.reads(record, context)
                    if not any(isinstance(item, Sighting) for item in found):
                        report.ignored += 1
                    for item in found:
                        if isinstance(item, Sighting):
                            batch.add(item, destinations)
                except SeveralSources:
                    _collect_sources(records, form, context, destinations)
                    raise destinations.several_sources(path) from None
                except BadRecord as exc:
                    if report.records == 1:
                        foreign = _foreign(path, form, record)
                        if foreign is not None and not skip_bad:
                            raise foreign from None
                    if not skip_bad:
                        raise
                    report.skipped += 1
                    if on_skip is not None:
                        on_skip(exc)
            batch.finish()
        except WrongHeader as exc:
            raise InvalidInput(exc.message + _csv_hint(exc.header, form)) from None
        except InvalidInput as exc:
            if report.records <= 1 and "not valid JSON" in exc.message:
                raise InvalidInput(exc.message + _text_hint(path, encoding, form)) from None
            raise
        finally:
            batch.close()
        if foreign is not None and report.skipped == report.records and not report.stored:
            raise foreign  # every record skipped: the file is another format's
        if on_done is not None:
            on_done(connection, report)
    return report


Pending = list[tuple[Sighting, ReadIn]]


@dataclass(frozen=True)
class _Camera:
    id: int
    code: str
    agency_id: int


class _Batch:
    """Reads validated and waiting to be stored, a camera's ``size`` at a time, in the background.

    Reads are gathered per camera, so a file that interleaves many cameras (an agent's eight
    streams) is still stored in full batches: ``store_reads`` takes one camera's reads, and a
    batch split eight ways cost PostgreSQL eight statements' overhead. At most ``4 * size``
    reads wait at once (the largest camera's go first), which bounds memory whatever the
    number of cameras.

    While the database stores one batch (PostgreSQL works in its own process, and psycopg and
    sqlite3 let go of the interpreter while they wait), the next is read and validated: the
    import runs at the pace of the slower of the two instead of their sum. One batch is stored
    at a time, on the import's one connection, which the reading side uses only under the
    same lock.
    """

    def __init__(
        self,
        connection: Connection,
        images: ImageStore | None,
        report: ImportReport,
        size: int,
        lists: CurrentLists,
    ) -> None:
        self.connection = connection
        self.lists = lists
        self.images = images
        self.report = report
        self.size = size
        self.received = dt.datetime.now(dt.UTC)
        self.pending: dict[_Camera, Pending] = {}
        self.waiting = 0
        self.lock = threading.Lock()
        self.storing: concurrent.futures.Future[None] | None = None
        self.pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="import-store")

    def __len__(self) -> int:
        return self.waiting

    def add(self, sighting: Sighting, destinations: FileDestinations) -> None:
        destination = destinations.of(sighting)
        read = read_in(sighting, destination)
        found = destination.camera
        camera = _Camera(found.id, found.code, found.agency_id)
        reads = self.pending.setdefault(camera, [])
        reads.append((sighting, read))
        self.waiting += 1
        if len(reads) >= self.size:
            self._hand_over(camera)
        elif self.waiting >= 4 * self.size:
            self._hand_over(max(self.pending, key=lambda c: len(self.pending[c])))

    def _hand_over(self, camera: _Camera) -> None:
        """Give one camera's pending reads to the store (after the batch before them)."""
        pending = self.pending.pop(camera)
        self.waiting -= len(pending)
        with self.lock:
            made = [new_read(self.connection, s, r, self.images) for s, r in pending]
        if self.images is not None:
            self.report.images_stored += sum(len(s.images) for s, _ in pending)
        digests_named = any(s.image_digests for s, _ in pending)
        self.wait()
        self.storing = self.pool.submit(self._store, camera, made, digests_named)

    def wait(self) -> None:
        """Until the batch being stored is stored; its error, if any, is raised here."""
        if self.storing is not None:
            storing, self.storing = self.storing, None
            storing.result()

    def finish(self) -> None:
        """Store what is pending and wait for it: the import's reads are all stored."""
        for camera in list(self.pending):
            self._hand_over(camera)
        self.wait()

    def close(self) -> None:
        """Stop storing in the background, waiting for a batch under way (before a rollback)."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.storing is not None and not self.storing.cancelled():
            self.storing.exception()  # waited for; an error here is the caller's to raise

    def _store(self, camera: _Camera, reads: list[NewRead], digests_named: bool) -> None:
        with self.lock:
            if digests_named:
                reads = _known_images_only(self.connection, reads, self.report)
            stored = store_reads(self.connection, camera.id, reads, self.received)
            raised = raise_alerts(
                self.connection,
                camera_id=camera.id,
                agency_id=camera.agency_id,
                reads=reads,
                matcher=self.lists.matcher,
                now=self.received,
            )
        self.report.stored += stored.stored
        self.report.duplicates += stored.duplicates
        self.report.alerts += len(raised.ids)
        self.report.cameras[camera.code] = self.report.cameras.get(camera.code, 0) + len(reads)


def _collect_sources(
    records: Iterator[Record], form: Format, context: Context, destinations: FileDestinations
) -> None:
    """Read the rest of the file for its sources only, to name them all in the refusal."""
    for record in records:
        try:
            found = [] if record.problem else form.reads(record, context)
        except InvalidInput:
            continue
        for item in found:
            if isinstance(item, Sighting) and item.source is not None:
                destinations.seen.setdefault(item.source.key, item.source)


def _foreign(path: Path, form: Format, record: Record) -> InvalidInput | None:
    """A first record that is another format's: the refusal of the file, naming its import."""
    if record.value is None:
        return None
    found = json_format(record.value)
    if found is None or _same_family(found[0], form.name):
        return None
    name, what = found
    command = (
        "`plateward import " + name + "`"
        if name in FORMATS
        else "the cameras' API (POST /api/v1/reads)"
        if name == "api"
        else "a tool for that format"
    )
    return InvalidInput(
        f"{path}: the records look like {what}, not {form.title} reads: import it with {command}"
    )


def _same_family(found: str, chosen: str) -> bool:
    return chosen.startswith(found) or found.startswith(chosen)


def _csv_hint(header: list[str], form: Format) -> str:
    found = csv_format(header)
    if found is None or found[0] == form.name:
        return ""
    name, what = found
    command = "" if name == "audit" else f": import it with `plateward import {name}`"
    return f"; the file looks like {what}{command}"


def _text_hint(path: Path, encoding: Encoding, form: Format) -> str:
    with open_text(path, encoding) as stream:
        head = stream.read(4096)
    xml = xml_description(head)
    if xml is not None:
        return f"; the file is {xml}"
    first_line = head.splitlines()[0] if head else ""
    try:
        header = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return ""
    return _csv_hint(header, form)


def _video_start(text: str | None, clock: Clock, form: Format) -> dt.datetime | None:
    if text is None:
        if form.needs_video_start:
            raise InvalidInput(
                f"{form.title}: reads are timed in seconds into the video; give --video-start"
                " (when the video began, e.g. 2025-11-20T10:15:00-08:00)"
            )
        return None
    try:
        return capture_time(text, clock)
    except TimeProblem as exc:
        raise InvalidInput(f"--video-start: {exc}") from None


def _known_images_only(
    connection: Connection, batch: list[NewRead], report: ImportReport
) -> list[NewRead]:
    """Drop links to images this database does not hold: an export carries digests, not files."""
    named = {d for r in batch for d in (r.plate_image, r.context_image) if d is not None}
    if not named:
        return batch
    known = set(
        connection.execute(
            select(images_table.c.sha256).where(images_table.c.sha256.in_(named))
        ).scalars()
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
