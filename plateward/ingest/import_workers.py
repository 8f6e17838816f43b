"""Reading a large import's records in worker processes, so the importer only stores them.

Reading a vendor's record, mapping it to a read and validating that read cost one process
about 136 us a read, three times what PostgreSQL spends storing it: in one process the import
ran at the pace of that Python. Here the importing process cuts the file into blocks of lines;
worker processes parse each block's records, map them, pick each read's camera and validate
it with ``ReadIn``, and give back the block's reads ready to store (for PostgreSQL as the JSON
its statement takes, with the few reads the hot lists' screen passes as objects), its bad
records and the sources they met. The importer takes the blocks back in file order, so a bad
record is reported, and an import without ``--skip-bad`` fails, at the same record as in one
process, and what is stored is the same.

Workers are forked once the import's format, destinations, clock and hot lists are loaded, so
they start in milliseconds and share those objects without pickling them; each worker freezes
what it inherited out of its garbage collector, whose scans would otherwise copy the hot
lists' pages into every worker. At most ``IN_FLIGHT_PER_WORKER`` blocks per worker are read
ahead, which bounds memory whatever the file's size. Images in a record (bytes) are written
by the importer, which holds the database connection: a worker hands such a read back unmade.
"""

from __future__ import annotations

import collections
import concurrent.futures
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from plateward.errors import InvalidInput
from plateward.ingest.destinations import FileDestinations, SeveralSources
from plateward.ingest.formats.json_records import LineBlock
from plateward.ingest.formats.records import (
    BadRecord,
    Context,
    Found,
    Record,
    Sighting,
    Source,
    sightings_in,
)
from plateward.ingest.models import ReadIn
from plateward.ingest.sightings import read_in
from plateward.store.cameras import Camera
from plateward.store.reads import NewRead, RowsJson, rows_json

IN_FLIGHT_PER_WORKER = 3
MIN_BYTES_FOR_WORKERS = 8 << 20
"""Smaller files are read in the importing process: starting workers would cost more."""


def default_workers(size_bytes: int) -> int:
    """As many workers as cores for a large file (the database and the importer share them)."""
    if size_bytes < MIN_BYTES_FOR_WORKERS:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class Job:
    """What every block of one import is read with; inherited by the forked workers."""

    block_records: Callable[[LineBlock], Iterator[Record]]
    reads: Callable[[Record, Context], list[Found]]
    context: Context
    destinations: FileDestinations
    foreign: Callable[[Record], InvalidInput | None]
    """The refusal of the file when its first record is another format's, else None."""
    screen: Callable[[Sequence[str], Sequence[Sequence[str]]], list[int]] | None = None
    """The hot lists' screen (``Matcher.worth_matching``); given, a block's reads come back
    as PostgreSQL's JSON (``RowsJson``) and only the reads that pass it as objects."""


@dataclass
class BlockOutcome:
    """One block's reads, ready to store, and everything the import reports about it."""

    records: int = 0
    ignored: int = 0
    bad: list[tuple[int, str, str]] = field(default_factory=list)
    """(the record's position in the block from 1, where, reason), in file order."""
    foreign: str | None = None
    """When the block's first record is bad and looks like another format's record, the
    refusal of the file as such (the importer uses it for the file's first record only)."""
    reads: dict[int, list[NewRead]] = field(default_factory=dict)
    """By camera id (without a screen: for SQLite)."""
    rows: dict[int, RowsJson] = field(default_factory=dict)
    """By camera id (with a screen: for PostgreSQL)."""
    screened: dict[int, list[NewRead]] = field(default_factory=dict)
    """By camera id: the reads of ``rows`` that some hot list entry could match."""
    cameras: dict[int, Camera] = field(default_factory=dict)
    with_images: list[tuple[Camera, Sighting, ReadIn]] = field(default_factory=list)
    """Reads whose images the importer must store first (in file order)."""
    sources: dict[str, Source] = field(default_factory=dict)
    several_sources: bool = False
    """The worker met a second source where the import allows one (--camera, no map)."""


_job: Job | None = None


def _start(job: Job) -> None:
    global _job
    _job = job
    gc.freeze()  # O(1): what the worker inherited is never scanned, so never copied


def read_block(block: LineBlock) -> BlockOutcome:
    """The worker's side: a block of lines in, its outcome out."""
    job = _job
    if job is None:
        raise RuntimeError("read_block runs in an import worker")
    out = BlockOutcome()
    destinations = job.destinations
    for record in job.block_records(block):
        out.records += 1
        try:
            sightings = sightings_in(record, job.reads, job.context)
            if not sightings:
                out.ignored += 1
            for sighting in sightings:
                if out.several_sources:
                    destinations.saw(sighting.source)  # only the sources, for the refusal
                else:
                    _take(out, sighting, destinations)
        except SeveralSources:
            out.several_sources = True
        except BadRecord as exc:
            out.bad.append((out.records, exc.where, exc.reason))
            if out.records == 1 and out.foreign is None:
                foreign = job.foreign(record)
                out.foreign = None if foreign is None else foreign.message
    out.sources = dict(destinations.seen)
    if job.screen is not None:
        for camera_id, reads in out.reads.items():
            out.rows[camera_id] = rows_json(reads)
            worth = job.screen(
                [r.plate for r in reads], [[a["plate"] for a in r.alternatives] for r in reads]
            )
            out.screened[camera_id] = [reads[i] for i in worth]
        out.reads = {}
    return out


def _take(out: BlockOutcome, sighting: Sighting, destinations: FileDestinations) -> None:
    destination = destinations.of(sighting)
    read = read_in(sighting, destination)
    camera = destination.camera
    if sighting.images or sighting.image_digests:
        out.with_images.append((camera, sighting, read))
        return
    out.cameras[camera.id] = camera
    out.reads.setdefault(camera.id, []).append(read.to_new_read(None, None))


class Workers:
    """A pool of forked workers reading one import's blocks, their outcomes in file order."""

    def __init__(self, job: Job, count: int) -> None:
        self.pool = concurrent.futures.ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start,
            initargs=(job,),
        )
        # With fork every worker starts at the first submission: start them now, before
        # the importer starts its storing thread.
        self.pool.submit(int).result()
        self.ahead = count * IN_FLIGHT_PER_WORKER

    def outcomes(self, blocks: Iterator[LineBlock]) -> Iterator[BlockOutcome]:
        waiting: collections.deque[concurrent.futures.Future[BlockOutcome]] = collections.deque()
        for block in blocks:
            waiting.append(self.pool.submit(read_block, block))
            if len(waiting) >= self.ahead:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
