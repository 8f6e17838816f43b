"""The access log detects every kind of tampering, and `plateward audit verify` says where."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import delete, update

from plateward.audit.log import Entry, append
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_chain
from plateward.store.database import open_database
from plateward.store.migrate import upgrade


def logged(url: str, count: int = 5) -> None:
    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        for k in range(count):
            append(
                connection,
                Entry(
                    username=f"deputy{k}", agency="CCSO", action="search.plate",
                    query={"plate": f"7ABC12{k}"}, case_number=f"26-00{k}", result_count=k,
                ),
            )  # fmt: skip
    engine.dispose()


def verify_cli(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plateward", "audit", "verify", "--db", url],
        capture_output=True, text=True, check=False, env={**os.environ},
    )  # fmt: skip


def test_an_untouched_log_verifies(database_url: str) -> None:
    logged(database_url)
    done = verify_cli(database_url)
    assert done.returncode == 0, done.stderr
    assert "intact: 5 entries" in done.stdout


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (update(access_log).where(access_log.c.id == 3).values(result_count=0), 3),
        (update(access_log).where(access_log.c.id == 2).values(reason="routine check"), 2),
        (delete(access_log).where(access_log.c.id == 4), 4),
        (update(access_log).where(access_log.c.id == 1).values(username="someone_else"), 1),
    ],
)
def test_each_kind_of_change_is_found(database_url: str, tamper: object, first_bad: int) -> None:
    logged(database_url)
    engine = open_database(database_url)
    with engine.begin() as connection:
        connection.execute(tamper)  # type: ignore[call-overload]
        verdict = verify_chain(connection)
    engine.dispose()
    assert verdict.first_bad == first_bad
    done = verify_cli(database_url)
    assert done.returncode == 1
    assert f"broken at entry {first_bad}" in done.stderr


def test_reordering_is_found(database_url: str) -> None:
    logged(database_url)
    engine = open_database(database_url)
    with engine.begin() as connection:
        rows = {r.id: r._mapping for r in connection.execute(access_log.select())}
        # Swap entries 2 and 3 wholesale, hashes and all (parking the unique hashes first).
        for parked, number in (("x", 2), ("y", 3)):
            connection.execute(
                update(access_log).where(access_log.c.id == number).values(entry_hash=parked * 64)
            )
        for target, source in ((2, 3), (3, 2)):
            values = {k: v for k, v in rows[source].items() if k != "id"}
            connection.execute(update(access_log).where(access_log.c.id == target).values(**values))
        verdict = verify_chain(connection)
    engine.dispose()
    assert verdict.first_bad == 2
