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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
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
from plateward.ingest.formats.json_records import (
    LineBlock,
    block_records,
    json_line_blocks,
    json_records,
)
from plateward.ingest.formats.openalpr import openalpr_reads
from plateward.ingest.formats.openalpr_forensic import forensic_reads, forensic_records
from plateward.ingest.formats.platerecognizer import platerecognizer_reads
from plateward.ingest.formats.platerecognizer_csv import stream_csv_reads, stream_csv_records
from plateward.ingest.formats.records import (
    BadRecord,
    Context,
    Found,
    Record,
    Sighting,
    sightings_in,
)
from plateward.ingest.formats.sniff import csv_format, describe_binary, json_format, xml_description
from plateward.ingest.formats.times import Clock, TimeProblem, capture_time
from plateward.ingest.formats.verkada import verkada_reads
from plateward.ingest.gps_track import load_track
from plateward.ingest.import_workers import BlockOutcome, Job, Workers, default_workers
from plateward.ingest.models import ReadIn
from plateward.ingest.sightings import new_read, read_in
from plateward.settings import HotlistSettings
from plateward.store.cameras import Camera
from plateward.store.images import ImageStore
from plateward.store.reads import NewRead, RowsJson, joined, rows_json, store_reads
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
    line_blocks: Callable[[Path, Encoding, int], Iterator[LineBlock] | None] | None = None
    """Cuts a file of one record a line into blocks for worker processes (None: it is not)."""
    block_records: Callable[[Path, Encoding, LineBlock], Iterator[Record]] | None = None


def _json_format(name: str, title: str, reads: Callable[[Record, Context], list[Found]]) -> Format:
    """A vendor's JSON records: read by worker processes when the file holds one a line."""
    return Format(
        name, title, json_records, reads, line_blocks=json_line_blocks, block_records=block_records
    )


FORMATS = {
    "openalpr": _json_format("openalpr", "OpenALPR / Rekor", openalpr_reads),
    "platerecognizer": _json_format("platerecognizer", "Plate Recognizer", platerecognizer_reads),
    "platerecognizer-csv": Format(
        "platerecognizer-csv", "Plate Recognizer Stream CSV", stream_csv_records, stream_csv_reads
    ),
    "openalpr-forensic": Format(
        "openalpr-forensic", "OpenALPR Forensic Plate Finder CSV", forensic_records,
        forensic_reads, needs_video_start=True,
    ),
    "genetec": Format("genetec", "Genetec AutoVu reads export", genetec_records, genetec_reads),
    "flock": _json_format("flock", "Flock Safety", flock_reads),
    "verkada": _json_format("verkada", "Verkada", verkada_reads),
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
    workers: int | None = None
    """Processes reading the records; None: ``default_workers``."""


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
    Records are read by worker processes (``import_workers.py``) as ``options.workers`` says:
    by default one per core for a large file of one record a line.
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
    workers = options.workers or default_workers(path.stat().st_size)
    skips = _Skips(skip_bad, on_skip, report)
    with engine.begin() as connection:
        destinations = FileDestinations(
            connection,
            camera=camera,
            camera_map=camera_map,
            map_name=str(options.camera_map),
            track=track,
            sources_are_cameras=form.sources_are_cameras,
        )
        screen = lists.matcher.worth_matching if engine.dialect.name == "postgresql" else None
        parallel = (
            _start_workers(
                form, path, encoding, workers, batch_reads, context, destinations, screen
            )
            if workers > 1
            else None
        )
        batch = _Batch(connection, images, report, batch_reads, lists, skips.bad)
        destinations.lock = batch.lock
        try:
            if parallel is not None:
                _read_in_workers(*parallel, path, batch, destinations, skips)
            else:
                _read_here(
                    form.records(path, encoding), form, context, path, batch, destinations, skips
                )
            batch.finish()
        except WrongHeader as exc:
            raise InvalidInput(exc.message + _csv_hint(exc.header, form)) from None
        except InvalidInput as exc:
            if report.records <= 1 and "not valid JSON" in exc.message:
                raise InvalidInput(exc.message + _text_hint(path, encoding, form)) from None
            raise
        finally:
            batch.close()
            if parallel is not None:
                parallel[0].close()
        if skips.foreign is not None and report.skipped == report.records and not report.stored:
            raise skips.foreign  # every record skipped: the file is another format's
        if on_done is not None:
            on_done(connection, report)
    return report


def _start_workers(
    form: Format,
    path: Path,
    encoding: Encoding,
    count: int,
    block_lines: int,
    context: Context,
    destinations: FileDestinations,
    screen: Callable[[Sequence[str], Sequence[Sequence[str]]], list[int]] | None,
) -> tuple[Workers, Iterator[LineBlock]] | None:
    """Workers and the blocks they read, when the file can be cut into blocks of records.

    ``screen``: the hot lists' screen, for PostgreSQL (the workers then make its JSON).
    """
    if form.line_blocks is None or form.block_records is None or form.sources_are_cameras:
        return None
    blocks = form.line_blocks(path, encoding, block_lines)
    if blocks is None:
        return None
    job = Job(
        partial(form.block_records, path, encoding),
        form.reads,
        context,
        destinations,
        partial(_foreign, path, form),
        screen=screen,
    )
    return Workers(job, count), blocks


@dataclass
class _Skips:
    """What becomes of a bad record: the import fails, or (``skip_bad``) it is counted."""

    skip_bad: bool
    on_skip: Callable[[BadRecord], None] | None
    report: ImportReport
    foreign: InvalidInput | None = None
    """The file's refusal when its first record, bad, is another format's."""

    def bad(self, exc: BadRecord, foreign: InvalidInput | None = None) -> None:
        """Raises unless bad records are skipped; ``foreign`` only for the file's first."""
        if foreign is not None:
            self.foreign = foreign
            if not self.skip_bad:
                raise foreign from None
        if not self.skip_bad:
            raise exc
        self.report.skipped += 1
        if self.on_skip is not None:
            self.on_skip(exc)


def _read_here(
    records: Iterator[Record],
    form: Format,
    context: Context,
    path: Path,
    batch: _Batch,
    destinations: FileDestinations,
    skips: _Skips,
) -> None:
    """Every record read and validated in this process, as they come."""
    report = skips.report
    for record in records:
        report.records += 1
        try:
            sightings = sightings_in(record, form.reads, context)
            if not sightings:
                report.ignored += 1
            for sighting in sightings:
                batch.add(sighting, destinations)
        except SeveralSources:
            _collect_sources(records, form, context, destinations)
            raise destinations.several_sources(path) from None
        except BadRecord as exc:
            skips.bad(exc, _foreign(path, form, record) if report.records == 1 else None)


def _read_in_workers(
    pool: Workers,
    blocks: Iterator[LineBlock],
    path: Path,
    batch: _Batch,
    destinations: FileDestinations,
    skips: _Skips,
) -> None:
    """Every record read and validated by the workers; their outcomes taken in file order."""
    report = skips.report
    outcomes = pool.outcomes(blocks)
    for outcome in outcomes:
        before = report.records
        for position, where, reason in outcome.bad:
            report.records = before + position
            first = before == 0 and position == 1 and outcome.foreign is not None
            skips.bad(
                BadRecord(where, reason), InvalidInput(str(outcome.foreign)) if first else None
            )
        report.records = before + outcome.records
        report.ignored += outcome.ignored
        _merge_sources(destinations, outcome)
        if outcome.several_sources or destinations.too_many_sources():
            for rest in outcomes:
                _merge_sources(destinations, rest)
            raise destinations.several_sources(path)
        for camera_id, reads in outcome.reads.items():
            batch.extend(outcome.cameras[camera_id], reads)
        for camera_id, rows in outcome.rows.items():
            batch.extend_rows(outcome.cameras[camera_id], rows, outcome.screened[camera_id])
        for camera, sighting, read in outcome.with_images:
            batch.append(camera, (sighting, read))


def _merge_sources(destinations: FileDestinations, outcome: BlockOutcome) -> None:
    for source in outcome.sources.values():
        destinations.saw(source)


Unmade = tuple[Sighting, ReadIn]
"""A read whose images are still to be stored (or whose image digests to be checked)."""


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
        on_bad: Callable[[BadRecord], None],
    ) -> None:
        self.connection = connection
        self.lists = lists
        self.images = images
        self.report = report
        self.size = size
        self.on_bad = on_bad
        self.received = dt.datetime.now(dt.UTC)
        self.pending: dict[_Camera, _Pending] = {}
        self.waiting = 0
        self.lock = threading.Lock()
        self.storing: concurrent.futures.Future[None] | None = None
        self.pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="import-store")

    def __len__(self) -> int:
        return self.waiting

    def add(self, sighting: Sighting, destinations: FileDestinations) -> None:
        destination = destinations.of(sighting)
        self.append(destination.camera, (sighting, read_in(sighting, destination)))

    def append(self, found: Camera, read: NewRead | Unmade) -> None:
        self.extend(found, [read])

    def extend(self, found: Camera, reads: list[NewRead] | list[NewRead | Unmade]) -> None:
        camera, pending = self._pending(found)
        pending.reads.extend(reads)
        self._added(camera, pending, len(reads))

    def extend_rows(self, found: Camera, rows: RowsJson, screened: list[NewRead]) -> None:
        """Reads a worker made into PostgreSQL's JSON; ``screened``: those worth matching."""
        camera, pending = self._pending(found)
        pending.rows.append(rows)
        pending.screened.extend(screened)
        self._added(camera, pending, rows.count)

    def _pending(self, found: Camera) -> tuple[_Camera, _Pending]:
        camera = _Camera(found.id, found.code, found.agency_id)
        return camera, self.pending.setdefault(camera, _Pending())

    def _added(self, camera: _Camera, pending: _Pending, count: int) -> None:
        pending.count += count
        self.waiting += count
        if pending.count >= self.size:
            self._hand_over(camera)
        elif self.waiting >= 4 * self.size:
            self._hand_over(max(self.pending, key=lambda c: self.pending[c].count))

    def _hand_over(self, camera: _Camera) -> None:
        """Give one camera's pending reads to the store (after the batch before them)."""
        pending = self.pending.pop(camera)
        self.waiting -= pending.count
        made: list[NewRead] = []
        digests_named = False
        with self.lock:
            for item in pending.reads:
                if isinstance(item, NewRead):
                    made.append(item)
                    continue
                sighting, read = item
                try:
                    made.append(new_read(self.connection, sighting, read, self.images))
                except BadRecord as exc:
                    self.on_bad(exc)  # raises unless bad records are skipped
                    continue
                if self.images is not None:
                    self.report.images_stored += len(sighting.images)
                digests_named = digests_named or bool(sighting.image_digests)
        if digests_named:
            with self.lock:
                made = _known_images_only(self.connection, made, self.report)
        batch: list[NewRead] | RowsJson = made
        matched = made
        if pending.rows:
            batch = joined([*pending.rows, rows_json(made)])
            matched = pending.screened + made
        self.wait()
        self.storing = self.pool.submit(self._store, camera, batch, matched)

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

    def _store(
        self, camera: _Camera, batch: list[NewRead] | RowsJson, matched: list[NewRead]
    ) -> None:
        """Store a batch and raise its alerts; ``matched`` holds every read of the batch that
        the hot lists' screen could pass (all of them, unless a worker screened them)."""
        with self.lock:
            stored = store_reads(self.connection, camera.id, batch, self.received)
            raised = raise_alerts(
                self.connection,
                camera_id=camera.id,
                agency_id=camera.agency_id,
                reads=matched,
                matcher=self.lists.matcher,
                now=self.received,
            )
        count = stored.stored + stored.duplicates
        self.report.stored += stored.stored
        self.report.duplicates += stored.duplicates
        self.report.alerts += len(raised.ids)
        self.report.cameras[camera.code] = self.report.cameras.get(camera.code, 0) + count


@dataclass
class _Pending:
    """One camera's reads waiting for their batch, as they came."""

    reads: list[NewRead | Unmade] = field(default_factory=list)
    rows: list[RowsJson] = field(default_factory=list)
    screened: list[NewRead] = field(default_factory=list)
    count: int = 0


def _collect_sources(
    records: Iterator[Record], form: Format, context: Context, destinations: FileDestinations
) -> None:
    """Read the rest of the file for its sources only, to name them all in the refusal."""
    for record in records:
        try:
            sightings = sightings_in(record, form.reads, context)
        except InvalidInput:
            continue
        for sighting in sightings:
            destinations.saw(sighting.source)


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
