"""Edge agents' heartbeats: the latest one per camera, with what the agent says of itself.

A heartbeat says the agent beside the camera runs even when no plate passes, how many reads
wait in its outbox (a car out of coverage) and the last error it met. The agent's clock is
compared with the server's on arrival: a camera whose clock drifts stamps its reads wrongly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, update
from sqlalchemy.exc import IntegrityError

from plateward.governance.health.schema import edge_heartbeats

MAX_AGENT_CHARS = 100
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class Heartbeat:
    sent_at: dt.datetime
    agent: str
    started_at: dt.datetime | None
    queued_reads: int
    last_error: str | None


def record_heartbeat(
    connection: Connection,
    camera_id: int,
    beat: Heartbeat,
    *,
    received_at: dt.datetime,
    client_address: str | None,
) -> None:
    """Keep ``beat`` as the camera's latest heartbeat."""
    values = {
        "received_at": received_at,
        "sent_at": beat.sent_at.astimezone(dt.UTC),
        "agent": beat.agent[:MAX_AGENT_CHARS],
        "started_at": beat.started_at,
        "queued_reads": beat.queued_reads,
        "last_error": (beat.last_error or "")[:MAX_ERROR_CHARS] or None,
        "client_address": client_address,
    }
    done = connection.execute(
        update(edge_heartbeats).where(edge_heartbeats.c.camera_id == camera_id).values(values)
    )
    if done.rowcount:
        return
    try:
        with connection.begin_nested():  # a first beat racing another: the update then wins
            connection.execute(insert(edge_heartbeats).values(camera_id=camera_id, **values))
    except IntegrityError:
        connection.execute(
            update(edge_heartbeats).where(edge_heartbeats.c.camera_id == camera_id).values(values)
        )
