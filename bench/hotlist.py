"""Hot lists and alerts: matching rate, importing a million-line list, alert latency.

    python bench/hotlist.py match   [--entries 1000000] [--patterns 10000] [--reads 200000]
    python bench/hotlist.py import  [--entries 1000000] [--db sqlite postgresql]
    python bench/hotlist.py latency [--rate 1000] [--seconds 60] [--db sqlite postgresql]
    add --docs to write the figures into docs/benchmarks.md

``match`` builds the server's matcher (``plateward/hotlist/matcher.py``) from the synthetic
list of ``bench/hotlist_data.py`` and matches reads with two alternatives each on one thread:
reads per second on one core, with the lists strict and then tolerant of look-alikes.

``import`` imports a CSV of that list into a fresh database through ``import_file`` in a child
process and reports the wall time and the child's peak memory (its maximum resident set);
then imports it again replacing the list with 1% of the lines changed.

``latency`` serves a real server (``plateward serve``) whose hot list holds 10,000 plates,
opens a live alert stream, and posts reads at ``--rate`` reads per second in batches of 50,
1% of them on the list. Each alert's latency is from the moment its batch was sent to the
moment its event arrived at the stream client. PostgreSQL needs PLATEWARD_TEST_POSTGRES.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.docs_section import machine_description, replace_section
from bench.hotlist_data import entries, plate, write_csv
from bench.ingest import bench_camera, database_url, drop_database, free_port


def bench_match(args: argparse.Namespace) -> list[str]:
    from plateward.hotlist.matcher import ListRule, Matcher, ReadToMatch, Watch

    rng = random.Random(11)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    matcher = Matcher([ListRule(1, 1), ListRule(2, 1)])
    for entry_id, (text, _) in enumerate(entries(args.entries, args.patterns), 1):
        pattern = "*" in text or "?" in text
        matcher.put(Watch(entry_id, 2 if pattern else 1, text, None if pattern else "CA", None,
                          None))  # fmt: skip
    built_s = time.perf_counter() - started
    rss_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    reads = [
        ReadToMatch(plate(rng), [plate(rng), plate(rng)], "us-ca", 0.9, 1)
        for _ in range(args.reads)
    ]
    now = time.time()
    rows = []
    for label, tolerant in (("strict", False), ("tolerant of look-alikes (1 swap)", True)):
        matcher.set_list(ListRule(1, 1, tolerant=tolerant))
        rates, hits = [], 0
        for _ in range(3):
            t0 = time.perf_counter()
            hits = sum(len(matcher.match(read, now)) for read in reads)
            rates.append(len(reads) / (time.perf_counter() - t0))
        rate = statistics.median(rates)
        print(f"match {label}: {rate:,.0f} reads/s (median of 3), {hits} matches", flush=True)
        screened, passed = screen_rate(matcher, reads, now)
        print(f"screen then match {label}: {screened:,.0f} reads/s, {passed:.4f} passed",
              flush=True)  # fmt: skip
        rows.append(f"| {label} | {rate:,.0f} | {screened:,.0f} | {passed:.4f} |"
                    f" {hits / len(reads):.4f} |")  # fmt: skip
    print(f"built in {built_s:.1f} s, +{rss_mb:.0f} MB resident", flush=True)
    summary = (
        f"Matcher: {args.entries:,} entries ({args.patterns:,} of them patterns), {args.reads:,}"
        f" reads with two alternatives each, one thread; built in {built_s:.1f} s,"
        f" +{rss_mb:.0f} MB resident."
    )
    return [
        summary,
        "",
        (
            "| lists | match: reads/s on one core | screen then match: reads/s | share passing"
            " the screen | matches per read |"
        ),
        "|---|---|---|---|---|",
        *rows,
    ]


def screen_rate(
    matcher: Any, reads: list[Any], now: float, batch: int = 500
) -> tuple[float, float]:
    """The server's path (``alert/raising.py``): each batch screened with ``worth_matching``,
    then only the reads that pass matched one by one. Reads/s (median of 3) and the share
    of reads that passed the screen."""
    batches = [reads[k : k + batch] for k in range(0, len(reads), batch)]
    rates, passed = [], 0
    for _ in range(3):
        passed = 0
        t0 = time.perf_counter()
        for group in batches:
            worth = matcher.worth_matching([r.plate for r in group],
                                           [r.alternatives for r in group])  # fmt: skip
            passed += len(worth)
            for i in worth:
                matcher.match(group[i], now)
        rates.append(len(reads) / (time.perf_counter() - t0))
    return statistics.median(rates), passed / len(reads)


_IMPORT_CHILD = """
import resource, sys, time, datetime as dt
from pathlib import Path
from plateward.audit.actor import Actor
from plateward.hotlist.imports import import_file
from plateward.hotlist.lists import ListSettings, create_list, list_by_name
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
url, path, replace = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "replace"
engine = open_database(url)
upgrade(engine)
actor = Actor("bench", "BENCH")
with engine.begin() as connection:
    agency = ensure_agency(connection, "BENCH", "Bench")
    try:
        list_by_name(connection, "NCIC")
    except Exception:
        create_list(connection, actor, name="NCIC", source="ncic_extract", agency_id=agency,
                    settings=ListSettings())
t0 = time.perf_counter()
with engine.begin() as connection:
    report = import_file(connection, actor, "NCIC", path, replace=replace, max_rejected_share=1.0)
elapsed = time.perf_counter() - t0
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, report.added,
      report.changed, report.removed, report.unchanged, report.rejected)
"""


def bench_import(args: argparse.Namespace) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first = write_csv(folder / "ncic.csv", args.entries, args.patterns)
        second = folder / "ncic-next.csv"
        rng = random.Random(5)
        with first.open(encoding="latin-1") as source, second.open("w", encoding="latin-1") as out:
            for number, line in enumerate(source):
                if number and rng.random() < 0.01:
                    fields = line.split(",")
                    fields[6] = "WHI\r\n"  # the colour changed: a changed entry
                    line = ",".join(fields)
                out.write(line)
        for kind in args.db:
            url, pg_name = database_url(kind, folder)
            try:
                for label, path, mode in (("first import", first, "merge"),
                                          ("replace, 1% changed", second, "replace")):  # fmt: skip
                    done = subprocess.run(
                        [sys.executable, "-c", _IMPORT_CHILD, url, str(path), mode],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    seconds, peak_mb, added, changed, removed, unchanged, rejected = (
                        float(x) for x in done.stdout.split()
                    )
                    print(f"import {kind} {label}: {seconds:.1f} s, peak {peak_mb:.0f} MB,"
                          f" +{added:.0f} ~{changed:.0f} -{removed:.0f} ={unchanged:.0f}"
                          f" rejected {rejected:.0f}", flush=True)  # fmt: skip
                    rows.append(f"| {kind} | {label} | {seconds:.1f} | {peak_mb:.0f} |"
                                f" {added:.0f} / {changed:.0f} / {unchanged:.0f} |")  # fmt: skip
            finally:
                if pg_name:
                    drop_database(pg_name)
                (folder / "bench.db").unlink(missing_ok=True)
    summary = (
        f"Import: a {args.entries:,}-line CSV ({args.patterns:,} patterns) into a fresh list,"
        " then the same file with 1% of its lines changed, replacing the list; in a child"
        " process, timed around `import_file` (staging, diff, access log, commit)."
    )
    return [
        summary,
        "",
        "| database | import | seconds | peak memory MB | added / changed / unchanged |",
        "|---|---|---|---|---|",
        *rows,
    ]


def _setup_server_database(url: str, list_plates: list[str]) -> str:
    """A trained investigator (returns their API token) and a hot list holding the plates."""
    import hashlib

    from sqlalchemy import insert

    from plateward.access.training import today_utc
    from plateward.access.training_courses import list_courses
    from plateward.access.training_schema import certificates
    from plateward.access.users import add_user, issue_token
    from plateward.audit.actor import Actor
    from plateward.hotlist.imports import import_file
    from plateward.hotlist.lists import ListSettings, create_list
    from plateward.store.cameras import ensure_agency
    from plateward.store.database import open_database
    from plateward.store.migrate import upgrade

    engine = open_database(url)
    upgrade(engine)
    actor = Actor("bench", "BENCH")
    with tempfile.TemporaryDirectory() as tmp, engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench")
        person = add_user(connection, username="watcher", full_name="Watcher", role="user",
                          agency_id=agency, password="quartz meadow lantern 58")  # fmt: skip
        for course in list_courses(connection, active_only=True):
            if person.role in course.required_for:
                connection.execute(insert(certificates).values(
                    user_id=person.id, course_id=course.id, completed_on=today_utc(),
                    file_sha256=hashlib.sha256(course.code.encode()).hexdigest(),
                    file_name="c.pdf", media_type="application/pdf", size_bytes=1,
                    recorded_by="bench", recorded_at=dt.datetime.now(dt.UTC)))  # fmt: skip
        token = issue_token(connection, person.id, "bench")
        create_list(connection, actor, name="BOLO", source="agency_list", agency_id=agency,
                    settings=ListSettings())  # fmt: skip
        path = Path(tmp) / "list.csv"
        path.write_text("LIC,MKE\n" + "".join(f"{p},STOLEN VEHICLE\n" for p in list_plates))
        import_file(connection, actor, "BOLO", path)
    engine.dispose()
    return token


def bench_latency(args: argparse.Namespace) -> list[str]:
    rows = []
    for kind in args.db:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url, pg_name = database_url(kind, folder)
            rng = random.Random(3)
            listed = sorted({plate(rng) for _ in range(10_000)})
            env = {**os.environ, "PLATEWARD_DB": url, "PLATEWARD_DATA_DIR": str(folder)}
            plateward = [sys.executable, "-m", "plateward"]
            key = bench_camera(url)
            token = _setup_server_database(url, listed)
            port = free_port()
            server = subprocess.Popen([*plateward, "serve", "--port", str(port)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            try:
                rows.append(_measure_latency(args, kind, port, key, token, listed, rng))
            finally:
                server.terminate()
                server.wait(30)
                if pg_name:
                    drop_database(pg_name)
    summary = (
        f"Alert latency: reads posted at {args.rate} reads/s in batches of 50 for"
        f" {args.seconds} s, 1% of them on a 10,000-plate hot list; latency from sending the"
        " batch to the alert's event at a connected stream client (`GET /api/v1/alerts/stream`),"
        " all on this machine."
    )
    return [
        summary,
        "",
        "| database | reads/s achieved | alerts | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
        *rows,
    ]


def _measure_latency(
    args: argparse.Namespace, kind: str, port: int, key: str, token: str, listed: list[str],
    rng: random.Random,
) -> str:  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit("server did not start") from None
            time.sleep(0.2)
    arrived: dict[str, float] = {}
    ready = threading.Event()

    def watch() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(30, read=None)) as client,
                client.stream("GET", f"{base}/api/v1/alerts/stream", headers=headers) as response,
            ):
                ready.set()
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        arrived[json.loads(line[6:])["read_id"]] = time.monotonic()
        except httpx.HTTPError:
            pass  # the server stopping at the end of the run

    threading.Thread(target=watch, daemon=True).start()
    ready.wait(30)
    time.sleep(0.5)
    sent: dict[str, float] = {}
    batch_size = 50
    interval = batch_size / args.rate
    batches = int(args.seconds * args.rate / batch_size)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    started = time.monotonic()
    posted = 0
    # Batches go out on schedule from a few threads, as several cameras send at once: one
    # client waiting for each answer would slow the arrivals whenever the server is slow.
    with (
        httpx.Client(base_url=base, headers=headers, timeout=60) as http,
        ThreadPoolExecutor(4) as pool,
    ):
        for number in range(batches):
            due = started + number * interval
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            now = dt.datetime.now(dt.UTC).isoformat()
            reads, hits = [], []
            for _ in range(batch_size):
                read_id = str(uuid.uuid4())
                on_list = rng.random() < 0.01
                reads.append({"id": read_id, "captured_at": now, "confidence": 0.9,
                              "plate": rng.choice(listed) if on_list else plate(rng),
                              "latitude": 38.5, "longitude": -121.5})  # fmt: skip
                if on_list:
                    hits.append(read_id)
            t_send = time.monotonic()
            for read_id in hits:
                sent[read_id] = t_send
            body = json.dumps({"reads": reads})
            pool.submit(
                lambda body=body: http.post("/api/v1/reads", content=body).raise_for_status()
            )
            posted += batch_size
    elapsed = time.monotonic() - started
    time.sleep(3)
    latencies = sorted((arrived[r] - sent[r]) * 1000 for r in sent if r in arrived)
    missing = len(sent) - len(latencies)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"latency {kind}: {posted / elapsed:,.0f} reads/s, {len(latencies)} alerts"
          f" ({missing} missing), p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms",
          flush=True)  # fmt: skip
    return (f"| {kind} | {posted / elapsed:,.0f} | {len(latencies)} of {len(sent)} | {p50:.0f} |"
            f" {p99:.0f} | {latencies[-1]:.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("match", "import", "latency"))
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--patterns", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=200_000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--docs", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    lines: list[str] = {"match": bench_match, "import": bench_import,
                        "latency": bench_latency}[args.part](args)  # fmt: skip
    if args.docs:
        load = os.getloadavg()[0]
        replace_section(
            f"bench/hotlist.py {args.part}",
            [
                f"### Hot lists: {args.part} (bench/hotlist.py)",
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/hotlist.py {' '.join(sys.argv[1:])}`",
                f"- Machine: {machine_description()}; load average at the end {load:.1f}",
                "",
                *lines,
            ],
        )


if __name__ == "__main__":
    main()
