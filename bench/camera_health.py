"""What the server's camera check costs on millions of reads, SQLite and PostgreSQL.

    python bench/camera_health.py [--sizes 1000000,10000000] [--db sqlite postgresql] [--runs 10]

Each size gets bench/search.py's synthetic database (400 cameras: 300 fixed sites and 100
patrol cars, 90 days of reads with a daytime peak), loaded the same way. The check is then
timed as the server runs it: ``camera_health`` for every camera as of the afternoon of the
last day (each camera's last read, the reads of the last 3 hours, and the same 3 hours on each
of the 14 days before), and ``run_check`` once, which also writes the notices. Medians over
``--runs`` runs after one warm-up, written to docs/benchmarks.md with ``--docs``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.docs_section import machine_description, replace_section
from bench.search import DAYS, START, load, new_database
from plateward.governance.health.checks import camera_health, run_check
from plateward.settings import CameraHealthSettings
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

AS_OF = START + dt.timedelta(days=DAYS - 1, hours=16)
"""The last day's afternoon: the synthetic traffic peaks at 14:00 UTC."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args()
    settings = CameraHealthSettings()
    table: list[str] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("PLATEWARD_BENCH_TMP")) as tmp:
        for kind in args.db:
            for size in [int(s) for s in args.sizes.split(",")]:
                url, drop = new_database(kind, Path(tmp))
                try:
                    engine = open_database(url)
                    upgrade(engine)
                    seconds = load(engine, size)
                    print(f"{kind} {size:,} reads loaded in {seconds:.0f} s", flush=True)
                    samples = []
                    for run in range(args.runs + 1):
                        began = time.perf_counter()
                        with engine.connect() as connection:
                            found = camera_health(connection, settings, AS_OF)
                        if run:
                            samples.append((time.perf_counter() - began) * 1000)
                    began = time.perf_counter()
                    with engine.begin() as connection:
                        result = run_check(connection, settings, AS_OF)
                    check_ms = (time.perf_counter() - began) * 1000
                    problems = sum(1 for h in found if h.problems)
                    line = (
                        f"| {kind} | {size:,} | {len(found)} | {statistics.median(samples):.0f}"
                        f" | {max(samples):.0f} | {check_ms:.0f} | {len(result.raised)} |"
                    )
                    print(line, f"({problems} cameras with a problem)", flush=True)
                    table.append(line)
                    engine.dispose()
                finally:
                    drop()
    if args.docs:
        replace_section(
            "bench/camera_health.py",
            [
                "## Camera health check (bench/camera_health.py)",
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/camera_health.py {' '.join(sys.argv[1:])}`",
                (
                    f"- Machine: {machine_description()}, shared with other work; load average"
                    f" at the end {os.getloadavg()[0]:.1f}"
                ),
                (
                    f"- bench/search.py's synthetic reads; the check as of {AS_OF:%Y-%m-%d %H:%M}"
                    f" UTC with the default settings; median and slowest of {args.runs} runs of"
                    " `camera_health` after a warm-up, then one `run_check`, which also"
                    " writes the notices it raises"
                ),
                "",
                (
                    "| database | reads | cameras | camera_health p50 ms | slowest ms |"
                    " run_check ms | notices raised |"
                ),
                "|---|---|---|---|---|---|---|",
                *table,
            ],
        )


if __name__ == "__main__":
    main()
