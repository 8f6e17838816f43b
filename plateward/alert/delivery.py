"""The delivery worker: sends queued alert deliveries, retries failures, records every attempt.

A delivery is claimed for ``LEASE`` before it is sent (``claimed_until``), so two server
processes on one PostgreSQL never send the same one at once, and a process that dies mid-send
leaves it to be claimed again when the lease runs out. A failure is retried after
``retry_base_s``, doubling up to ``retry_cap_s``; meanwhile the delivery shows as ``failing``
with its last error, and every attempt is a row of its own. After ``give_up_hours`` it is
marked ``gave_up``, kept, and shown; an alert is never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update

from plateward.alert.schema import alert_channels, alert_deliveries, alert_delivery_attempts
from plateward.alert.sending import Outcome, send_email, send_webhook
from plateward.alert.views import alert_json, alerts_by_id
from plateward.settings import AlertSettings

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
BATCH = 20
IDLE_S = 1.0


def backoff_s(attempts: int, settings: AlertSettings) -> float:
    """Wait before the next try after ``attempts`` failed ones."""
    return float(min(settings.retry_cap_s, settings.retry_base_s * 2 ** max(0, attempts - 1)))


class DeliveryWorker:
    def __init__(self, db: Engine, settings: AlertSettings) -> None:
        self.db = db
        self.settings = settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="alert-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.settings.webhook_timeout_s + 5)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception:
                log.exception("alert delivery: a round failed; retrying")
                sent = 0
            if not sent:
                self._wake.wait(IDLE_S)
                self._wake.clear()

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Claim and send the deliveries due; returns how many were attempted."""
        claimed = self._claim(now or dt.datetime.now(dt.UTC))
        for delivery in claimed:
            if self._stop.is_set():
                break
            self._attempt(delivery)
        return len(claimed)

    def _claim(self, now: dt.datetime) -> list[dict[str, Any]]:
        due = (
            select(alert_deliveries.c.id)
            .where(
                alert_deliveries.c.status.in_(("pending", "failing")),
                alert_deliveries.c.next_attempt_at <= now,
                or_(
                    alert_deliveries.c.claimed_until.is_(None),
                    alert_deliveries.c.claimed_until < now,
                ),
            )
            .order_by(alert_deliveries.c.next_attempt_at)
            .limit(BATCH)
        )
        with self.db.begin() as connection:
            if connection.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(connection.execute(due).scalars())
            if not ids:
                return []
            connection.execute(
                update(alert_deliveries)
                .where(alert_deliveries.c.id.in_(ids))
                .values(claimed_until=now + LEASE)
            )
            rows = connection.execute(
                select(alert_deliveries, alert_channels.c.kind, alert_channels.c.target,
                       alert_channels.c.secret)
                .join(alert_channels)
                .where(alert_deliveries.c.id.in_(ids))
            ).mappings()  # fmt: skip
            return [dict(r) for r in rows]

    def _attempt(self, delivery: dict[str, Any]) -> None:
        with self.db.connect() as connection:
            rows = alerts_by_id(connection, [delivery["alert_id"]])
        alert = alert_json(rows[0], self.settings.link_base_url)
        started = time.perf_counter()
        if delivery["kind"] == "webhook":
            outcome = send_webhook(
                delivery["target"], delivery["secret"], alert, delivery["id"],
                self.settings.webhook_timeout_s,
            )  # fmt: skip
        else:
            outcome = send_email(delivery["target"], alert, self.settings)
        elapsed_ms = (time.perf_counter() - started) * 1000
        with self.db.begin() as connection:
            record_attempt(connection, delivery, outcome, elapsed_ms, self.settings)


def record_attempt(
    connection: Connection, delivery: dict[str, Any], outcome: Outcome, elapsed_ms: float,
    settings: AlertSettings, now: dt.datetime | None = None,
) -> None:  # fmt: skip
    now = now or dt.datetime.now(dt.UTC)
    connection.execute(
        insert(alert_delivery_attempts).values(
            delivery_id=delivery["id"], at=now, ok=outcome.ok, status_code=outcome.status_code,
            error=outcome.error, duration_ms=round(elapsed_ms, 1),
        )
    )  # fmt: skip
    attempts = int(delivery["attempts"]) + 1
    if outcome.ok:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_error": None}
    elif now - delivery["created_at"] >= dt.timedelta(hours=settings.give_up_hours):
        values = {"status": "gave_up", "last_error": outcome.error}
    else:
        values = {
            "status": "failing",
            "last_error": outcome.error,
            "next_attempt_at": now + dt.timedelta(seconds=backoff_s(attempts, settings)),
        }
    connection.execute(
        update(alert_deliveries)
        .where(alert_deliveries.c.id == delivery["id"])
        .values(attempts=attempts, claimed_until=None, **values)
    )
