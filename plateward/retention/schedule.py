"""The server's own retention runs: every ``retention.run_every_hours``, in a thread.

The thread looks at when the last run started (any finished or failed run, by anyone, so a
run started by hand counts) and starts the next when due; on a database that never had a run,
the first is due one interval after the server started, not at once: a new installation, or a
restored copy of an old database, is not emptied the moment it is served. Several server processes may each have the thread; the
run's lock lets one run at a time and the others find it busy and wait for the next turn.
Stopping the server stops a run between two batches; it is recorded as interrupted, and the
next run finishes its work.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import Engine, func, select

from plateward.errors import Conflict
from plateward.retention.records import Run
from plateward.retention.run import Runner, run_retention
from plateward.retention.schema import retention_runs
from plateward.settings import RetentionSettings
from plateward.store.images import ImageStore

log = logging.getLogger(__name__)

SCHEDULE_RUNNER = Runner("system:retention", "system", "schedule")
CHECK_S = 60.0


class RetentionSchedule:
    def __init__(self, db: Engine, store: ImageStore, periods: RetentionSettings) -> None:
        self.db = db
        self.store = store
        self.periods = periods
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = dt.datetime.now(dt.UTC)

    def start(self) -> None:
        if self.periods.run_every_hours <= 0 or self._thread is not None:
            return
        self._started_at = dt.datetime.now(dt.UTC)
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def due_in_s(self, now: dt.datetime) -> float:
        """Seconds until the next run is due (0 or less: now)."""
        with self.db.connect() as connection:
            last = connection.execute(
                select(func.max(retention_runs.c.started_at)).where(
                    retention_runs.c.status.in_(("finished", "failed"))
                )
            ).scalar()
        due = (last or self._started_at) + dt.timedelta(hours=self.periods.run_every_hours)
        return (due - now).total_seconds()

    def run_once(self, now: dt.datetime) -> Run | None:
        """The run, when one is due at ``now``; None when not. Conflict: another process's run
        holds the lock."""
        if self.due_in_s(now) > 0:
            return None
        return run_retention(
            self.db, self.store, self.periods, SCHEDULE_RUNNER, stop=self._stop, now=now
        )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run = self.run_once(dt.datetime.now(dt.UTC))
                if run is None:
                    wait = self.due_in_s(dt.datetime.now(dt.UTC))
                else:
                    log.info("retention run %s: %s", run.id, run.status)
                    wait = CHECK_S
            except Conflict:
                wait = CHECK_S  # another process is running it
            except Exception:
                log.exception("retention: the scheduled run failed; trying again later")
                wait = CHECK_S * 10
            self._stop.wait(min(max(wait, 1.0), CHECK_S))
