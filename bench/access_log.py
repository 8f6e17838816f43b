"""What the tamper-evident access log costs: one entry per inquiry, and verifying it whole.

    python bench/access_log.py [--entries 200000] [--db sqlite postgresql] [--samples 2000] [--docs]

Every search, view and export writes one entry in its own transaction, and each entry is a leaf
of the log's Merkle tree (``audit/log.py``, ``audit/tree.py``): the leaf, and every subtree it
completes, are rows too. The log is first filled to ``--entries`` entries in large
transactions (fast, and not what is timed); then ``--samples`` entries are appended one
transaction each, as inquiries append them, and timed; then ``verify_log`` walks the whole log
against one signed checkpoint's worth of heads (none: it recomputes every leaf and the root).
Medians and p95 in milliseconds; ``--docs`` writes them to docs/benchmarks.md.
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
from bench.search import new_database
from plateward.audit.log import Entry, append
from plateward.audit.verify import verify_log
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

FILL_BATCH = 5000


def entry(number: int) -> Entry:
    """A search as the API logs it: who, what, why, how many."""
    return Entry(
        username=f"deputy{number % 50}", agency="CCSO", action="search.plate",
        query={"plate": f"7ABC{number % 1000:03d}", "limit": 1000}, case_number="26-004211",
        reason="stolen vehicle follow-up", result_count=number % 7, client_address="10.0.0.5",
    )  # fmt: skip


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args()
    table: list[str] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("PLATEWARD_BENCH_TMP")) as tmp:
        for kind in args.db:
            url, drop = new_database(kind, Path(tmp))
            try:
                engine = open_database(url)
                upgrade(engine)
                began = time.perf_counter()
                for start in range(0, args.entries, FILL_BATCH):
                    with engine.begin() as connection:
                        for number in range(start, min(start + FILL_BATCH, args.entries)):
                            append(connection, entry(number))
                fill_s = time.perf_counter() - began
                print(f"{kind}: {args.entries:,} entries in {fill_s:.0f} s", flush=True)
                appends = []
                for number in range(args.samples):
                    began = time.perf_counter()
                    with engine.begin() as connection:
                        append(connection, entry(number))
                    appends.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                with engine.connect() as connection:
                    report = verify_log(connection)
                verify_s = time.perf_counter() - began
                assert report.intact, report.problems
                line = (
                    f"| {kind} | {report.entries:,} | {statistics.median(appends):.2f}"
                    f" | {p95(appends):.2f} | {fill_s / args.entries * 1e6:.0f}"
                    f" | {verify_s:.1f} |"
                )
                print(line, flush=True)
                table.append(line)
                engine.dispose()
            finally:
                drop()
    if args.docs:
        replace_section(
            "bench/access_log.py",
            [
                "## The access log's cost (bench/access_log.py)",
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/access_log.py {' '.join(sys.argv[1:])}`",
                (
                    f"- Machine: {machine_description()}; load average at the end"
                    f" {os.getloadavg()[0]:.1f}"
                ),
                (
                    f"- The log filled to {args.entries:,} entries, then {args.samples:,} more"
                    " appended one transaction each, as inquiries append them (an entry is a"
                    " leaf of the Merkle tree, with the subtrees it completes); then"
                    " `verify_log` over the whole log (every leaf recomputed, the stored tree"
                    " checked against them)"
                ),
                "",
                (
                    "| database | entries verified | append p50 ms | append p95 ms |"
                    " fill us/entry (batched) | verify s |"
                ),
                "|---|---|---|---|---|---|",
                *table,
            ],
        )


if __name__ == "__main__":
    main()
