"""Training in the browser: the qualified list (policy D.2) for administrators and auditors
(``view_training``), and for administrators (``manage_training``) the certificates on file:
recording one with its file, revoking one recorded in error, and reading a file back.

The same functions as the training API do the work, logged the same way under the person
who made the change (policy D.1, F).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session
from plateward.access.training import today_utc, training_standings
from plateward.access.training_api import certificate_files
from plateward.access.training_certificates import (
    certificate_by_id,
    certificates_of,
    record_certificate,
    revoke_certificate,
)
from plateward.access.training_courses import list_courses
from plateward.audit.actor import actor_for
from plateward.errors import InvalidInput, PlatewardError
from plateward.web.guards import Refused, check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Overseer = Annotated[Session, Depends(page_for(Action.VIEW_TRAINING))]
Keeper = Annotated[Session, Depends(page_for(Action.MANAGE_TRAINING))]


@router.get("/admin/training")
def training_page(
    request: Request, session: Overseer, person: str = "", done: str = ""
) -> Response:
    notice = {"recorded": "Certificate recorded.", "revoked": "Certificate revoked."}.get(done)
    return _page(request, session, person=person, notice=notice)


@router.post("/admin/training/certificates")
def certificate_add(
    request: Request,
    session: Keeper,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    username: Annotated[str, Form(max_length=64)],
    course: Annotated[str, Form(max_length=32)],
    completed_on: Annotated[str, Form(max_length=20)],
    file: Annotated[UploadFile, File()],
) -> Response:
    check_csrf(session.csrf_token, submitted)
    state = app_state(request)
    files = certificate_files(state.settings)
    try:
        try:
            day = dt.date.fromisoformat(completed_on.strip())
        except ValueError:
            raise InvalidInput(f"completed on {completed_on!r}: give a date") from None
        data = file.file.read(files.max_bytes + 1)
        if len(data) > files.max_bytes:
            raise InvalidInput(f"{file.filename}: over the {files.max_bytes} byte limit")
        with state.db.begin() as connection:
            record_certificate(
                connection, files, username=username.strip(), course=course, completed_on=day,
                file_name=file.filename or "", data=data,
                actor=actor_for(session.user, client_of(request)), today=today_utc(),
            )  # fmt: skip
    except PlatewardError as exc:
        return _page(request, session, person=username, error=exc.message, status=400)
    return RedirectResponse(f"/admin/training?person={username.strip()}&done=recorded#person",
                            status_code=303)  # fmt: skip


@router.post("/admin/training/certificates/{certificate_id}/revoke")
def certificate_revoke(
    request: Request,
    session: Keeper,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    certificate_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            found = revoke_certificate(connection, certificate_id, reason=reason,
                                       actor=actor_for(session.user, client_of(request)))  # fmt: skip
    except PlatewardError as exc:
        return _page(request, session, person="", error=exc.message, status=400)
    return RedirectResponse(f"/admin/training?person={found.username}&done=revoked#person",
                            status_code=303)  # fmt: skip


@router.get("/admin/training/certificates/{certificate_id}/file")
def certificate_file(request: Request, session: Keeper, certificate_id: int) -> Response:
    state = app_state(request)
    with state.db.connect() as connection:
        try:
            found = certificate_by_id(connection, certificate_id)
        except PlatewardError as exc:
            raise Refused(404, exc.message) from None
    data = certificate_files(state.settings).get(found.file_sha256)
    return Response(data, media_type=found.media_type, headers={
        "Content-Disposition": f'attachment; filename="certificate-{found.id}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
    })  # fmt: skip


def _page(
    request: Request, session: Session, *, person: str, notice: str | None = None,
    error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    today = today_utc()
    keeper = allowed(session.user.role, Action.MANAGE_TRAINING)
    with app_state(request).db.connect() as connection:
        standings = training_standings(connection, today)
        courses = list_courses(connection, active_only=True)
        held = []
        if keeper and person:
            try:
                held = certificates_of(connection, person)
            except PlatewardError:
                held = []
    return render(
        request, "training.html", status_code=status, signed_in=session, today=today,
        qualified=[s for s in standings if s.qualified],
        not_qualified=[s for s in standings if not s.qualified], courses=courses,
        keeper=keeper, person=person, held=held, notice=notice, error=error,
    )  # fmt: skip
