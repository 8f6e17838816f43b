"""The edge agent's outbox: every read is on disk before it is sent, until the server has it.

A read gets its UUID when it is recognised and is committed here (SQLite, WAL,
``synchronous=FULL``, so a commit survives a power cut) before any attempt to send it. The
sender posts the oldest reads and deletes them only after the server's 200. A crash between
the server storing a batch and the delete just sends the batch again; the server is idempotent
on UUIDs and answers ``duplicates``. Nothing is lost and nothing is stored twice.

A batch the server refuses as invalid (422) or too big (413) is split in halves until the one
read at fault is alone; that read is moved to the ``rejected`` table with the server's reason,
so one bad read never blocks the reads queued behind it.

The ``sources`` table remembers how far each input was read, committed in the same transaction
as its reads: an image is read once (known by its SHA-256, so a renamed or copied image too),
and a video file restarted after a crash skips the passes already queued. A restart therefore
never reads anything twice. The table keeps a short row per input read; it is not pruned, as
forgetting an input that comes back would read it again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import random
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from plateward.errors import ConfigurationError
from plateward.ingest.client import BatchRefused, BatchResult, SendLater
from plateward.store.private_files import touch_private_file

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    key TEXT PRIMARY KEY,
    reads_done INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
"""

PostBatch = Callable[[Sequence[str]], BatchResult]
"""Posts reads (JSON texts) as one batch; raises the errors of ``plateward.ingest.client``."""


@dataclass(frozen=True)
class OutboxRead:
    id: str
    """The read's UUID, as in its JSON."""
    body: str
    """The read as the server's ``ReadIn`` JSON object, crop included (base64)."""


@dataclass(frozen=True)
class Progress:
    """How far one input has been read; stored with its reads in one transaction."""

    source: str
    reads_done: int
    finished: bool


@dataclass(frozen=True)
class Rejected:
    id: str
    body: str
    reason: str
    rejected_at: str


class Outbox:
    """One camera's queue of reads waiting for the server; safe to share between threads.

    One agent at a time may use an outbox (an exclusive lock on ``PATH.lock``, released by
    the system when the process ends, however it ends), and an outbox belongs to the first
    camera that used it: another camera's key must not carry its reads.
    """

    def __init__(self, path: Path, camera: str) -> None:
        touch_private_file(path)  # reads waiting to go: owner-only, like the server's database
        self.path = path
        self._lock_file = _lock_exclusively(path.with_name(path.name + ".lock"))
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._mutex = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(SCHEMA)
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('camera', ?)", (camera,))
            (owner,) = db.execute("SELECT value FROM meta WHERE key = 'camera'").fetchone()
        if owner != camera:
            self.close()
            raise ConfigurationError(
                f"{path}: this outbox holds camera {owner}'s reads, not {camera}'s; give camera"
                f" {camera} its own (edge.outbox or PLATEWARD_EDGE__OUTBOX)"
            )

    def close(self) -> None:
        self._db.close()
        self._lock_file.close()

    def put(self, reads: Sequence[OutboxRead], *marks: Progress) -> None:
        """Commit reads, and where their inputs now stand, all or nothing."""
        now = _now()
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO pending (id, body, queued_at) VALUES (?, ?, ?)",
                [(r.id, r.body, now) for r in reads],
            )
            db.executemany(
                "INSERT INTO sources VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                " reads_done = excluded.reads_done, finished = excluded.finished,"
                " updated_at = excluded.updated_at",
                [(m.source, m.reads_done, int(m.finished), now) for m in marks],
            )

    def progress(self, source: str) -> Progress | None:
        with self._mutex:
            row = self._db.execute(
                "SELECT reads_done, finished FROM sources WHERE key = ?", (source,)
            ).fetchone()
        return None if row is None else Progress(source, int(row[0]), bool(row[1]))

    def oldest(self, limit: int) -> list[OutboxRead]:
        with self._mutex:
            rows = self._db.execute(
                "SELECT id, body FROM pending ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [OutboxRead(id=row[0], body=row[1]) for row in rows]

    def acknowledge(self, ids: Sequence[str]) -> None:
        """Forget reads the server has confirmed (stored now or earlier)."""
        with self._transaction() as db:
            db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in ids])

    def reject(self, read_id: str, reason: str) -> None:
        """Move a read the server will never take out of the queue, keeping it and the reason."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO rejected SELECT seq, id, body, queued_at, ?, ?"
                " FROM pending WHERE id = ?",
                (_now(), reason, read_id),
            )
            db.execute("DELETE FROM pending WHERE id = ?", (read_id,))

    def pending_count(self) -> int:
        with self._mutex:
            return int(self._db.execute("SELECT count(*) FROM pending").fetchone()[0])

    def rejected(self) -> list[Rejected]:
        with self._mutex:
            rows = self._db.execute(
                "SELECT id, body, reason, rejected_at FROM rejected ORDER BY seq"
            ).fetchall()
        return [Rejected(*row) for row in rows]

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


class Backoff:
    """Exponential backoff with "equal jitter": half the wait fixed, half random.

    The doubling keeps a down server from being hammered; the jitter keeps a fleet of cameras
    that lost the server at the same moment from all coming back at the same moment; the fixed
    half keeps a retry from happening almost at once by chance.
    """

    def __init__(
        self, base_s: float, cap_s: float, rng: Callable[[], float] = random.random
    ) -> None:
        if base_s <= 0 or cap_s < base_s:
            raise ConfigurationError(f"backoff: need 0 < base ({base_s}) <= cap ({cap_s})")
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0
        self._rng = rng

    def next_delay_s(self, at_least_s: float | None = None) -> float:
        """The wait before the next try; ``at_least_s`` is the server's Retry-After, if any."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(self.failures, 60))
        self.failures += 1
        delay = ceiling / 2 + self._rng() * ceiling / 2
        if at_least_s is not None:
            delay = max(delay, min(at_least_s, self.cap_s))
        return delay

    def reset(self) -> None:
        self.failures = 0


@dataclass
class SendTotals:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0


class Sender:
    """Empties an outbox into the server, oldest reads first, one attempt per ``step``.

    ``SendStopped`` (the key refused, a wrong URL) is not handled here: it passes up to the
    agent, which stops, leaving every unsent read in the outbox.
    """

    def __init__(self, outbox: Outbox, post: PostBatch, *, batch_reads: int, backoff: Backoff):
        self.outbox = outbox
        self.totals = SendTotals()
        self._post = post
        self._batch_reads = batch_reads
        self._limit = batch_reads
        self._backoff = backoff

    def step(self) -> float | None:
        """Try to send one batch; the seconds to wait before the next try, None when empty."""
        reads = self.outbox.oldest(self._limit)
        if not reads:
            return None
        try:
            result = self._post([r.body for r in reads])
        except SendLater as exc:
            delay = self._backoff.next_delay_s(exc.retry_after_s)
            log.warning(
                "%s; %d reads queued, next try in %.1f s",
                exc.message,
                self.outbox.pending_count(),
                delay,
            )
            return delay
        except BatchRefused as exc:
            self._refused(reads, exc)
            return 0.0
        self.outbox.acknowledge([r.id for r in reads])
        self._backoff.reset()
        self._limit = min(self._batch_reads, self._limit * 2)
        self.totals.stored += result.stored
        self.totals.duplicates += result.duplicates
        log.info(
            "sent %d reads (%d stored, %d already there)",
            len(reads),
            result.stored,
            result.duplicates,
        )
        return 0.0

    def _refused(self, reads: Sequence[OutboxRead], exc: BatchRefused) -> None:
        # The server takes a batch whole or not at all, so halving finds the bad read in
        # log2(batch) posts while the good ones go through in the smaller batches.
        if len(reads) > 1:
            self._limit = max(1, len(reads) // 2)
            log.info("batch of %d refused (%d); trying %d", len(reads), exc.status, self._limit)
            return
        self.outbox.reject(reads[0].id, exc.message)
        self.totals.rejected += 1
        self._limit = self._batch_reads
        log.error(
            "read %s refused by the server, set aside in %s (table rejected): %s",
            reads[0].id,
            self.outbox.path,
            exc.message,
        )


def _lock_exclusively(path: Path) -> IO[str]:
    handle = path.open("a")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigurationError(
            f"{path.with_suffix('')}: another edge agent is using this outbox"
        ) from None
    return handle


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
