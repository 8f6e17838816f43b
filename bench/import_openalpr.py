"""Importing OpenALPR alpr_group records: reads per second and memory, on a fresh database.

    python bench/import_openalpr.py [--records 1000000] [--db postgresql sqlite] [--workers N]
                                    [--docs]

Writes ``--records`` agent groups as JSON lines (the shape of the agent's webhook, with
candidates, vehicle attributes and a travel direction, no images), about 1.4 KB each, then
runs ``plateward import openalpr`` on them as its own process against a fresh database and
reports the reads stored per second, the CPU the importer, its workers and PostgreSQL spent
per read, and their peak memory: the most anonymous memory (``RssAnon``) the importer and its
workers held together, sampled every 50 ms, and their peak resident sets. Plates repeat the way
a county's traffic does (a fifth of the groups are new plates). PostgreSQL needs
PLATEWARD_TEST_POSTGRES (a server URL whose user may create databases). ``--docs`` writes
the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.docs_section import machine_description, replace_section, server_settings

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
AGENT = "BenchAgent0001"
CAMERAS = 8
START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def plate(rng: random.Random) -> str:
    return (
        str(rng.randint(1, 9))
        + "".join(rng.choice(LETTERS) for _ in range(3))
        + f"{rng.randint(0, 999):03d}"
    )


def write_groups(path: Path, count: int) -> int:
    """``count`` groups as JSON lines, 2 s apart on 8 cameras of one agent; returns bytes."""
    rng = random.Random(13)
    known: list[str] = []
    agent = AGENT
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            if known and rng.random() > 0.2:
                text = rng.choice(known)
            else:
                text = plate(rng)
                if len(known) < 200_000:
                    known.append(text)
            epoch = int((START + dt.timedelta(seconds=2 * n)).timestamp() * 1000)
            camera = 1000 + n % CAMERAS
            best = f"{agent}-{camera}-{epoch + 800}"
            confidence = round(rng.uniform(80, 97), 3)
            group = {
                "version": 2, "data_type": "alpr_group", "epoch_start": epoch,
                "epoch_end": epoch + 1900, "frame_start": n * 30, "frame_end": n * 30 + 29,
                "company_id": "0c2b8d6e-1a3f-4b5c-9d7e-2f6a8b0c1d3e", "agent_uid": agent,
                "agent_version": "2.8.101", "agent_type": "alprd", "camera_id": camera,
                "gps_latitude": 38.5 + (camera % 8) * 0.01, "gps_longitude": -121.5,
                "country": "us", "uuids": [f"{agent}-{camera}-{epoch}", best],
                "plate_indexes": [0, 0],
                "candidates": [
                    {"plate": text, "confidence": confidence, "matches_template": 1},
                    {"plate": text[:-1] + "8", "confidence": confidence - 9, "matches_template": 1},
                    {"plate": text[1:], "confidence": confidence - 14, "matches_template": 0},
                ],
                "best_plate": {
                    "plate": text, "confidence": confidence, "matches_template": 1,
                    "plate_index": 0, "region": "us-ca", "region_confidence": 88,
                    "coordinates": [{"x": 306, "y": 351}, {"x": 476, "y": 351},
                                    {"x": 476, "y": 384}, {"x": 306, "y": 384}],
                },
                "best_confidence": confidence, "best_plate_number": text, "best_region": "us-ca",
                "best_region_confidence": 88.0, "matches_template": True, "best_uuid": best,
                "best_uuid_epoch_ms": epoch + 800, "best_image_width": 1920,
                "best_image_height": 1080, "travel_direction": rng.choice([2.0, 181.5, 95.0]),
                "is_parked": False, "is_preview": False,
                "vehicle": {
                    "color": [{"name": rng.choice(["white", "black", "silver-gray"]),
                               "confidence": 80.0}],
                    "make": [{"name": rng.choice(["toyota", "ford", "honda"]), "confidence": 70.0}],
                    "make_model": [{"name": "toyota_camry", "confidence": 40.0}],
                    "body_type": [{"name": "sedan-standard", "confidence": 90.0}],
                },
                "web_server_config": {"camera_label": f"cam {camera}", "agent_label": "bench"},
            }  # fmt: skip
            out.write(json.dumps(group, separators=(",", ":")) + "\n")
    return path.stat().st_size


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def backends(database: str | None) -> dict[int, tuple[str, float]]:
    """CPU seconds so far of the PostgreSQL processes working on ``database``: the import's
    backend, and autovacuum workers (which the import's inserts set off)."""
    if database is None:
        return {}
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if f" {database}" in command and command.startswith("postgres:"):
                    role = "autovacuum" if "autovacuum" in command else "backend"
                    found[int(entry.name)] = (role, cpu_seconds(int(entry.name)))
            except (OSError, UnicodeDecodeError, ValueError):
                continue
    return found


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


class Memory:
    """The peak ``RssAnon`` and ``VmHWM`` of the importer and its worker processes, sampled
    from /proc while it runs, and the CPU time they and their database's PostgreSQL backends
    used: the machine is shared, so CPU per read says what the import costs whatever else runs
    beside it. The workers' memory is summed with the importer's: pages they still share
    since the fork are counted in each, so the sum is an upper bound."""

    def __init__(self, pid: int, database: str | None) -> None:
        self.pid = pid
        self.database = database
        self.anon_kib = 0
        self.rss_kib = 0
        self.cpu_s = 0.0
        self.workers_cpu: dict[int, float] = {}
        self.workers_seen = 0
        self.postgres: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        ticks = 0
        while not self._stop.wait(0.05):
            ticks += 1
            try:
                anon = rss = 0
                workers = children(self.pid)
                for pid in (self.pid, *workers):
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("RssAnon:"):
                            anon += int(line.split()[1])
                        elif line.startswith("VmHWM:"):
                            rss += int(line.split()[1])
                self.anon_kib = max(self.anon_kib, anon)
                self.rss_kib = max(self.rss_kib, rss)
                self.cpu_s = cpu_seconds(self.pid)
                for pid in workers:
                    self.workers_cpu[pid] = cpu_seconds(pid)
                self.workers_seen = max(self.workers_seen, len(workers))
                if ticks % 20 == 0:  # scanning every process is costly: once a second
                    self.postgres.update(backends(self.database))
            except (OSError, ValueError):
                if not Path(f"/proc/{self.pid}").exists():
                    return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def database_url(kind: str, folder: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    server = os.environ.get("PLATEWARD_TEST_POSTGRES")
    if not server:
        raise SystemExit("set PLATEWARD_TEST_POSTGRES to benchmark PostgreSQL")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"plateward_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False), name


def drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = os.environ["PLATEWARD_TEST_POSTGRES"]
    admin = make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _setup(url: str) -> str:
    """The bench's agency, cameras and importing administrator, made in the database directly
    (the console would need an administrator's token); returns that administrator's token."""
    from plateward.access.users import add_user, issue_token
    from plateward.store.cameras import add_camera, ensure_agency
    from plateward.store.database import open_database
    from plateward.store.migrate import upgrade

    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench county")
        for k in range(CAMERAS):
            add_camera(connection, agency_id=agency, code=f"BENCH-{k}", name=f"camera {k}",
                       latitude=38.5, longitude=-121.5)  # fmt: skip
        admin = add_user(connection, username="bench-admin", full_name="Bench", role="administrator",
                         agency_id=agency, password="granite harbor lantern 47")  # fmt: skip
        token = issue_token(connection, admin.id, "bench")
    engine.dispose()
    return token


def run(kind: str, data: Path, folder: Path, workers: int | None) -> dict[str, float]:
    url, pg_name = database_url(kind, folder)
    env = {**os.environ, "PLATEWARD_DB": url, "PLATEWARD_DATA_DIR": str(folder / "data")}
    plateward = [sys.executable, "-m", "plateward"]
    try:
        env["PLATEWARD_TOKEN"] = _setup(url)
        camera_map = folder / "cameras.csv"
        camera_map.write_text(
            "".join(f"{AGENT}:{1000 + k},BENCH-{k}\n" for k in range(CAMERAS)), encoding="utf-8"
        )
        began = time.perf_counter()
        process = subprocess.Popen(
            [*plateward, "import", "openalpr", str(data), "--camera-map", str(camera_map),
             *([] if workers is None else ["--workers", str(workers)])],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        memory = Memory(process.pid, pg_name)
        out, err = process.communicate()
        elapsed = time.perf_counter() - began
        memory.stop()
        if process.returncode != 0:
            raise SystemExit(f"import failed: {err.strip()}")
        print(out.strip())
        stored = int(re.search(r"(\d+) read\(s\) stored", out).group(1))  # type: ignore[union-attr]
    finally:
        if pg_name:
            drop_database(pg_name)
    return {
        "reads": float(stored),
        "seconds": elapsed,
        "reads_per_s": stored / elapsed,
        "anon_mib": memory.anon_kib / 1024,
        "rss_mib": memory.rss_kib / 1024,
        "importer_us": memory.cpu_s / stored * 1e6,
        "workers": float(memory.workers_seen),
        "workers_us": sum(memory.workers_cpu.values()) / stored * 1e6,
        "postgres_us": sum(s for r, s in memory.postgres.values() if r == "backend") / stored * 1e6,
        "autovacuum_us": sum(s for r, s in memory.postgres.values() if r != "backend")
        / stored
        * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), nargs="+", default=["postgresql"])
    parser.add_argument("--workers", type=int, help="the import's --workers (else its default)")
    parser.add_argument("--docs", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "groups.jsonl"
        size = write_groups(data, args.records)
        print(f"{args.records} groups, {size / 1024**2:.1f} MiB")
        results = []
        for kind in args.db:
            result = run(kind, data, folder, args.workers)
            results.append((kind, result))
            print(
                f"{kind}: {result['reads']:.0f} reads in {result['seconds']:.1f} s ="
                f" {result['reads_per_s']:,.0f} reads/s; peak own memory"
                f" {result['anon_mib']:.1f} MiB, peak RSS {result['rss_mib']:.1f} MiB; CPU per"
                f" read: importer {result['importer_us']:.0f} us,"
                f" {result['workers']:.0f} worker(s) {result['workers_us']:.0f} us, PostgreSQL backend"
                f" {result['postgres_us']:.0f} us, autovacuum {result['autovacuum_us']:.0f} us"
            )
    if args.docs:
        workers_text = (
            "its default workers" if args.workers is None else f"--workers {args.workers}"
        )
        lines = [
            "## Importing OpenALPR alpr_group records (bench/import_openalpr.py)",
            "",
            f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            (
                f"- Command: `python bench/import_openalpr.py --records {args.records}"
                f" --db {' '.join(args.db)} --docs`"
            ),
            f"- Machine: {machine_description()}; load average at the end {os.getloadavg()[0]:.1f}",
            f"- PostgreSQL: {server_settings(os.environ['PLATEWARD_TEST_POSTGRES'])}"
            if "postgresql" in args.db
            else "",
            (
                f"- {args.records:,} groups as JSON lines ({size / 1024**2:,.0f} MiB), one agent,"
                " 8 cameras (a --camera-map), no images; one `plateward import openalpr` process"
                f" ({workers_text}), one transaction, batches of 1,000 reads. Memory: the peak of"
                " the importer's and its workers' RssAnon summed (pages a worker still shares"
                " with the importer since the fork count twice) and of their VmHWM summed."
            ),
            "",
            (
                "| database | reads | seconds | reads/s | peak memory | peak RSS | importer CPU"
                " per read | workers | workers' CPU per read | PostgreSQL backend CPU per read"
                " | autovacuum |"
            ),
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *(
                f"| {kind} | {r['reads']:,.0f} | {r['seconds']:,.0f} | {r['reads_per_s']:,.0f}"
                f" | {r['anon_mib']:.0f} MiB | {r['rss_mib']:.0f} MiB | {r['importer_us']:.0f} us"
                f" | {r['workers']:.0f} | {r['workers_us']:.0f} us"
                f" | {r['postgres_us']:.0f} us | {r['autovacuum_us']:.0f} us |"
                for kind, r in results
            ),
        ]
        replace_section("bench/import_openalpr.py", lines)


if __name__ == "__main__":
    main()
