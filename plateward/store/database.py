"""Opening the database: SQLite by default, PostgreSQL with PostGIS for real deployments.

One code path serves both. What differs is set up here (SQLite's pragmas) and in the
migrations (PostgreSQL's partitions and spatial index); queries that PostGIS can answer faster
ask ``is_postgres`` and fall back to portable SQL otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from plateward.errors import ConfigurationError
from plateward.store.private_files import touch_private_file

SQLITE_FILE = "plateward.db"


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / SQLITE_FILE}"


def open_database(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"database URL {url!r}: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # Owner-only before SQLite opens it: its -wal and -shm files take the same mode.
            touch_private_file(Path(parsed.database))
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigurationError(
            f"database URL {url!r}: only sqlite:/// and postgresql:// databases are supported"
        )
    # JIT off for every session: Plateward's statements are index probes of milliseconds, and
    # PostgreSQL compiled any whose estimated cost passed its threshold (a tolerant search's
    # plates, a pattern lookup's ranges) to machine code first: 15-135 ms per statement.
    # The URL's own options (?options=...) come after, so they can turn it back on.
    # Sessions in UTC: every time is stored and handled in UTC, and psycopg hands back times
    # in the session's zone. In a server zone such as Etc/UTC (Debian's default) or an
    # agency's local one, each time came back as another zone and was converted again for
    # every row of a thousand-read result.
    given = parsed.query.get("options", ())
    options = " ".join(
        ("-c jit=off", "-c TimeZone=UTC", *((given,) if isinstance(given, str) else given))
    )
    return create_engine(parsed, pool_pre_ping=True, connect_args={"options": options})


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def savepoint(connection: Connection) -> Iterator[None]:
    """``connection.begin_nested()``, safe on SQLite too.

    Python's sqlite3 opens its transaction only at the first INSERT, UPDATE or DELETE, so a
    SAVEPOINT taken before any write would itself be the outermost transaction, and releasing
    it would commit everything so far: a later failure could no longer roll back the step.
    The transaction is begun first if it is not yet.
    """
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")
    with connection.begin_nested():
        yield


SQLITE_MMAP_BYTES = 1 << 40


def sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets searches read while the ingest writes; NORMAL sync is durable across process
    # crashes (a power cut can lose the last transactions, not corrupt the file).
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A 64 MiB page cache (the default is 2 MiB) keeps the reads indexes' upper levels in
    # memory, and checkpointing every 8,000 pages instead of 1,000 lets a page that several
    # batches changed be copied back once: together about +30% reads/s (bench/ingest.py).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA wal_autocheckpoint=8000")
    # Reading pages through a memory map instead of a read() call each: a search that visits
    # a thousand rows scattered over the file (a commuter plate's reads) took 6-9 ms instead
    # of 10-13 on 1M reads. SQLite caps the size at its compile-time maximum (2 GiB in
    # Python's builds); pages beyond it are read as before. Writes still go through the WAL.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    # Plates are stored upper case, so LIKE may as well compare case-sensitively, which is
    # what lets SQLite answer a prefix pattern (7B3*) from the plate index instead of a scan.
    cursor.execute("PRAGMA case_sensitive_like=ON")
    cursor.close()
