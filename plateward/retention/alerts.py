"""Destroying alerts past their period, with their deliveries and delivery attempts.

An alert is the record of a hot list hit and of the checks a deputy made before acting on it
(policy A.7), so it is kept at least as long as the read with the hit (``alerts_days`` is
never shorter than ``hit_reads_days``). An alert whose read is held stays with it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, select

from plateward.alert.schema import alert_deliveries, alert_delivery_attempts, alerts
from plateward.retention.holds import held, take_turn
from plateward.retention.records import count_destroyed


def destroy_alerts(
    connection: Connection, run_id: int, cutoff: dt.datetime, *, as_of: dt.datetime,
    after_id: int, limit: int,
) -> tuple[int, int]:  # fmt: skip
    """Delete one batch of expired alerts; returns (how many, the last id looked at)."""
    take_turn(connection)
    victims = connection.execute(
        select(alerts.c.id, alerts.c.captured_at)
        .where(
            alerts.c.captured_at < cutoff,
            alerts.c.id > after_id,
            ~held(alerts.c.read_id, alerts.c.plate, alerts.c.captured_at, alerts.c.camera_id,
                  as_of),
        )
        .order_by(alerts.c.id)
        .limit(limit)
    ).all()  # fmt: skip
    if not victims:
        return 0, after_id
    ids = [v.id for v in victims]
    deliveries = select(alert_deliveries.c.id).where(alert_deliveries.c.alert_id.in_(ids))
    connection.execute(
        delete(alert_delivery_attempts).where(alert_delivery_attempts.c.delivery_id.in_(deliveries))
    )
    connection.execute(delete(alert_deliveries).where(alert_deliveries.c.alert_id.in_(ids)))
    connection.execute(delete(alerts).where(alerts.c.id.in_(ids)))
    times = [v.captured_at for v in victims]
    count_destroyed(connection, run_id, "alerts", removed=len(ids), oldest=min(times),
                    newest=max(times))  # fmt: skip
    return len(ids), ids[-1]
