"""The camera health API: /api/v1/health for administrators, /api/v1/heartbeats for cameras.

Administrators (``view_camera_health``) see every camera's health and the open notices, and
acknowledge them. Edge agents post their heartbeat with the camera's own key, like their reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.governance.fields import utc_moment
from plateward.governance.health.checks import (
    acknowledge_notice,
    camera_health,
    list_notices,
)
from plateward.governance.health.heartbeats import (
    MAX_AGENT_CHARS,
    MAX_ERROR_CHARS,
    Heartbeat,
    record_heartbeat,
)
from plateward.governance.http import actor_of
from plateward.ingest.api import camera_from_key
from plateward.store.cameras import Camera
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1", tags=["camera health"])

Administrator = Annotated[User, Depends(require(Action.VIEW_CAMERA_HEALTH))]


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sent_at: dt.datetime = Field(description="The agent's clock when it sent this, with offset.")
    agent: str = Field(max_length=MAX_AGENT_CHARS, description="Agent name and version.")
    started_at: dt.datetime | None = Field(None, description="When the agent started.")
    queued_reads: int = Field(0, ge=0, le=1_000_000_000, description="Reads in its outbox.")
    last_error: str | None = Field(None, max_length=MAX_ERROR_CHARS)


@router.post(
    "/heartbeats",
    responses={
        401: {"description": "No camera key, or one not recognised."},
        403: {"description": "The camera's key was revoked."},
    },
)
def heartbeat(
    request: Request, camera: Annotated[Camera, Depends(camera_from_key)], body: HeartbeatIn
) -> dict[str, Any]:
    """An edge agent says it is running; answered with the server's time (for clock checks)."""
    received = dt.datetime.now(dt.UTC)
    started_at = None if body.started_at is None else utc_moment("started_at", body.started_at)
    beat = Heartbeat(
        sent_at=utc_moment("sent_at", body.sent_at),
        agent=body.agent,
        started_at=started_at,
        queued_reads=body.queued_reads,
        last_error=body.last_error,
    )
    with app_state(request).db.begin() as connection:
        record_heartbeat(
            connection,
            camera.id,
            beat,
            received_at=received,
            client_address=request.client.host if request.client else None,
        )
    return {"camera": camera.code, "server_time": received}


@router.get("/health/cameras")
def health_cameras(request: Request, user: Administrator) -> dict[str, Any]:
    """Each camera: last read, reads per hour against its usual rate, heartbeat, problems."""
    state = app_state(request)
    now = dt.datetime.now(dt.UTC)
    with state.db.connect() as connection:
        found = camera_health(connection, state.settings.camera_health, now)
    return {"as_of": now, "count": len(found), "results": [dataclasses.asdict(h) for h in found]}


@router.get("/health/notices")
def health_notices(
    request: Request, user: Administrator, include_cleared: bool = False
) -> dict[str, Any]:
    """Notices of silent or slow cameras: the open ones, or all with ``include_cleared``."""
    with app_state(request).db.connect() as connection:
        found = list_notices(connection, include_cleared=include_cleared)
    return {"count": len(found), "results": [dataclasses.asdict(n) for n in found]}


@router.post("/health/notices/{notice_id}/acknowledge")
def health_acknowledge(request: Request, user: Administrator, notice_id: int) -> dict[str, Any]:
    """Say you have seen a notice; it stays open until the camera recovers."""
    with app_state(request).db.begin() as connection:
        notice = acknowledge_notice(connection, notice_id, actor=actor_of(request, user))
    return dataclasses.asdict(notice)
