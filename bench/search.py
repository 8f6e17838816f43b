"""Search latency on millions of synthetic reads, SQLite and PostgreSQL side by side.

    python bench/search.py [--sizes 1000000,10000000] [--db sqlite postgresql] [--queries 40]

For each size, a fresh database gets the real schema (migrations), then synthetic reads with
realistic skew: 400 cameras (300 fixed sites, 100 patrol cars) over a county 60 km across,
a vehicle population where a few plates (commuters) are read hundreds of times and most once
or twice (Pareto, alpha 1.2), California-style plates, 90 days with a daytime peak. Loading
drops the reads indexes, bulk inserts (SQLite executemany, PostgreSQL COPY) and recreates them
exactly as the migration made them, which is what a restore does and 10x faster than
inserting through the indexes; PostgreSQL is then vacuumed, as autovacuum would do. Then
each search runs ``--queries`` times with different arguments through ``plateward.search``,
and the median and p95 are printed (and written to docs/benchmarks.md with ``--docs``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.docs_section import machine_description, replace_section
from plateward.search.filters import Filters
from plateward.search.grid import search_radius
from plateward.search.justification import Justification
from plateward.search.plates import plate_timeline, search_partial, search_plate
from plateward.search.tolerant import search_tolerant
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.partitions import ensure_partitions
from plateward.store.plate_index import rebuild_plate_index
from plateward.store.schema import reads

CENTRE = (38.58, -121.49)
SPAN_DEG = 0.27  # about 60 km of latitude
START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DAYS = 90
CAMERAS = 400
FIXED = 300
LETTERS = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
DIGITS = np.array(list("0123456789"))
WHY = Justification(case_number="26-004211", reason="Burglary investigation, bench run")
CHUNK = 200_000


def plates_for(count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct-ish plates in California's 9LLL999 layout (some 3+3 older ones)."""
    first = rng.choice(DIGITS[1:], count)
    letters = rng.choice(LETTERS, (count, 3))
    tail = rng.choice(DIGITS, (count, 3))
    modern = np.char.add(np.char.add(first, _join(letters)), _join(tail))
    older = np.char.add(_join(letters), _join(tail))
    return np.where(rng.random(count) < 0.85, modern, older)


def _join(columns: np.ndarray) -> np.ndarray:
    out = columns[:, 0]
    for k in range(1, columns.shape[1]):
        out = np.char.add(out, columns[:, k])
    return out


def synthetic_chunks(total: int, camera_ids: list[int], seed: int) -> Iterator[dict[str, Any]]:
    """Columns of ``total`` reads, CHUNK at a time."""
    rng = np.random.default_rng(seed)
    population = plates_for(max(1000, total // 4), rng)
    # How often each vehicle passes a camera: most once or twice in 90 days, commuters daily at
    # several cameras (Pareto tail, capped near 1,300 reads per vehicle at 10 million reads).
    rate = np.minimum(rng.pareto(1.2, len(population)) + 1, 2000)
    cdf = np.cumsum(rate / rate.sum())
    site_lat = CENTRE[0] + rng.uniform(-SPAN_DEG / 2, SPAN_DEG / 2, CAMERAS)
    site_lon = CENTRE[1] + rng.uniform(-SPAN_DEG / 2, SPAN_DEG / 2, CAMERAS) * 1.27
    traffic = rng.lognormal(0, 1, CAMERAS)
    traffic /= traffic.sum()
    done = 0
    while done < total:
        n = min(CHUNK, total - done)
        vehicle = np.minimum(np.searchsorted(cdf, rng.random(n)), len(population) - 1)
        camera = rng.choice(CAMERAS, n, p=traffic)
        moving = camera >= FIXED
        lat = site_lat[camera] + np.where(moving, rng.normal(0, 0.03, n), rng.normal(0, 2e-5, n))
        lon = site_lon[camera] + np.where(moving, rng.normal(0, 0.04, n), rng.normal(0, 2e-5, n))
        day = rng.integers(0, DAYS, n)
        second = np.clip(rng.normal(14 * 3600, 4 * 3600, n), 0, 86399)
        offsets = day * 86400 + second
        yield {
            "plate": population[vehicle],
            "camera_id": np.asarray(camera_ids)[camera],
            "latitude": np.clip(lat, -90, 90),
            "longitude": lon,
            "offset_s": offsets,
            "confidence": rng.uniform(0.6, 1.0, n).round(3),
            "heading": rng.uniform(0, 360, n).round(1) % 360,
        }
        done += n


def new_database(kind: str, folder: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        path = folder / f"search-{uuid.uuid4().hex[:6]}.db"
        return f"sqlite:///{path}", lambda: None
    server = os.environ.get("PLATEWARD_TEST_POSTGRES")
    if not server:
        sys.exit("set PLATEWARD_TEST_POSTGRES=postgresql://USER:PASSWORD@HOST to bench PostgreSQL")
    name = f"plateward_search_{uuid.uuid4().hex[:6]}"
    admin_url = make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def load(engine: Engine, total: int) -> float:
    """Fill the reads table; returns seconds taken."""
    began = time.perf_counter()
    with engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench county")
        for k in range(CAMERAS):
            add_camera(
                connection,
                agency_id=agency,
                code=f"CAM-{k:03d}",
                name=f"camera {k}",
                kind="fixed" if k < FIXED else "vehicle",
                vehicle_id=None if k < FIXED else f"UNIT-{k}",
            )
        camera_ids = list(connection.execute(text("SELECT id FROM cameras ORDER BY id")).scalars())
    postgres = engine.dialect.name == "postgresql"
    index_sql = _drop_read_indexes(engine)
    received = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        if postgres:
            ensure_partitions(connection, [START + dt.timedelta(days=d) for d in range(DAYS + 1)])
    for chunk in synthetic_chunks(total, camera_ids, seed=7):
        with engine.begin() as connection:
            if postgres:
                _copy_chunk(connection, chunk, received)
            else:
                _insert_sqlite_chunk(connection, chunk, received)
    with engine.begin() as connection:
        for statement in index_sql:
            connection.execute(text(statement))
        rebuild_plate_index(connection)
        if not postgres:
            connection.execute(text("ANALYZE"))
    if postgres:
        # Autovacuum does this soon after any bulk load; until it has, every index-only scan
        # (the plate index's) visits the table too, which a running system does not do.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - began


def _rows(chunk: dict[str, Any], received: dt.datetime) -> Iterator[dict[str, Any]]:
    for plate, camera, lat, lon, offset, confidence, heading in zip(
        chunk["plate"].tolist(),
        chunk["camera_id"].tolist(),
        chunk["latitude"].tolist(),
        chunk["longitude"].tolist(),
        chunk["offset_s"].tolist(),
        chunk["confidence"].tolist(),
        chunk["heading"].tolist(),
        strict=True,
    ):
        yield {
            "id": uuid.uuid4(),
            "captured_at": START + dt.timedelta(seconds=offset),
            "received_at": received,
            "camera_id": camera,
            "plate": plate,
            "raw_text": plate,
            "confidence": confidence,
            "alternatives": [],
            "region": "us-ca",
            "region_confidence": 0.8,
            "latitude": lat,
            "longitude": lon,
            "heading": heading,
        }


def _insert_sqlite_chunk(connection: Any, chunk: dict[str, Any], received: dt.datetime) -> None:
    """sqlite3's executemany, values converted by the columns' own types (as store_reads does)."""
    rows = list(_rows(chunk, received))
    names = list(rows[0])
    dialect = connection.dialect
    convert = [reads.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    values = [
        tuple(row[n] if f is None else f(row[n]) for n, f in zip(names, convert, strict=True))
        for row in rows
    ]
    connection.exec_driver_sql(
        f"INSERT INTO reads ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", values
    )


def _copy_chunk(connection: Any, chunk: dict[str, Any], received: dt.datetime) -> None:
    columns = (
        "id, captured_at, received_at, camera_id, plate, raw_text, confidence, alternatives,"
        " region, region_confidence, latitude, longitude, heading"
    )
    raw = connection.connection.driver_connection
    with raw.cursor().copy(f"COPY reads ({columns}) FROM STDIN") as copy:
        for row in _rows(chunk, received):
            copy.write_row(
                (
                    row["id"], row["captured_at"], received, row["camera_id"], row["plate"],
                    row["plate"], row["confidence"], "[]", "us-ca", 0.8, row["latitude"],
                    row["longitude"], row["heading"],
                )
            )  # fmt: skip


def _drop_read_indexes(engine: Engine) -> list[str]:
    """Drop the reads table's secondary indexes; return the statements that recreate them."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            found = connection.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reads'"
                    " AND indexname LIKE 'ix_%'"
                )
            ).all()
        else:
            found = connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                    " AND tbl_name = 'reads' AND sql IS NOT NULL"
                )
            ).all()
        for name, _ in found:
            connection.execute(text(f"DROP INDEX {name}"))
    # PostgreSQL describes a partitioned table's index as "ON ONLY reads", which would build
    # it for no partition; the migration built it for all of them.
    return [sql.replace(" ON ONLY ", " ON ") for _, sql in found]


def timed(run: Callable[[int], Any], count: int) -> tuple[float, float]:
    run(0)  # warm the caches and the plan, as a server that has been up a while would be
    samples = []
    for k in range(1, count + 1):
        began = time.perf_counter()
        run(k)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(0.95 * len(samples)) - 1)]


def measure(engine: Engine, queries: int) -> dict[str, tuple[float, float]]:
    with engine.connect() as connection:
        seen = connection.execute(
            text("SELECT plate FROM reads ORDER BY random() LIMIT :n"), {"n": queries + 1}
        ).scalars().all()  # fmt: skip
        places = connection.execute(
            select(reads.c.latitude, reads.c.longitude, reads.c.captured_at)
            .order_by(func.random())
            .limit(queries + 1)
        ).all()
    rng = np.random.default_rng(3)
    prefixes = [p[:3] + "*" for p in seen]
    inner = [f"*{p[2:4]}?{p[5]}*" for p in seen]

    def window(moment: Any) -> Filters:
        return Filters(start=moment - dt.timedelta(hours=1), end=moment + dt.timedelta(hours=1))

    results = {
        "exact plate": timed(lambda k: search_plate(engine, seen[k], justification=WHY), queries),
        "plate timeline": timed(
            lambda k: plate_timeline(engine, seen[k], justification=WHY), queries
        ),
        "partial 7B3*": timed(
            lambda k: search_partial(engine, prefixes[k], justification=WHY), queries
        ),
        "partial *KX?9*": timed(
            lambda k: search_partial(engine, inner[k], justification=WHY), queries
        ),
        "tolerant": timed(lambda k: search_tolerant(engine, seen[k], justification=WHY), queries),
        "grid 1 km, 2 h": timed(
            lambda k: search_radius(
                engine,
                places[k][0] + float(rng.normal(0, 0.002)),
                places[k][1],
                1000,
                justification=WHY,
                filters=window(places[k][2]),
            ),
            queries,
        ),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table: list[str] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("PLATEWARD_BENCH_TMP")) as tmp:
        for kind in args.db:
            for size in sizes:
                url, drop = new_database(kind, Path(tmp))
                try:
                    engine = open_database(url)
                    upgrade(engine)
                    seconds = load(engine, size)
                    print(f"{kind} {size:,} reads loaded in {seconds:.0f} s", flush=True)
                    for name, (p50, p95) in measure(engine, args.queries).items():
                        line = f"| {kind} | {size:,} | {name} | {p50:.1f} | {p95:.1f} |"
                        print(line, flush=True)
                        table.append(line)
                    engine.dispose()
                finally:
                    drop()
    if args.docs:
        replace_section(
            "bench/search.py",
            [
                "## Search on synthetic reads (bench/search.py)",
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/search.py {' '.join(sys.argv[1:])}`",
                (
                    f"- Machine: {machine_description()}; load average at the end"
                    f" {os.getloadavg()[0]:.1f}"
                ),
                (
                    f"- {args.queries} queries per search, different plates and places each time,"
                    " after one warm-up query; times in ms through `plateward.search` (Python"
                    " included)"
                ),
                "",
                "| database | reads | search | p50 ms | p95 ms |",
                "|---|---|---|---|---|",
                *table,
            ],
        )
    print(json.dumps({"rows": len(table)}))


if __name__ == "__main__":
    main()
