"""Scheduled refreshes: a list re-imported from its file location, keeping the last good copy.

NCIC and CA DOJ extracts are replaced twice a day. A list with a ``refresh_location`` and
``refresh_every_minutes`` is re-read when due: a file identical to the last one applied
changes nothing; a new one replaces the list; a missing, unreadable or damaged file (not a
hot list, or too many rejected lines) leaves the list exactly as it was and is recorded on
the list (``refresh_error``), where the hot list pages and the API show it.

Several server processes may run the schedule: each list is claimed by moving its
``refresh_checked_at`` forward only if nobody else just did, so one process does each refresh.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, select, update

from plateward.audit.actor import Actor
from plateward.errors import PlatewardError
from plateward.hotlist.imports import ImportReport, file_sha256, import_file
from plateward.hotlist.lists import HotList, all_lists, list_by_name
from plateward.hotlist.schema import hotlist_imports, hotlists
from plateward.settings import HotlistSettings

log = logging.getLogger(__name__)

REFRESH_ACTOR = Actor("system:refresh", "system")


def is_due(hotlist: HotList, now: dt.datetime) -> bool:
    if not hotlist.refresh_location or not hotlist.refresh_every_minutes or not hotlist.active:
        return False
    last = hotlist.refresh_checked_at
    return last is None or now - last >= dt.timedelta(minutes=hotlist.refresh_every_minutes)


def refresh_list(
    db: Engine, name: str, settings: HotlistSettings, actor: Actor = REFRESH_ACTOR,
    now: dt.datetime | None = None,
) -> ImportReport | None:  # fmt: skip
    """Re-read the list's file now; None when the file is the one last applied.

    Raises ``PlatewardError`` when the file cannot be used; the list is unchanged and the
    problem is recorded on it.
    """
    now = now or dt.datetime.now(dt.UTC)
    with db.begin() as connection:
        hotlist = list_by_name(connection, name)
        if not hotlist.refresh_location:
            raise PlatewardError(f"hot list {name!r} has no refresh_location to read")
        _mark_checked(connection, hotlist.id, now)
    path = Path(hotlist.refresh_location)
    try:
        with db.begin() as connection:
            if _same_as_last(connection, hotlist.id, path):
                return None
            report = import_file(
                connection, actor, name, path, replace=True,
                max_rejected_share=settings.max_rejected_share, now=now,
            )  # fmt: skip
            if report.applied:
                _clear_error(connection, hotlist.id)
        if not report.applied:
            _record_error(db, hotlist.id, report.message or "not applied", now)
        return report
    except PlatewardError as exc:
        _record_error(db, hotlist.id, exc.message, now)
        raise


def _mark_checked(connection: Connection, list_id: int, now: dt.datetime) -> None:
    connection.execute(
        update(hotlists).where(hotlists.c.id == list_id).values(refresh_checked_at=now)
    )


def _same_as_last(connection: Connection, list_id: int, path: Path) -> bool:
    last = connection.execute(
        select(hotlist_imports.c.file_sha256)
        .where(hotlist_imports.c.list_id == list_id, hotlist_imports.c.applied)
        .order_by(hotlist_imports.c.id.desc())
        .limit(1)
    ).scalar()
    return last is not None and last == file_sha256(path)


def _clear_error(connection: Connection, list_id: int) -> None:
    connection.execute(
        update(hotlists)
        .where(hotlists.c.id == list_id)
        .values(refresh_error=None, refresh_error_at=None)
    )


def _record_error(db: Engine, list_id: int, message: str, now: dt.datetime) -> None:
    log.error("hot list %d: refresh failed, list kept as it was: %s", list_id, message)
    with db.begin() as connection:
        connection.execute(
            update(hotlists)
            .where(hotlists.c.id == list_id)
            .values(refresh_error=message[:2000], refresh_error_at=now)
        )


class RefreshSchedule:
    """The server's thread that refreshes due lists every ``refresh_check_s``."""

    def __init__(
        self, db: Engine, settings: HotlistSettings, on_change: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hotlist-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.refresh_check_s):
            self.run_once()

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Refresh every due list this process claims; returns how many it tried."""
        now = now or dt.datetime.now(dt.UTC)
        tried = 0
        try:
            with self.db.connect() as connection:
                due = [h for h in all_lists(connection) if is_due(h, now)]
        except Exception:
            log.exception("hot list refresh: cannot read the lists")
            return 0
        for hotlist in due:
            if not self._claim(hotlist, now):
                continue
            tried += 1
            try:
                report = refresh_list(self.db, hotlist.name, self.settings, now=now)
            except PlatewardError:
                continue  # recorded on the list
            except Exception:
                log.exception("hot list %s: refresh failed", hotlist.name)
                continue
            if report is not None and report.applied and self.on_change is not None:
                self.on_change()
        return tried

    def _claim(self, hotlist: HotList, now: dt.datetime) -> bool:
        with self.db.begin() as connection:
            seen = hotlists.c.refresh_checked_at
            condition = (
                seen.is_(None) if hotlist.refresh_checked_at is None
                else seen == hotlist.refresh_checked_at
            )  # fmt: skip
            claimed = connection.execute(
                update(hotlists)
                .where(hotlists.c.id == hotlist.id, condition)
                .values(refresh_checked_at=now)
            ).rowcount
        return bool(claimed)
