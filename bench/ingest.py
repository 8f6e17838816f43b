"""Ingest throughput through the real API: batches of reads posted over HTTP to `plateward serve`.

    python bench/ingest.py [--reads 100000] [--batch 500] [--clients 2] [--workers 1]
                           [--new-plates 1.0] [--db sqlite postgresql] [--hotlist 0 1000000]
                           [--repeat 3] [--pairs 40]

Starts the server as its own process (uvicorn, one worker) on a fresh database, registers a
camera, builds every batch's JSON before the clock starts (so the client's own work is only
sending), then posts them from ``--clients`` threads and reports reads stored per second,
median and p95 batch latency, and the database's size. PostgreSQL needs
PLATEWARD_TEST_POSTGRES (a server URL whose user may create databases). ``--docs`` writes the
figures into docs/benchmarks.md.

Reads come in capture order, 20 a second with up to 2 s of jitter, as a camera's queue sends
them; ids are random (UUID version 4) and positions scattered over 40 km, as from patrol cars.
``--hotlist`` loads a hot list of that many entries (1% of them patterns, from
``bench/hotlist_data.py``) before the server starts, so every batch is also matched against
it; compare with the same run without it. ``--new-plates`` is the share of reads whose plate
the database has not seen before. Each new
plate also goes into the plate index (six or seven pieces), so 1.0, the default, is the worst
case; a deployment that has run a while mostly re-reads known vehicles. The known plates are
those of ``--warm-up`` reads posted before the clock starts, spread over the year before the
timed ones so that PostgreSQL holds a year of monthly partitions. The CPU each process used
while the clock ran (server, PostgreSQL, the bench's client) is printed per batch: on two
shared cores it says which side bounds the rate.

``--pairs N`` with two ``--hotlist`` sizes measures what the list costs: both servers run at
once and the timed reads go to each in N alternating segments, so every pair of rates is taken
a moment apart (``run_paired``); separate rounds swung by +-30% on a shared host.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Self

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.cpu_split import CpuWatch, wait_until_quiet
from bench.docs_section import machine_description, replace_section

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
READ_INTERVAL_S = 0.05


def new_plate(rng: random.Random) -> str:
    return (
        str(rng.randint(1, 9))
        + "".join(rng.choice(LETTERS) for _ in range(3))
        + f"{rng.randint(0, 999):03d}"
    )


def synthetic_read(
    rng: random.Random,
    start: dt.datetime,
    number: int,
    plate: str | None = None,
    interval_s: float = READ_INTERVAL_S,
) -> dict[str, object]:
    """The ``number``-th read of the stream: cameras send reads in about the order they saw them."""
    plate = plate or new_plate(rng)
    seen = start + dt.timedelta(seconds=number * interval_s + rng.uniform(0, 2))
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "captured_at": seen.isoformat(),
        "plate": plate,
        "raw_text": plate,
        "confidence": round(rng.uniform(0.5, 1.0), 4),
        "alternatives": [{"plate": plate[:-1] + "8", "confidence": 0.02}],
        "region": "us-ca",
        "region_confidence": 0.7,
        "latitude": 38.5 + rng.uniform(-0.2, 0.2),
        "longitude": -121.5 + rng.uniform(-0.2, 0.2),
        "heading": rng.uniform(0, 359),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(kind: str, folder: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    server = os.environ.get("PLATEWARD_TEST_POSTGRES")
    if not server:
        sys.exit("set PLATEWARD_TEST_POSTGRES=postgresql://USER:PASSWORD@HOST to bench PostgreSQL")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"plateward_bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return admin.set(database=name).render_as_string(hide_password=False), name


def drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ["PLATEWARD_TEST_POSTGRES"]).set(
        drivername="postgresql+psycopg", database="postgres"
    )
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def load_hotlist(url: str, folder: Path, count: int) -> None:
    """A hot list of ``count`` entries (1% patterns) in the bench's database."""
    from bench.hotlist_data import write_csv
    from plateward.audit.actor import Actor
    from plateward.hotlist.imports import import_file
    from plateward.hotlist.lists import ListSettings, create_list
    from plateward.store.cameras import ensure_agency
    from plateward.store.database import open_database

    path = write_csv(folder / "hotlist.csv", count, count // 100)
    engine = open_database(url)
    actor = Actor("bench", "BENCH")
    with engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench")
        create_list(connection, actor, name="NCIC", source="ncic_extract", agency_id=agency,
                    settings=ListSettings())  # fmt: skip
        import_file(connection, actor, "NCIC", path)
    engine.dispose()


def settle(url: str) -> None:
    """PostgreSQL: finish the setup's own work before the clock starts.

    Loading a 1M-entry list writes a few hundred MB: without this, the timed run pays for its
    checkpoint (and the full-page images the first write to each page logs after it) and for
    autovacuum's analysis of the new table, work a deployment does once when the list loads,
    not on every batch. Both configurations are settled alike.
    """
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
        connection.execute(text("CHECKPOINT"))
    engine.dispose()


def bench_camera(url: str) -> str:
    """The bench's agency and camera, made in the database directly (the console would need an
    administrator's token); returns the camera's key."""
    from plateward.store.cameras import add_camera, ensure_agency
    from plateward.store.database import open_database
    from plateward.store.migrate import upgrade

    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench county")
        key = add_camera(connection, agency_id=agency, code="BENCH-1", name="bench camera")
    engine.dispose()
    return key


def timed_bodies(args: argparse.Namespace) -> tuple[list[dict[str, object]], list[str]]:
    """The warm-up reads and the timed batches' JSON bodies: the same for every server of a run
    (one seed), so paired servers store the very same reads."""
    rng = random.Random(42)
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    # The warm-up reads span the year before, so PostgreSQL holds a year of monthly
    # partitions, as a deployment keeping reads for a year would.
    year_ago = start - dt.timedelta(days=365)
    spread = 365 * 86400 / max(1, args.warm_up)
    warm_up = [synthetic_read(rng, year_ago, n, None, spread) for n in range(args.warm_up)]
    known = [str(read["plate"]) for read in warm_up]

    def plate() -> str | None:
        if known and rng.random() >= args.new_plates:
            return rng.choice(known)
        return None

    numbers = iter(range(args.reads))
    bodies = [
        json.dumps(
            {
                "reads": [
                    synthetic_read(rng, start, next(numbers), plate()) for _ in range(args.batch)
                ]
            }
        )
        for _ in range(args.reads // args.batch)
    ]
    return warm_up, bodies


class BenchServer:
    """``plateward serve`` on a fresh database of its own, with its camera, its hot list and
    the warm-up reads stored; ``post`` times a run of batches against it."""

    def __init__(self, args: argparse.Namespace, warm_up: list[dict[str, object]]) -> None:
        self.args = args
        self.warm_up = warm_up
        self._tmp = tempfile.TemporaryDirectory()
        self.pg_name: str | None = None
        self.server: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _start(self) -> None:
        args = self.args
        folder = Path(self._tmp.name)
        url, self.pg_name = database_url(args.db, folder)
        env = {**os.environ, "PLATEWARD_DB": url, "PLATEWARD_DATA_DIR": str(folder)}
        key = bench_camera(url)
        if args.hotlist:
            load_hotlist(url, folder, args.hotlist)
        port = free_port()
        self.server = subprocess.Popen(
            [sys.executable, "-m", "plateward", "serve", "--port", str(port),
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60 + args.hotlist / 5000  # a big list loads first
        while True:
            try:
                httpx.get(f"{self.base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise SystemExit("server did not start") from None
                time.sleep(0.2)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        for k in range(0, len(self.warm_up), args.batch):
            body = json.dumps({"reads": self.warm_up[k : k + args.batch]})
            httpx.post(
                f"{self.base}/api/v1/reads", content=body, headers=self.headers, timeout=60
            ).raise_for_status()
        settle(url)

    def close(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(30)
            self.server = None
        if self.pg_name:
            drop_database(self.pg_name)
            self.pg_name = None
        self._tmp.cleanup()

    def post(self, bodies: list[str]) -> dict[str, float]:
        """Posts the batches from ``--clients`` threads; reads/s, latencies, CPU per batch."""
        assert self.server is not None
        latencies: list[float] = []
        stored = 0
        alerts = 0
        lock = threading.Lock()
        queue = list(reversed(bodies))

        def client() -> None:
            nonlocal stored, alerts
            with httpx.Client(base_url=self.base, headers=self.headers, timeout=60) as http:
                while True:
                    with lock:
                        if not queue:
                            return
                        body = queue.pop()
                    t0 = time.perf_counter()
                    response = http.post("/api/v1/reads", content=body)
                    response.raise_for_status()
                    with lock:
                        latencies.append(time.perf_counter() - t0)
                        stored += response.json()["stored"]
                        alerts += response.json()["alerts"]

        began = time.perf_counter()
        with CpuWatch(self.server.pid) as watch:
            threads = [threading.Thread(target=client) for _ in range(self.args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        elapsed = time.perf_counter() - began
        cpu = watch.split()
        latencies.sort()
        per_batch = {f"cpu_ms {k}": v * 1000 / len(bodies) for k, v in cpu.items()}
        return {
            "reads": float(stored),
            "alerts": float(alerts),
            "seconds": elapsed,
            "reads_per_s": stored / elapsed,
            "batch_ms_median": statistics.median(latencies) * 1000,
            "batch_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
            **per_batch,
        }


def run(args: argparse.Namespace) -> dict[str, float]:
    warm_up, bodies = timed_bodies(args)
    with BenchServer(args, warm_up) as server:
        return server.post(bodies)


def run_paired(args: argparse.Namespace, sizes: list[int]) -> list[dict[int, dict[str, float]]]:
    """Two servers side by side, one per hot list size, fed the same reads in alternating
    segments: each segment's pair of rates is taken a moment apart, on one host in one state.

    Separate rounds (``--repeat``) each load their own database and list, minutes apart, and
    on a shared two-core host their rates swung by +-30% from one round to the next, more
    than the difference to measure. The order within a pair alternates (ABBA), so a host that
    speeds up or slows down over the run weighs on both servers alike.
    """
    warm_up, bodies = timed_bodies(args)
    size = max(1, len(bodies) // args.pairs)
    segments = [bodies[k : k + size] for k in range(0, len(bodies), size)]
    results: list[dict[int, dict[str, float]]] = []
    with contextlib.ExitStack() as stack:
        servers = {
            entries: stack.enter_context(
                BenchServer(argparse.Namespace(**{**vars(args), "hotlist": entries}), warm_up)
            )
            for entries in sizes
        }
        for number, segment in enumerate(segments):
            order = sizes if number % 2 == 0 else list(reversed(sizes))
            pair = {}
            for entries in order:
                wait_until_quiet()
                pair[entries] = servers[entries].post(segment)
            results.append(pair)
            print(args.db, f"segment {number + 1}/{len(segments)}",
                  *(f"hot list {e:,}: {pair[e]['reads_per_s']:,.0f} reads/s" for e in sizes),
                  flush=True)  # fmt: skip
    return results


def _row(kind: str, share: float, entries: int, results: list[dict[str, float]]) -> str:
    def median(key: str) -> float:
        return statistics.median(r.get(key, 0.0) for r in results)

    database_cpu = statistics.median(
        sum(v for k, v in r.items() if k.startswith("cpu_ms postgres")) for r in results
    )
    rates = ", ".join(f"{r['reads_per_s']:,.0f}" for r in results)
    return (
        f"| {kind} | {share:.0%} | {entries:,} | {median('reads'):.0f} | {median('alerts'):,.0f} |"
        f" {median('reads_per_s'):,.0f} | {rates} | {median('batch_ms_median'):.0f} |"
        f" {median('batch_ms_p95'):.0f} | {median('cpu_ms server'):.0f} | {database_cpu:.0f} |"
    )


def _paired_row(kind: str, share: float, sizes: list[int],
                segments: list[dict[int, dict[str, float]]]) -> str:  # fmt: skip
    without, with_list = sizes

    def total_rate(entries: int) -> float:
        reads = sum(s[entries]["reads"] for s in segments)
        return reads / sum(s[entries]["seconds"] for s in segments)

    def cpu(entries: int, prefix: str) -> float:
        return statistics.median(
            sum(v for k, v in s[entries].items() if k.startswith(prefix)) for s in segments
        )

    changes = sorted(s[with_list]["reads_per_s"] / s[without]["reads_per_s"] - 1 for s in segments)
    q1, median, q3 = statistics.quantiles(changes, n=4) if len(changes) > 1 else changes * 3
    alerts = sum(s[with_list]["alerts"] for s in segments)
    return (
        f"| {kind} | {share:.0%} | {len(segments)} | {sum(s[without]['reads'] for s in segments):,.0f}"
        f" | {without:,} / {with_list:,} | {total_rate(without):,.0f} | {total_rate(with_list):,.0f}"
        f" | {total_rate(with_list) / total_rate(without) - 1:+.1%} | {median:+.1%}"
        f" | {q1:+.1%} to {q3:+.1%} | {alerts:,.0f}"
        f" | {cpu(without, 'cpu_ms server'):.0f} / {cpu(with_list, 'cpu_ms server'):.0f}"
        f" | {cpu(without, 'cpu_ms postgres'):.0f} / {cpu(with_list, 'cpu_ms postgres'):.0f} |"
    )


def main_paired(args: argparse.Namespace) -> None:
    sizes = list(args.hotlist)
    rows = []
    for share in args.new_plates:
        for kind in args.db:
            config = argparse.Namespace(**{**vars(args), "db": kind, "new_plates": share})
            rows.append(_paired_row(kind, share, sizes, run_paired(config, sizes)))
            print(rows[-1], flush=True)
    if args.docs:
        load = os.getloadavg()[0]
        replace_section(
            "bench/ingest.py --pairs",
            [
                "## Hot list matching's cost to ingest, paired (bench/ingest.py --pairs)",
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/ingest.py {' '.join(sys.argv[1:])}`",
                f"- Machine: {machine_description()}; load average at the end {load:.1f}",
                (
                    "- Two servers run side by side on databases of their own, one without a hot"
                    " list and one matching every batch against the list; both store the same"
                    f" {args.warm_up:,} warm-up reads, then the same timed reads, split into"
                    " segments that go to one server and then the other (the order alternating"
                    " from segment to segment), each once the machine is quiet, so each pair of"
                    " rates is taken a moment apart."
                    ' "Change": the rate with the list against the rate without it, over the'
                    ' whole run; "median segment" and "middle half": the same per segment pair.'
                    " CPU columns: median milliseconds of CPU per batch in a segment, without /"
                    " with the list. Other settings as in the section above."
                ),
                "",
                (
                    "| database | new plates | segments | reads each | hot list entries"
                    " | reads/s without | reads/s with | change | median segment | middle half"
                    " | alerts | server CPU ms | PostgreSQL CPU ms |"
                ),
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
                *rows,
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--new-plates", type=float, nargs="+", default=[1.0],
                        help="shares of reads whose plate is not yet stored, one run each")  # fmt: skip
    parser.add_argument("--warm-up", type=int, default=10_000,
                        help="reads stored before timing; their plates are the known ones")  # fmt: skip
    parser.add_argument("--db", choices=("sqlite", "postgresql"), nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--hotlist", type=int, nargs="+", default=[0],
                        help="hot list entries every batch is matched against, one run each")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every configuration; figures are their medians")  # fmt: skip
    parser.add_argument("--pairs", type=int, default=0,
                        help="with two --hotlist sizes: run both servers at once and post the "
                             "reads to each in this many alternating segments")  # fmt: skip
    parser.add_argument("--docs", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    if args.pairs:
        if len(args.hotlist) != 2:
            parser.error("--pairs compares two hot list sizes: give --hotlist A B")
        main_paired(args)
        return
    rows = []
    for share in args.new_plates:
        for kind in args.db:
            # Rounds go through every hot list size in turn, so a host that slows down part way
            # weighs on each configuration alike; each figure is the median of the rounds.
            runs: dict[int, list[dict[str, float]]] = {entries: [] for entries in args.hotlist}
            for _ in range(args.repeat):
                for entries in args.hotlist:
                    result = run(argparse.Namespace(
                        **{**vars(args), "db": kind, "new_plates": share, "hotlist": entries}))  # fmt: skip
                    runs[entries].append(result)
                    figures = json.dumps({k: round(v, 1) for k, v in result.items()})
                    print(kind, f"new plates {share:.0%}", f"hot list {entries:,}", figures,
                          flush=True)  # fmt: skip
            for entries, results in runs.items():
                rows.append(_row(kind, share, entries, results))
    if args.docs:
        load = os.getloadavg()[0]
        replace_section(
            "bench/ingest.py",
            [
                "## Ingest through the API (bench/ingest.py)",
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/ingest.py {' '.join(sys.argv[1:])}`",
                f"- Machine: {machine_description()}; load average at the end {load:.1f}",
                (
                    f"- {args.clients} client threads in the bench process, batches of {args.batch}"
                    f" reads without images, the server {args.workers} uvicorn process(es) on the same machine;"
                    f" {args.warm_up:,} reads spread over the year before stored first, untimed"
                    ' (on PostgreSQL, 13 monthly partitions). "New plates" is the share of the'
                    " timed reads whose plate was not yet stored (each also goes into the plate"
                    " index); the rest carry a plate of the warm-up reads. Reads come in capture"
                    ' order with random (version 4) ids. "Hot list entries": the size of the'
                    ' hot list (1% patterns) every batch was also matched against; "alerts": the'
                    " alerts those reads raised. Each figure is the median of"
                    f' {args.repeat} round(s), run in turn with every list size; "each round"'
                    " gives every round's rate."
                ),
                "",
                (
                    "CPU columns: milliseconds of CPU per 500-read batch while the clock ran, used by"
                    " the server process and by PostgreSQL's processes (bench/cpu_split.py); SQLite"
                    " runs inside the server."
                ),
                "",
                (
                    "| database | new plates | hot list entries | reads | alerts | reads/s"
                    " | each round | batch p50 ms | batch p95 ms | server CPU ms"
                    " | PostgreSQL CPU ms |"
                ),
                "|---|---|---|---|---|---|---|---|---|---|---|",
                *rows,
            ],
        )


if __name__ == "__main__":
    main()
