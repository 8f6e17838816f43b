"""The server's in-memory copy of the hot lists, kept current with the database by revision.

Ingest matches every batch against this copy in its own request, so a change must reach the
copy before the next read it concerns. Each batch therefore reads the revision counter (one
row); if it moved, the rows stamped since are applied right there when they are few (an
entry added by hand, a BOLO expired) and by a background thread when they are many (the
evening extract replacing a million entries), so no batch waits seconds for a rebuild. Every
server process keeps its own copy, so several processes on one PostgreSQL agree within a
batch of each other.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, func, select

from plateward.hotlist.lists import HotList, active_entry_condition, all_lists, current_revision
from plateward.hotlist.matcher import ListRule, Matcher, Watch
from plateward.hotlist.schema import hotlist_entries
from plateward.settings import HotlistSettings

log = logging.getLogger(__name__)

FETCH_ROWS = 20_000

_WATCH_COLUMNS = (
    hotlist_entries.c.id,
    hotlist_entries.c.list_id,
    hotlist_entries.c.plate,
    hotlist_entries.c.state,
    hotlist_entries.c.starts_at,
    hotlist_entries.c.expires_at,
    hotlist_entries.c.removed_at,
)


def list_rule(hotlist: HotList) -> ListRule:
    stale = hotlist.stale_after()
    return ListRule(
        list_id=hotlist.id,
        agency_id=hotlist.agency_id,
        all_agencies=hotlist.all_agencies,
        tolerant=hotlist.tolerant,
        state_must_agree=hotlist.state_must_agree,
        active=hotlist.active,
        stale_after=None if stale is None else stale.timestamp(),
    )


def watch_of(
    entry_id: int,
    list_id: int,
    plate: str,
    state: str | None,
    starts_at: dt.datetime | None,
    expires_at: dt.datetime | None,
) -> Watch:
    return Watch(
        entry_id,
        list_id,
        plate,
        state,
        None if starts_at is None else starts_at.timestamp(),
        None if expires_at is None else expires_at.timestamp(),
    )


class CurrentLists:
    """A ``Matcher`` and the revision it reflects; safe to use from many threads."""

    def __init__(self, db: Engine, settings: HotlistSettings) -> None:
        self.db = db
        self.settings = settings
        self.matcher = Matcher(
            max_swaps=settings.max_lookalike_swaps, state_confidence=settings.state_confidence
        )
        self._applying = threading.Lock()
        self._background: threading.Thread | None = None
        self.loaded = False

    def load(self) -> None:
        """Read every active entry (at start-up)."""
        with self._applying, self.db.connect() as connection:
            revision = current_revision(connection)
            now = dt.datetime.now(dt.UTC)
            for hotlist in all_lists(connection):
                self.matcher.set_list(list_rule(hotlist))
            rows = connection.execute(
                select(*_WATCH_COLUMNS[:-1])
                .where(active_entry_condition(now))
                .execution_options(yield_per=FETCH_ROWS)
            )
            for row in rows:
                self.matcher.put(watch_of(*row))
            self.matcher.revision = revision
            self.loaded = True
        _out_of_the_collectors_way()
        log.info("hot lists: %d active entries at revision %d", len(self.matcher), revision)

    def keep_current(self, connection: Connection) -> None:
        """Called before matching a batch: apply what changed since the copy's revision."""
        if not self.loaded:
            self.load()
            return
        revision = current_revision(connection)
        if revision <= self.matcher.revision:
            return
        if self._background is not None and self._background.is_alive():
            return
        pending = int(
            connection.execute(
                select(func.count()).where(hotlist_entries.c.revision > self.matcher.revision)
            ).scalar_one()
        )
        if pending <= self.settings.inline_refresh_rows:
            self.apply_changes(connection)
            return
        self._background = threading.Thread(
            target=self._apply_in_background, name="hotlist-refresh", daemon=True
        )
        self._background.start()

    def _apply_in_background(self) -> None:
        try:
            with self.db.connect() as connection:
                self.apply_changes(connection)
        except Exception:
            log.exception("hot lists: applying changes failed; retried at the next batch")
        _out_of_the_collectors_way()

    def apply_changes(self, connection: Connection) -> None:
        with self._applying:
            since = self.matcher.revision
            revision = current_revision(connection)
            if revision <= since:
                return
            for hotlist in all_lists(connection):
                if hotlist.revision > since:
                    self.matcher.set_list(list_rule(hotlist))
            rows = connection.execute(
                select(*_WATCH_COLUMNS)
                .where(
                    hotlist_entries.c.revision > since,
                    hotlist_entries.c.revision <= revision,
                )
                .order_by(hotlist_entries.c.revision)
                .execution_options(yield_per=FETCH_ROWS)
            )
            self._apply_rows(rows)
            self.matcher.revision = revision

    def _apply_rows(self, rows: Iterable[tuple[object, ...]]) -> None:
        for entry_id, list_id, plate, state, starts_at, expires_at, removed_at in rows:
            if removed_at is not None:
                self.matcher.remove(int(entry_id))  # type: ignore[call-overload]
            else:
                self.matcher.put(
                    watch_of(entry_id, list_id, plate, state, starts_at, expires_at)  # type: ignore[arg-type]
                )


def _out_of_the_collectors_way() -> None:
    """Move what is alive now, a million-entry matcher above all, out of the cyclic collector.

    Python's full collection walks every container object: with a 1,000,000-entry list that
    was 270 ms each, and ingest's short-lived objects trigger one now and then mid-batch.
    Frozen objects are still freed by reference counting when an entry goes (they hold no
    cycles); they are only no longer walked.
    """
    gc.freeze()
