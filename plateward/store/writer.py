"""How the server's ingest takes its turn to write a batch.

SQLite lets one connection write at a time, and the server is one Python process, so on
SQLite batches are written one after another through one connection, each batch validated
and written in one turn:

* With a pool of connections, a batch waiting for the write lock slept in SQLite's busy
  handler (in steps of up to 100 ms) after the lock was free, and a connection that found
  another had written since its last transaction dropped its whole page cache, so every
  batch started cold: 110 ms of CPU a batch, against 80 through one connection
  (bench/ingest.py's batches, two threads).
* Validating a batch holds Python's interpreter lock for about 10 ms without a break
  (pydantic's validator is compiled code), and sqlite3's executemany hands that lock back
  500 times a batch, once per row. With validation running beside a write, each hand-back
  could wait out a whole validation: a write that takes 47 ms alone took a second beside a
  thread validating without pause. Validation therefore happens in the same turn.
* Checkpoints (copying the write-ahead log back into the database file) ran inside
  whichever commit crossed SQLite's threshold, so one batch in thirty waited for thousands
  of pages to be copied: commits took 10 ms at the median and 37 on average. The writer's
  connection does not checkpoint; after every few turns, outside the turn, a passive
  checkpoint runs on another connection, in SQLite's C code beside the next batch.

PostgreSQL writes concurrently, keeps its cache in the server and its driver hands the
interpreter lock back once per statement, so its batches take no turns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event

from plateward.store.database import sqlite_pragmas

CHECKPOINT_EVERY = 32
"""Turns between checkpoints; SQLite's own threshold of 8,000 pages came about every 30."""


@dataclass
class Writer:
    engine: Engine
    checkpoint_through: Engine | None = None
    """Where checkpoints run (another connection to the same file); None: no turns taken."""
    _turn: threading.Lock = field(default_factory=threading.Lock)
    _checkpointing: threading.Lock = field(default_factory=threading.Lock)
    _turns: int = 0

    @contextmanager
    def turn(self) -> Iterator[Engine]:
        """The engine to write through, once it is this caller's turn."""
        if self.checkpoint_through is None:
            yield self.engine
            return
        with self._turn:
            yield self.engine
            self._turns += 1
            due = self._turns % CHECKPOINT_EVERY == 0
        if due:
            self._checkpoint(self.checkpoint_through)

    def _checkpoint(self, through: Engine) -> None:
        # Passive: copies what no reader still needs and never waits; if one is already
        # running, the next due turn tries again.
        if not self._checkpointing.acquire(blocking=False):
            return
        try:
            with through.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._checkpointing.release()


def writer_for(engine: Engine) -> Writer:
    """The server's ingest writer over ``engine``: its own single connection on SQLite."""
    if engine.dialect.name != "sqlite":
        return Writer(engine)
    single = create_engine(engine.url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0)
    event.listen(single, "connect", _writer_pragmas)
    return Writer(single, checkpoint_through=engine)


def _writer_pragmas(connection: Any, record: Any) -> None:
    sqlite_pragmas(connection, record)
    cursor = connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()
