"""Destroying half of a large PostgreSQL database while ingest continues.

    python bench/retention.py [--reads 20000000] [--months 20] [--images 200000]
                              [--before-s 60] [--after-s 30] [--docs]

A fresh PostgreSQL database (PLATEWARD_TEST_POSTGRES) gets the real schema, 400 cameras and
``--reads`` reads spread evenly over ``--months`` monthly partitions, made by set-based SQL
(``INSERT ... SELECT ... FROM generate_series``, the reads indexes dropped during the load
and rebuilt after it, as a restore does): plates from a skewed population of two million
vehicles, places over a county, no images. ``--images`` more reads carry a plate image each
(a small file written to the image store, unique content), spread over the same months. A
thousandth of the reads have a hot list hit (an alert), and 50 reads of the oldest months are
on legal hold. Retention is set so that exactly the older half of the months is past the
no-hit period (300 days, as of a fixed moment); hits are kept 365 days, so the months just
past the period still hold hits that must stay.

Then ``plateward serve`` runs on the database, two client threads post batches of 500 new reads
to ``POST /api/v1/reads`` without pause, and after ``--before-s`` seconds ``plateward retention
run`` runs as an administrator; ingest goes on during the run and ``--after-s`` seconds after.
Printed: the run's time and destruction record, and ingest's rate (reads stored per second,
per one-second interval: median) and batch latency before, during and after. On a machine
whose cores the bench's own processes share (server, PostgreSQL, the run, the clients), the
rate during the run is bounded by CPU as much as by locks: the CPU each used is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Self

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bench.docs_section import machine_description, replace_section
from bench.ingest import bench_camera, free_port, synthetic_read
from bench.search import _drop_read_indexes
from plateward.access.users import add_user, issue_token
from plateward.audit.actor import Actor
from plateward.hotlist.entries import entry_values
from plateward.hotlist.lists import ListSettings, add_entry, create_list
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.migrate import upgrade
from plateward.store.partitions import ensure_partitions
from plateward.store.plate_index import rebuild_plate_index

FIRST_MONTH = dt.date(2025, 3, 1)
CAMERAS = 400
PASSWORD = "quartz meadow lantern 58"
PERIODS = {"reads_days": 300, "hit_reads_days": 365, "images_days": 300, "alerts_days": 730}
BATCH = 500


def months(count: int) -> list[tuple[dt.datetime, dt.datetime]]:
    out = []
    year, month = FIRST_MONTH.year, FIRST_MONTH.month
    for _ in range(count):
        start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        out.append((start, dt.datetime(year, month, 1, tzinfo=dt.UTC)))
    return out


def new_database() -> tuple[str, Any]:
    server = os.environ.get("PLATEWARD_TEST_POSTGRES")
    if not server:
        sys.exit("set PLATEWARD_TEST_POSTGRES=postgresql://USER:PASSWORD@HOST")
    name = f"plateward_retention_{uuid.uuid4().hex[:6]}"
    admin_url = make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def fill(engine: Engine, store: ImageStore, args: argparse.Namespace) -> dict[str, Any]:
    """The reads, images, alerts and holds; returns what was made and how long it took."""
    began = time.perf_counter()
    spans = months(args.months)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench county")
        for k in range(CAMERAS):
            add_camera(connection, agency_id=agency, code=f"CAM-{k:03d}", name=f"camera {k}")
        ensure_partitions(connection, [start for start, _ in spans])
        actor = Actor("bench", "BENCH")
        create_list(connection, actor, name="BENCH", source="agency_list", agency_id=agency,
                    settings=ListSettings())  # fmt: skip
        entry = add_entry(connection, actor, "BENCH", entry_values(
            {"plate": "HIT0001", "reason": "stolen_vehicle", "case_number": "26-1"}, "bench",
            dt.datetime.now(dt.UTC), default_expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC)))  # fmt: skip
        admin = add_user(connection, username="lt.admin", full_name="Bench Administrator",
                         role="administrator", agency_id=agency, password=PASSWORD)  # fmt: skip
        token = issue_token(connection, admin.id, "bench")
    index_sql = _drop_read_indexes(engine)
    per_month = args.reads // args.months
    for start, end in spans:
        seconds = (end - start).total_seconds()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO reads (id, captured_at, received_at, camera_id, plate, raw_text,"
                    " confidence, alternatives, region, region_confidence, latitude, longitude)"
                    " SELECT gen_random_uuid(), :start + random() * make_interval(secs => :span),"
                    " :start, 1 + (g % :cameras), p, p, 0.5 + random() / 2, '[]'::json, 'us-ca',"
                    " 0.7, 38.45 + random() * 0.27, -121.63 + random() * 0.34"
                    " FROM generate_series(1, :n) AS g, LATERAL (SELECT 'B' || lpad("
                    "(floor(power(random(), 2) * 2000000) + g * 0)::bigint::text, 7, '0') AS p)"
                    " AS plate"
                ),
                {"start": start, "span": seconds, "cameras": CAMERAS, "n": per_month},
            )
        print(f"  {start:%Y-%m}: {per_month:,} reads", flush=True)
    with engine.begin() as connection:
        for statement in index_sql:
            connection.execute(text(statement))
    print(f"  indexes rebuilt at {time.perf_counter() - began:.0f} s", flush=True)
    images = _reads_with_images(engine, store, spans, args.images)
    with engine.begin() as connection:
        rebuild_plate_index(connection)
        alerts = connection.execute(
            text(
                "INSERT INTO alerts (read_id, captured_at, camera_id, plate, latitude, longitude,"
                " entry_id, list_id, entry, reason, priority, match_kind, matched_text,"
                " via_alternative, differing, raised_at, status)"
                " SELECT id, captured_at, camera_id, plate, latitude, longitude, :entry, :list,"
                " '{}'::json, 'stolen_vehicle', 2, 'exact', plate, false, '[]'::json,"
                " captured_at, 'unverified' FROM reads TABLESAMPLE BERNOULLI (0.1)"
            ),
            {"entry": entry["id"], "list": entry["list_id"]},
        ).rowcount
        held = connection.execute(
            text(
                "SELECT id, captured_at FROM reads WHERE captured_at < :until"
                " ORDER BY captured_at LIMIT 50"
            ),
            {"until": spans[1][1]},
        ).all()
        hold = connection.execute(
            text(
                "INSERT INTO legal_holds (kind, case_number, placed_by, agency, placed_at)"
                " VALUES ('reads', '25-000001', 'bench', 'BENCH', now()) RETURNING id"
            )
        ).scalar_one()
        for read_id, captured in held:
            connection.execute(
                text("INSERT INTO legal_hold_reads VALUES (:h, :r, :c)"),
                {"h": hold, "r": read_id, "c": captured},
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return {
        "token": token, "seconds": time.perf_counter() - began, "alerts": alerts,
        "images": images, "held": len(held), "cutoff": spans[args.months // 2][0],
    }  # fmt: skip


def _reads_with_images(
    engine: Engine, store: ImageStore, spans: list[tuple[dt.datetime, dt.datetime]], count: int
) -> int:
    rng = random.Random(5)
    rows, image_rows = io.StringIO(), io.StringIO()
    now = dt.datetime.now(dt.UTC).isoformat()
    for k in range(count):
        start, end = spans[k % len(spans)]
        at = start + (end - start) * rng.random()
        data = b"\xff\xd8\xff\xe0" + uuid.UUID(int=rng.getrandbits(128)).bytes * 8
        digest = hashlib.sha256(data).hexdigest()
        target = store.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        image_rows.write(f"{digest}\timage/jpeg\t{len(data)}\t{now}\tf\t{at.isoformat()}\t"
                         f"{at.isoformat()}\n")  # fmt: skip
        plate = f"I{k:07d}"
        rows.write(f"{uuid.uuid4()}\t{at.isoformat()}\t{now}\t{1 + k % CAMERAS}\t{plate}\t{plate}"
                   f"\t0.9\t[]\t38.58\t-121.49\t{digest}\n")  # fmt: skip
    with engine.begin() as connection:
        cursor = connection.connection.cursor()
        with cursor.copy(
            "COPY images (sha256, media_type, size_bytes, created_at, shared, first_captured_at,"
            " last_captured_at) FROM STDIN"
        ) as copy:
            copy.write(image_rows.getvalue())
        with cursor.copy(
            "COPY reads (id, captured_at, received_at, camera_id, plate, raw_text, confidence,"
            " alternatives, latitude, longitude, plate_image) FROM STDIN"
        ) as copy:
            copy.write(rows.getvalue())
    return count


class Ingest:
    """Two clients posting batches of new reads without pause; stored reads per second."""

    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.stop = threading.Event()
        self.events: list[tuple[float, int, float]] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._post, args=(n,)) for n in range(2)]

    def __enter__(self) -> Self:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)

    def _post(self, number: int) -> None:
        rng = random.Random(number)
        # A thousand reads a second of capture time, starting an hour ago: always in the past.
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        made = 0
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=600) as client:
            while not self.stop.is_set():
                reads = [synthetic_read(rng, start, made + k, None, 0.001) for k in range(BATCH)]
                made += BATCH
                began = time.perf_counter()
                answer = client.post("/api/v1/reads", content=json.dumps({"reads": reads}))
                answer.raise_for_status()
                done = time.perf_counter()
                with self.lock:
                    self.events.append((done, answer.json()["stored"], done - began))

    def figures(self, start: float, end: float) -> dict[str, float]:
        with self.lock:
            inside = [e for e in self.events if start <= e[0] < end]
        seconds = max(1, int(end - start))
        per_second = [0] * seconds
        for at, stored, _ in inside:
            per_second[min(seconds - 1, int(at - start))] += stored
        latencies = sorted(e[2] for e in inside) or [0.0]
        return {
            "reads_per_s": statistics.median(per_second),
            "reads_per_s_mean": sum(per_second) / seconds,
            "batch_ms_p50": statistics.median(latencies) * 1000,
            "batch_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
            "slowest_batch_ms": latencies[-1] * 1000,
        }


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, IndexError):
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=20_000_000)
    parser.add_argument("--months", type=int, default=20)
    parser.add_argument("--images", type=int, default=200_000)
    parser.add_argument("--before-s", type=float, default=60)
    parser.add_argument("--after-s", type=float, default=30)
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args()
    url, drop = new_database()
    with tempfile.TemporaryDirectory(dir=os.environ.get("PLATEWARD_BENCH_TMP")) as tmp:
        data_dir = Path(tmp)
        try:
            engine = open_database(url)
            upgrade(engine)
            made = fill(engine, ImageStore(data_dir / "images"), args)
            with engine.connect() as connection:
                total = connection.execute(text("SELECT count(*) FROM reads")).scalar_one()
                expired = connection.execute(
                    text("SELECT count(*) FROM reads WHERE captured_at < :c"),
                    {"c": made["cutoff"]},
                ).scalar_one()
            print(f"{total:,} reads ({expired:,} before the cut-off) made in"
                  f" {made['seconds']:.0f} s; {made['alerts']:,} alerts", flush=True)  # fmt: skip
            as_of = made["cutoff"] + dt.timedelta(days=PERIODS["reads_days"])
            env = {
                **os.environ, "PLATEWARD_DB": url, "PLATEWARD_DATA_DIR": str(data_dir),
                **{f"PLATEWARD_RETENTION__{k.upper()}": str(v) for k, v in PERIODS.items()},
                "PLATEWARD_RETENTION__RUN_EVERY_HOURS": "0",
            }  # fmt: skip
            plateward = [sys.executable, "-m", "plateward"]
            key = bench_camera(url)
            port = free_port()
            server = subprocess.Popen([*plateward, "serve", "--port", str(port)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(f"{base}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            try:
                with Ingest(base, key) as ingest:
                    t0 = time.perf_counter()
                    time.sleep(args.before_s)
                    server_cpu = cpu_seconds(server.pid)
                    t1 = time.perf_counter()
                    run = subprocess.run(
                        [*plateward, "retention", "run", "--as-of", as_of.isoformat(), "--json",
                         "--token", made["token"]],
                        env=env, capture_output=True, text=True, check=False,
                    )  # fmt: skip
                    t2 = time.perf_counter()
                    server_cpu = cpu_seconds(server.pid) - server_cpu
                    time.sleep(args.after_s)
                    t3 = time.perf_counter()
                if run.returncode != 0:
                    raise SystemExit(f"retention run failed: {run.stderr}")
                record = json.loads(run.stdout)
                before, during, after = (
                    ingest.figures(t0 + 5, t1),
                    ingest.figures(t1, t2),
                    ingest.figures(t2, t3),
                )
            finally:
                server.terminate()
                server.wait(60)
            with engine.connect() as connection:
                left = connection.execute(text("SELECT count(*) FROM reads")).scalar_one()
            engine.dispose()
        finally:
            drop()
    destroyed = {d["class"]: d for d in record["destroyed"]}
    lines = [
        (
            f"- {total:,} reads over {args.months} months ({args.images:,} with an image file),"
            f" {made['alerts']:,} with a hot list hit, {made['held']} on hold; made by set-based"
            f" SQL in {made['seconds'] / 60:.0f} min"
        ),
        (
            f"- The run: {t2 - t1:.0f} s, as of {as_of:%Y-%m-%d} (reads 300 days, hits 365);"
            f" destroyed {destroyed['reads']['removed']:,} reads without a hit and"
            f" {destroyed['hit_reads']['removed']:,} with one, {destroyed['reads']['months_emptied']}"
            f" months emptied whole, {destroyed['images']['files_removed']:,} image files;"
            f" {left:,} reads left (ingest's included)"
        ),
        "",
        (
            "| ingest (2 clients, 500-read batches) | reads/s median | reads/s mean"
            " | batch p50 ms | batch p95 ms | slowest batch ms |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for name, figures in (("before the run", before), ("during the run", during),
                          ("after the run", after)):  # fmt: skip
        lines.append(
            f"| {name} | {figures['reads_per_s']:,.0f} | {figures['reads_per_s_mean']:,.0f}"
            f" | {figures['batch_ms_p50']:.0f} | {figures['batch_ms_p95']:.0f}"
            f" | {figures['slowest_batch_ms']:.0f} |"
        )
    lines.append("")
    lines.append(f"- The server process used {server_cpu:.0f} CPU s during the run's"
                 f" {t2 - t1:.0f} s; load average at the end {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("\n".join(lines))
    if args.docs:
        replace_section(
            "bench/retention.py",
            [
                (
                    "## Retention: destroying half of a PostgreSQL database under ingest"
                    " (bench/retention.py)"
                ),
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/retention.py {' '.join(sys.argv[1:])}`",
                f"- Machine: {machine_description()}",
                *lines,
            ],
        )


if __name__ == "__main__":
    main()
