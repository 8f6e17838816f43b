"""Feeding the live streams: every alert raised, by any process, published once to the hub.

- PostgreSQL: the raising transaction NOTIFYs the new ids (``raising.py``); PostgreSQL
  delivers the notice to every listening connection when, and only if, that transaction
  commits. Each server process listens on a connection of its own here, so an alert raised by
  one process (or by an import run from the console) reaches the streams of all of them. After
  a lost connection it reconnects and re-reads the last minutes of alerts, in case a notice
  went by while it was away.
- SQLite: one writer at a time, so ids grow in commit order and "ids after the last one seen"
  misses nothing. The process that raised alerts wakes the follower at once (``wake``);
  alerts raised by another process (an import) are found by a poll every ``poll_s``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence

from sqlalchemy import Engine, func, select

from plateward.alert.hub import AlertHub
from plateward.alert.raising import NOTIFY_CHANNEL
from plateward.alert.schema import alerts
from plateward.alert.views import (
    agencies_of,
    alert_json,
    alert_shares,
    alerts_by_id,
    select_alerts,
)

log = logging.getLogger(__name__)

POLL_S = 0.5
CATCH_UP = dt.timedelta(minutes=10)
RECONNECT_S = 2.0


class AlertFollower:
    def __init__(self, db: Engine, hub: AlertHub, base_url: str) -> None:
        self.db = db
        self.hub = hub
        self.base_url = base_url
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_id = 0

    def start(self) -> None:
        with self.db.connect() as connection:
            self._last_id = int(connection.execute(select(func.max(alerts.c.id))).scalar() or 0)
        target = self._listen if self.db.dialect.name == "postgresql" else self._poll
        self._thread = threading.Thread(target=target, name="alert-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)

    def wake(self) -> None:
        """Alerts were just committed in this process: publish them now."""
        self._wake.set()

    def publish_ids(self, ids: Sequence[int]) -> None:
        if not self.hub.subscriber_count():
            # Nobody is watching in this process: reading the alerts back would be work for
            # nobody, on every batch that raises one. A client that connects later with the
            # last id it saw subscribes first and then reads what it missed from the
            # database, so an alert skipped here still reaches it.
            return
        with self.db.connect() as connection:
            rows = alerts_by_id(connection, ids)
            shares = alert_shares(connection)
        for row in rows:
            self.hub.publish(alert_json(row, self.base_url), agencies_of(row, shares))

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(POLL_S)
            self._wake.clear()
            try:
                with self.db.connect() as connection:
                    if not self.hub.subscriber_count():  # as in publish_ids: skip to the newest
                        newest = connection.execute(select(func.max(alerts.c.id))).scalar()
                        self._last_id = max(self._last_id, int(newest or 0))
                        continue
                    rows = list(
                        connection.execute(
                            select_alerts().where(alerts.c.id > self._last_id).order_by(alerts.c.id)
                        )
                    )
                    shares = alert_shares(connection)
                for row in rows:
                    self.hub.publish(alert_json(row, self.base_url), agencies_of(row, shares))
                    self._last_id = max(self._last_id, int(row.id))
            except Exception:
                log.exception("alert follower: reading new alerts failed; retrying")
                self._stop.wait(RECONNECT_S)

    def _listen(self) -> None:
        import psycopg

        url = self.db.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as listener:
                    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    if not first:
                        self._catch_up()
                    first = False
                    while not self._stop.is_set():
                        for notice in listener.notifies(timeout=1.0):
                            ids = [int(i) for i in notice.payload.split(",") if i.isdigit()]
                            self.publish_ids(ids)
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("alert follower: lost the PostgreSQL listener; reconnecting")
                self._stop.wait(RECONNECT_S)

    def _catch_up(self) -> None:
        since = dt.datetime.now(dt.UTC) - CATCH_UP
        with self.db.connect() as connection:
            rows = list(
                connection.execute(
                    select_alerts().where(alerts.c.raised_at >= since).order_by(alerts.c.id)
                )
            )
            shares = alert_shares(connection)
        for row in rows:
            self.hub.publish(alert_json(row, self.base_url), agencies_of(row, shares))
