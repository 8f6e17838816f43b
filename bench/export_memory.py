"""Show that exporting and importing reads keeps memory flat, however many reads there are.

Fills a temporary SQLite database with synthetic reads, exports them as CSV and GeoJSON, and
imports the CSV back into a second camera's twin database, printing the peak resident memory
(``ru_maxrss``), the peak of the process's own memory (anonymous pages, without the database
file's mapped pages) and the Python heap peak (``tracemalloc``) around each step. Streaming
works when the own-memory peaks stay near the baseline whether you pass 30,000 or 3,000,000
reads.

    python bench/export_memory.py [--reads 300000] [--keep DIR]

The steps' own files go to a temporary folder (or ``--keep DIR``); nothing else is touched.
tracemalloc slows Python down by a factor of two or so; ``--no-trace`` leaves it off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self

from sqlalchemy import Engine

from plateward.ingest.imports import FORMATS, import_reads
from plateward.store.cameras import add_camera, camera_by_code, ensure_agency
from plateward.store.database import open_database
from plateward.store.export import ExportFilter, write_csv, write_geojson
from plateward.store.migrate import upgrade
from plateward.store.reads import NewRead, store_reads

BATCH = 5000
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reads", type=int, default=300_000)
    parser.add_argument("--keep", type=Path, help="Write the database and exports here.")
    parser.add_argument("--no-trace", action="store_true", help="Skip tracemalloc.")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="plateward-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not args.no_trace:
        tracemalloc.start()

    report("baseline", lambda: None)
    source = setup(folder / "source.db")
    report(f"insert {args.reads} reads", lambda: fill(source, args.reads))
    csv_path, geojson_path = folder / "reads.csv", folder / "reads.geojson"
    report("export csv", lambda: export(source, csv_path, write_csv))
    report("export geojson", lambda: export(source, geojson_path, write_geojson))
    target = setup(folder / "target.db")
    report("import csv", lambda: print_import(target, csv_path))
    print(f"files in {folder}: csv {size(csv_path)}, geojson {size(geojson_path)}")


def setup(path: Path) -> Engine:
    path.unlink(missing_ok=True)
    engine = open_database(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench agency")
        add_camera(
            connection,
            agency_id=agency,
            code="POLE-1",
            name="bench",
            latitude=38.5,
            longitude=-121.5,
        )
    return engine


def synthetic(count: int) -> Iterator[NewRead]:
    rng = random.Random(7)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for i in range(count):
        plate = f"{rng.randint(1, 9)}{''.join(rng.choices(LETTERS, k=3))}{rng.randint(0, 999):03d}"
        yield NewRead(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            captured_at=start + dt.timedelta(seconds=i * 7),
            plate=plate,
            raw_text=plate,
            confidence=round(rng.uniform(0.6, 0.99), 3),
            alternatives=[{"plate": plate[:-1] + "8", "confidence": 0.05}],
            region="us-ca",
            region_confidence=0.8,
            latitude=38.5 + rng.uniform(-0.2, 0.2),
            longitude=-121.5 + rng.uniform(-0.2, 0.2),
        )


def fill(engine: Engine, count: int) -> None:
    with engine.begin() as connection:
        camera = camera_by_code(connection, "POLE-1").id
        batch: list[NewRead] = []
        for read in synthetic(count):
            batch.append(read)
            if len(batch) == BATCH:
                store_reads(connection, camera, batch)
                batch = []
        store_reads(connection, camera, batch)


def export(engine: Engine, path: Path, writer: Callable[..., int]) -> None:
    with engine.connect() as connection, path.open("w", encoding="utf-8", newline="") as out:
        count = writer(connection, out, ExportFilter())
    print(f"  wrote {count} reads to {path.name}")


def print_import(engine: Engine, path: Path) -> None:
    result = import_reads(engine, FORMATS["csv"], path, "POLE-1")
    print(f"  imported {result.stored} reads ({result.duplicates} duplicates)")


def report(step: str, run: Callable[[], None]) -> None:
    before = peak_rss_mib()
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    began = time.perf_counter()
    with AnonymousPeak() as anonymous:
        run()
    seconds = time.perf_counter() - began
    heap = ""
    if tracemalloc.is_tracing():
        heap = f", Python heap peak {tracemalloc.get_traced_memory()[1] / 2**20:7.1f} MiB"
    own = f", own memory peak {anonymous.peak_mib:7.1f} MiB" if anonymous.peak_mib else ""
    print(
        f"{step:<22} {seconds:7.1f} s, peak RSS {before:7.1f} -> {peak_rss_mib():7.1f} MiB{own}{heap}"
    )
    sys.stdout.flush()


class AnonymousPeak:
    """The most anonymous memory (``RssAnon``, Linux) the process held while the block ran.

    Peak RSS also counts the database file's pages that SQLite reads through its memory map
    (store/database.py): file cache the kernel can drop at any time, which grows with the
    database, not with what the process holds. ``RssAnon`` is the process's own memory: heap,
    buffers, rows in flight. Sampled every 20 ms by a thread.
    """

    def __init__(self) -> None:
        self.peak_mib = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Self:
        if Path("/proc/self/status").exists():
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        while True:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    self.peak_mib = max(self.peak_mib, int(line.split()[1]) / 2**10)
            if self._done.wait(0.02):
                return


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def size(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.1f} MiB"


if __name__ == "__main__":
    main()
