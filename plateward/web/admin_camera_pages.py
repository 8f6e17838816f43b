"""The equipment registry in the browser: cameras and patrol vehicles, their keys (``manage_cameras``).

A new camera's key, and a replacement key, are shown once in the answer to the POST that made
them; only their SHA-256 is stored (``store/cameras.py``). Revoking a key makes the camera's
batches refused from then on. Each change is logged in the access log with its reason
(policy E, the equipment registry), in the change's transaction.

It also shows which vendor cameras post with each key (``plateward camera source``) and the
last heartbeat each vendor agent sent, so an administrator sees a stopped stream or a silent
agent without a console.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.agency.registry import agency_id_of
from plateward.audit.actor import actor_for
from plateward.audit.log import append_change
from plateward.errors import InvalidInput, PlatewardError
from plateward.store.camera_sources import camera_health, list_sources
from plateward.store.cameras import add_camera, revoke_camera, rotate_camera_key
from plateward.store.schema import agencies, cameras
from plateward.web.guards import Refused, check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Administrator = Annotated[Session, Depends(page_for(Action.MANAGE_CAMERAS))]
REASON = "equipment registry (policy E)"
SILENT_AFTER = dt.timedelta(minutes=5)
"""OpenALPR agents post a heartbeat every minute: five missed ones mark the agent silent."""


@router.get("/admin/cameras")
def cameras_page(request: Request, session: Administrator, done: str = "") -> Response:
    notice = {"revoked": "Key revoked: the camera's batches are refused from now on."}.get(done)
    return _page(request, session, form={}, notice=notice)


@router.post("/admin/cameras")
async def cameras_add(request: Request, session: Administrator) -> Response:
    form = await _form(request, session)
    code = form.get("code", "").strip()
    kind = form.get("kind", "fixed")
    try:
        latitude = _optional_number(form, "latitude")
        longitude = _optional_number(form, "longitude")
        with app_state(request).db.begin() as connection:
            agency = form.get("agency", "").strip() or session.user.agency
            key = add_camera(
                connection, agency_id=agency_id_of(connection, agency), code=code,
                name=form.get("name", "").strip() or code, kind=kind,
                vehicle_id=form.get("vehicle_id", "").strip() or None, latitude=latitude,
                longitude=longitude, public_areas_only=not form.get("non_public"),
                court_order=form.get("court_order", "").strip() or None,
            )  # fmt: skip
            _log(request, session, connection, "camera.add", {
                "camera": code, "kind": kind, "agency": agency,
                "public_areas_only": not form.get("non_public"),
            })  # fmt: skip
    except PlatewardError as exc:
        return _page(request, session, form=form, error=exc.message, status=400)
    return _page(request, session, form={}, secret={"camera": code, "key": key})


@router.post("/admin/cameras/{code}/{change}")
async def camera_change(
    request: Request, session: Administrator, code: str, change: str
) -> Response:
    await _form(request, session)
    if change not in ("revoke", "new-key"):
        raise Refused(404, f"{change}: not something that can be changed here")
    try:
        with app_state(request).db.begin() as connection:
            if change == "revoke":
                revoke_camera(connection, code)
                _log(request, session, connection, "camera.revoke", {"camera": code})
                key = None
            else:
                key = rotate_camera_key(connection, code)
                _log(request, session, connection, "camera.key", {"camera": code})
    except PlatewardError as exc:
        return _page(request, session, form={}, error=exc.message, status=400)
    if key is None:
        return RedirectResponse("/admin/cameras?done=revoked", status_code=303)
    return _page(request, session, form={}, secret={"camera": code, "key": key})


def _page(
    request: Request, session: Session, *, form: dict[str, str], error: str | None = None,
    notice: str | None = None, secret: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    with app_state(request).db.connect() as connection:
        rows = connection.execute(
            select(cameras, agencies.c.code.label("agency"))
            .join(agencies, agencies.c.id == cameras.c.agency_id)
            .order_by(cameras.c.code)
        ).all()
        sources = list_sources(connection)
        health = camera_health(connection)
    return render(
        request, "admin_cameras.html", status_code=status, signed_in=session, cameras=rows,
        form=form, error=error, notice=notice, secret=secret, sources=sources,
        health=health, silent_before=dt.datetime.now(dt.UTC) - SILENT_AFTER,
    )  # fmt: skip


def _log(
    request: Request, session: Session, connection: Any, action: str, query: dict[str, Any]
) -> None:
    append_change(connection, actor_for(session.user, client_of(request)), action, query,
                  reason=REASON)  # fmt: skip


async def _form(request: Request, session: Session) -> dict[str, str]:
    check_csrf(session.csrf_token, await submitted_csrf(request))
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 2000}


def _optional_number(form: dict[str, str], name: str) -> float | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{name} {text!r}: give a number") from None
