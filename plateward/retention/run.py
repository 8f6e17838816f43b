"""A retention run: everything past its period and not held is destroyed, in bounded batches.

The order: first the work an earlier run left queued (it was killed); then, on PostgreSQL,
months of reads wholly past their period; then the remaining reads, with a hit and without, a
batch at a time; images past their own period; the queued images and their files, and plates
no read is left of; alerts; closed audits; the access log, by its own cut (``access_log.py``).
Each batch is a transaction of its own, with a pause between (``retention.batch_pause_s``), so
a busy server keeps ingesting; each adds itself to the run's destruction record. At the end the run is closed and logged in the access log.

One run at a time: the run holds a lock (an advisory lock on PostgreSQL, a lock file beside
the SQLite database) and another start is refused while it lasts.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from plateward.audit.actor import Actor
from plateward.audit.log import Entry, append
from plateward.errors import Conflict
from plateward.retention.access_log import destroy_access_log
from plateward.retention.alerts import destroy_alerts
from plateward.retention.audits import destroy_audits
from plateward.retention.images import remove_files, settle_candidates, unchecked
from plateward.retention.partitions import empty_month, is_wholly_past, months
from plateward.retention.periods import Cutoffs, check_as_of
from plateward.retention.plates import prune_plates
from plateward.retention.reads import Batch, Key, destroy_reads, strip_images
from plateward.retention.records import Run, finish_run, run_by_id, start_run
from plateward.settings import RetentionSettings
from plateward.store.images import ImageStore

logger = logging.getLogger(__name__)

REASON = "retention and destruction of ALPR data (policy B)"
RUN_LOCK = 5420015
FILE_BATCH = 1000
"""Files removed per transaction: the images table is held against new rows meanwhile."""
LOCK_NOT_AVAILABLE = "55P03"
INSUFFICIENT_PRIVILEGE = "42501"


class Stopped(Exception):
    """The server is stopping: the run ends between two batches."""


@dataclass(frozen=True)
class Runner:
    """Who or what runs it, for the run's record and the access log."""

    username: str
    agency: str
    trigger: str
    client_address: str | None = None


def run_retention(
    db: Engine, store: ImageStore, periods: RetentionSettings, runner: Runner, *,
    as_of: dt.datetime | None = None, stop: threading.Event | None = None,
    now: dt.datetime | None = None, on_batch: Callable[[str], None] | None = None,
) -> Run:  # fmt: skip
    """Destroy what is past its period as of ``as_of`` (now by default); the run's record."""
    now = now or dt.datetime.now(dt.UTC)
    cutoffs = Cutoffs.of(periods, check_as_of(as_of, now, dry_run=False))
    with one_run_at_a_time(db):
        with db.begin() as connection:
            run_id = start_run(
                connection, as_of=cutoffs.as_of, ran_by=runner.username, agency=runner.agency,
                trigger=runner.trigger, now=now,
            )  # fmt: skip
        actor = Actor(runner.username, runner.agency, runner.client_address)
        work = _Work(db, store, periods, run_id, cutoffs, stop, on_batch, actor)
        status, error = "finished", None
        try:
            work.everything()
        except Stopped:
            status, error = "interrupted", "the server stopped before the run finished"
        except Exception as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            with db.begin() as connection:
                finish_run(connection, run_id, now=dt.datetime.now(dt.UTC), error=error,
                           status=status)  # fmt: skip
                _log(connection, run_by_id(connection, run_id), runner, status)
        with db.connect() as connection:
            return run_by_id(connection, run_id)


class _Work:
    def __init__(
        self, db: Engine, store: ImageStore, periods: RetentionSettings, run_id: int,
        cutoffs: Cutoffs, stop: threading.Event | None, on_batch: Callable[[str], None] | None,
        actor: Actor,
    ) -> None:  # fmt: skip
        self.db = db
        self.store = store
        self.limit = periods.batch_rows
        self.pause_s = periods.batch_pause_s
        self.run_id = run_id
        self.cutoffs = cutoffs
        self.stop = stop
        self.on_batch = on_batch
        self.actor = actor

    def everything(self) -> None:
        self.queues()
        if self.db.dialect.name == "postgresql":
            self.months()
        for hits in (True, False):
            self.keyset("hit_reads" if hits else "reads", self.reads_step(hits))
        self.keyset("images", lambda c, after: strip_images(
            c, self.run_id, self.cutoffs.images, as_of=self.cutoffs.as_of, after=after,
            limit=self.limit))  # fmt: skip
        self.queues()
        last_alert = [0]

        def alerts(connection: Connection) -> int:
            count, last_alert[0] = destroy_alerts(
                connection, self.run_id, self.cutoffs.alerts, as_of=self.cutoffs.as_of,
                after_id=last_alert[0], limit=self.limit,
            )  # fmt: skip
            return count

        self.repeat("alerts", alerts)
        self.repeat("audit_records", lambda c: destroy_audits(
            c, self.run_id, self.cutoffs.audit_records, self.limit))  # fmt: skip
        # After the audits: entries only a destroyed audit kept can go in the same run. One
        # cut, in one transaction (the log's lock is held while it is logged and made).
        self.check_stop()
        try:
            with self.db.begin() as connection:
                removed = destroy_access_log(connection, self.run_id, self.cutoffs.access_log,
                                             self.actor)  # fmt: skip
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            # The server's restricted role (plateward db grant) may not delete from the log:
            # the rest of the run stands; the log waits for a run with the owner's URL.
            logger.warning("retention: the access log was not cut: this database role may not"
                           " delete from it; run plateward retention run as the owner")  # fmt: skip
            return
        if removed:
            self.report(f"access_log: {removed}")

    def reads_step(self, hits: bool) -> Callable[[Connection, Key | None], Batch]:
        cutoff = self.cutoffs.hit_reads if hits else self.cutoffs.reads

        def step(connection: Connection, after: Key | None) -> Batch:
            return destroy_reads(
                connection, self.run_id, cutoff, hits=hits, as_of=self.cutoffs.as_of,
                after=after, limit=self.limit,
            )  # fmt: skip

        return step

    def queues(self) -> None:
        """The images and plates queued by batches (this run's, or a killed run's)."""
        self.repeat("images", lambda c: settle_candidates(c, self.limit), unchecked)
        self.repeat("images", lambda c: remove_files(c, self.store, self.run_id, FILE_BATCH))
        self.repeat("plates", lambda c: prune_plates(c, self.limit))

    def months(self) -> None:
        with self.db.connect() as connection:
            candidates = [m for m in months(connection) if is_wholly_past(m, self.cutoffs)]
        for month in candidates:
            self.check_stop()
            try:
                with self.db.begin() as connection:
                    emptied = empty_month(connection, self.run_id, month, self.cutoffs)
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                emptied = False  # searches kept it busy: its rows go batch by batch
            if emptied:
                self.report(f"{month.name}: emptied")
                self.queues()

    def keyset(self, name: str, step: Callable[[Connection, Key | None], Any]) -> None:
        after: list[Key | None] = [None]

        def once(connection: Connection) -> int:
            batch = step(connection, after[0])
            after[0] = batch.last or after[0]
            return int(batch.count)

        self.repeat(name, once)

    def repeat(
        self, name: str, step: Callable[[Connection], int],
        transaction: Callable[[Engine], AbstractContextManager[Connection]] | None = None,
    ) -> None:  # fmt: skip
        while True:
            self.check_stop()
            began = time.monotonic()
            with (transaction or Engine.begin)(self.db) as connection:
                done = step(connection)
            if done == 0:
                return
            self.report(f"{name}: {done}")
            if self.pause_s:
                # Rest at least as long as the transaction held its locks. Pruning plates
                # holds the plates table against new rows for about a second a batch at
                # twenty million reads, and with a fixed 50 ms rest ingest fell to a tenth
                # of its rate for the whole run (docs/benchmarks.md); resting as long gives
                # ingest at least half the time, for a run up to twice as long.
                time.sleep(max(self.pause_s, time.monotonic() - began))

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped

    def report(self, what: str) -> None:
        if self.on_batch is not None:
            self.on_batch(what)


@contextmanager
def one_run_at_a_time(db: Engine) -> Iterator[None]:
    """Hold the retention lock for the block; ``Conflict`` while another run holds it."""
    busy = Conflict("a retention run is already under way; try again when it has finished")
    if db.dialect.name == "postgresql":
        with db.connect() as connection:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK})
            connection.commit()
            if not got.scalar():
                raise busy
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUN_LOCK})
                connection.commit()
        return
    path = _lock_path(db)
    if path is None:
        yield
        return
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_path(db: Engine) -> Path | None:
    database = db.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".retention-lock")


def _log(connection: Connection, run: Run, runner: Runner, status: str) -> None:
    destroyed = {
        d.data_class: {
            "removed": d.removed,
            "oldest": None if d.oldest_at is None else d.oldest_at.isoformat(),
            "newest": None if d.newest_at is None else d.newest_at.isoformat(),
            **({"files": d.files_removed} if d.files_removed else {}),
            **({"months_emptied": d.partitions_emptied} if d.partitions_emptied else {}),
        }
        for d in run.destroyed
        if d.removed or d.files_removed
    }
    append(
        connection,
        Entry(
            username=runner.username, agency=runner.agency, action="retention.run",
            query={"run": run.id, "as_of": run.as_of.isoformat(), "trigger": runner.trigger,
                   "destroyed": destroyed},
            reason=REASON, result_count=sum(d.removed for d in run.destroyed),
            client_address=runner.client_address, outcome=status,
        ),
    )  # fmt: skip
