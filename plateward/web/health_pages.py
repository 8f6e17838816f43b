"""The camera health page (policy D.3): every camera's state and the open notices, for
administrators (``view_camera_health``), who acknowledge a notice here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.audit.actor import actor_for
from plateward.errors import PlatewardError
from plateward.governance.health.checks import acknowledge_notice, camera_health, list_notices
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Administrator = Annotated[Session, Depends(page_for(Action.VIEW_CAMERA_HEALTH))]


@router.get("/camera-health")
def health(request: Request, session: Administrator) -> Response:
    return _page(request, session)


@router.post("/camera-health/notices/{notice_id}/acknowledge")
def acknowledge(
    request: Request,
    session: Administrator,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    notice_id: int,
) -> Response:
    check_csrf(session.csrf_token, submitted)
    actor = actor_for(session.user, client_of(request))
    try:
        with app_state(request).db.begin() as connection:
            acknowledge_notice(connection, notice_id, actor=actor)
    except PlatewardError as exc:
        return _page(request, session, error=exc.message, status=400)
    return RedirectResponse("/camera-health", status_code=303)


def _page(
    request: Request, session: Session, error: str | None = None, status: int = 200
) -> Response:
    state = app_state(request)
    now = dt.datetime.now(dt.UTC)
    with state.db.connect() as connection:
        cameras = camera_health(connection, state.settings.camera_health, now)
        notices = list_notices(connection)
    return render(
        request,
        "camera_health.html",
        status_code=status,
        signed_in=session,
        cameras=cameras,
        notices=notices,
        now=now,
        error=error,
        settings=state.settings.camera_health,
    )
