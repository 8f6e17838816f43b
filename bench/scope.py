"""What agency scoping costs a search: the same searches with and without an inquiry's scope.

    python bench/scope.py [--sizes 1000000] [--db sqlite postgresql] [--queries 40] [--docs]

The database is bench/search.py's (400 cameras, synthetic reads with realistic skew, loaded
as a restore would). Each search of bench/search.py then runs, on the same database and the
same arguments, four ways:

- ``none``: outside any inquiry, as bench/search.py measures it (no condition);
- ``one agency``: a scope of "everything", which a deployment whose one agency owns every
  camera gets (``sharing/visibility.py``): no condition either, only the lookup of the scope;
- ``all 400 ids``: a scope naming all 400 cameras as a condition, which returns the same reads
  as ``none``, so any difference is the condition's own cost;
- ``100 own + 100 shared``: the cameras split between four agencies; the person's agency owns
  100 and another shares 100 with it, for reads of a 60-day window: fewer reads are found.

Also printed: the time ``scope_for`` takes to work out a scope (once per inquiry).
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, text

from bench.docs_section import machine_description, replace_section
from bench.search import START, load, measure, new_database
from plateward.access.roles import Role
from plateward.access.users import User
from plateward.search.scope import Grant, Scope, scoped
from plateward.sharing.visibility import scope_for
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade


def scopes(engine: Engine) -> dict[str, Scope | None]:
    with engine.connect() as connection:
        ids = list(connection.execute(text("SELECT id FROM cameras ORDER BY id")).scalars())
    shared_from = START + dt.timedelta(days=15)
    return {
        "none": None,
        "one agency": Scope(everything=True, agency="BENCH"),
        "all 400 ids": Scope(grants=(Grant(frozenset(ids), owner="BENCH"),), agency="BENCH"),
        "100 own + 100 shared": Scope(
            grants=(
                Grant(frozenset(ids[:100]), owner="BENCH"),
                Grant(
                    frozenset(ids[100:200]),
                    shared_from,
                    shared_from + dt.timedelta(days=60),
                    agreement_id=1,
                    owner="EAST",
                ),
            ),
            agency="BENCH",
        ),
    }


def split_cameras(engine: Engine) -> None:
    """Give three quarters of the cameras to three other agencies, for ``scope_for``."""
    with engine.begin() as connection:
        for number, code in enumerate(("EAST", "WEST", "NORTH"), 1):
            agency = ensure_agency(connection, code, f"{code} police")
            connection.execute(
                text("UPDATE cameras SET agency_id = :a WHERE id > :lo AND id <= :hi"),
                {"a": agency, "lo": 100 * number, "hi": 100 * (number + 1)},
            )


def time_scope_for(engine: Engine, count: int) -> float:
    user = User(1, "bench", "Bench", Role.INVESTIGATOR, "BENCH")
    samples = []
    with engine.connect() as connection:
        for _ in range(count + 1):
            began = time.perf_counter()
            scope_for(connection, user, "search.plate")
            samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples[1:])


def scoped_measure(
    engine: Engine, queries: int, scope: Scope | None
) -> dict[str, tuple[float, float]]:
    if scope is None:
        return measure(engine, queries)
    with scoped(scope):
        return measure(engine, queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args()
    rows: list[str] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("PLATEWARD_BENCH_TMP")) as tmp:
        for kind in args.db:
            for size in (int(s) for s in args.sizes.split(",")):
                url, drop = new_database(kind, Path(tmp))
                try:
                    engine = open_database(url)
                    upgrade(engine)
                    load(engine, size)
                    found: dict[str, dict[str, tuple[float, float]]] = {}
                    # Every way twice, interleaved, the better median kept: the machine is
                    # shared, and a burst of another's work should not land on one way only.
                    for _ in range(2):
                        for name, scope in scopes(engine).items():
                            run = scoped_measure(engine, args.queries, scope)
                            for search, figures in run.items():
                                best = found.setdefault(name, {}).get(search)
                                if best is None or figures[0] < best[0]:
                                    found[name][search] = figures
                    split_cameras(engine)
                    took = time_scope_for(engine, args.queries)
                    notes.append(f"- {kind}, {size:,} reads: `scope_for` (4 agencies, one"
                                 f" agreement) took {took:.2f} ms (median)")  # fmt: skip
                    for search in found["none"]:
                        cells = " | ".join(f"{found[name][search][0]:.1f}" for name in found)
                        line = f"| {kind} | {size:,} | {search} | {cells} |"
                        rows.append(line)
                        print(line, flush=True)
                    engine.dispose()
                finally:
                    drop()
    print("\n".join(notes))
    header = [
        "| database | reads | search | none | one agency | all 400 ids | 100 own + 100 shared |",
        "|---|---|---|---|---|---|---|",
    ]
    if args.docs:
        replace_section(
            "bench/scope.py",
            [
                "## Agency scoping in searches (bench/scope.py)",
                "",
                f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                f"- Command: `python bench/scope.py {' '.join(sys.argv[1:])}`",
                (
                    f"- Machine: {machine_description()}; load average at the end"
                    f" {os.getloadavg()[0]:.1f}"
                ),
                (
                    f"- p50 ms of {args.queries} queries each (the better of two interleaved rounds),"
                    " same database and arguments for every column; see the script's docstring"
                ),
                "",
                *header,
                *rows,
                "",
                *notes,
            ],
        )
    print(json.dumps({"rows": len(rows)}))


if __name__ == "__main__":
    main()
