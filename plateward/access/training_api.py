"""The training API under /api/v1/training: the course catalog, certificates and who is qualified.

Keeping the records is the system administrator's job (policy D.1, F: staff hand the
administrator their certificates), so every route but the qualified list needs
``manage_training``. The qualified list (policy D.2) is also open to auditors
(``view_training``), who check that only trained people searched. Every change is logged in
the access log in the same transaction as the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.certificate_files import CertificateFiles
from plateward.access.roles import Action, Role
from plateward.access.training import Standing, today_utc, training_standings
from plateward.access.training_certificates import (
    MAX_REASON_CHARS,
    Certificate,
    certificate_by_id,
    certificates_of,
    record_certificate,
    revoke_certificate,
)
from plateward.access.training_courses import (
    KEEP,
    MAX_SYSTEMS_CHARS,
    MAX_TITLE_CHARS,
    MAX_VALID_DAYS,
    Course,
    add_course,
    edit_course,
    list_courses,
)
from plateward.access.users import User
from plateward.audit.actor import Actor, actor_for
from plateward.errors import InvalidInput
from plateward.settings import Settings
from plateward.store.schema import MAX_INTEGER
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1/training", tags=["training"])

Administrator = Annotated[User, Depends(require(Action.MANAGE_TRAINING))]
Overseer = Annotated[User, Depends(require(Action.VIEW_TRAINING))]

ValidDays = Field(
    None, ge=1, le=MAX_VALID_DAYS, description="Days a certificate counts; null: never expires."
)


class CourseIn(BaseModel):
    code: str = Field(max_length=32, description="Short unique code, e.g. FLOCK-SEARCH.")
    title: str = Field(max_length=MAX_TITLE_CHARS, description="As on the certificate.")
    systems: str = Field("", max_length=MAX_SYSTEMS_CHARS, description="What it qualifies for.")
    required_for: list[Role] = Field(description="Roles that must hold a current certificate.")
    valid_days: int | None = ValidDays
    active: bool = True


class CourseEdit(BaseModel):
    """Only the fields given change; ``valid_days: null`` removes the expiry."""

    title: str | None = Field(None, max_length=MAX_TITLE_CHARS)
    systems: str | None = Field(None, max_length=MAX_SYSTEMS_CHARS)
    required_for: list[Role] | None = None
    valid_days: int | None = ValidDays
    active: bool | None = None


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS)


@router.get("/courses")
def courses_list(request: Request, user: Administrator) -> dict[str, Any]:
    """The catalog, inactive courses included, in the order they were added."""
    with app_state(request).db.connect() as connection:
        found = list_courses(connection)
    return {"count": len(found), "results": [_course(c) for c in found]}


@router.post("/courses", status_code=201)
def courses_add(request: Request, user: Administrator, body: CourseIn) -> dict[str, Any]:
    """Add a course to the catalog."""
    with app_state(request).db.begin() as connection:
        course = add_course(
            connection, code=body.code, title=body.title, systems=body.systems,
            required_for=body.required_for, valid_days=body.valid_days, active=body.active,
            actor=_actor(request, user),
        )  # fmt: skip
    return _course(course)


@router.patch("/courses/{code}")
def courses_edit(
    request: Request, user: Administrator, code: str, body: CourseEdit
) -> dict[str, Any]:
    """Change a course; the gate applies the change from the next request on."""
    with app_state(request).db.begin() as connection:
        course = edit_course(
            connection, code, actor=_actor(request, user), title=body.title,
            systems=body.systems, required_for=body.required_for, active=body.active,
            valid_days=body.valid_days if "valid_days" in body.model_fields_set else KEEP,
        )  # fmt: skip
    return _course(course)


@router.get("/users/{username}/certificates")
def certificates_list(request: Request, user: Administrator, username: str) -> dict[str, Any]:
    """Every certificate on file for one person, revoked ones too, newest first."""
    with app_state(request).db.connect() as connection:
        found = certificates_of(connection, username)
    return {"count": len(found), "results": [_certificate(c) for c in found]}


@router.post("/users/{username}/certificates", status_code=201)
def certificates_record(
    request: Request,
    user: Administrator,
    username: str,
    course: Annotated[str, Form(max_length=32, description="The course's code.")],
    completed_on: Annotated[dt.date, Form(description="Date on the certificate.")],
    file: Annotated[UploadFile, File(description="The certificate: PDF, JPEG or PNG.")],
) -> dict[str, Any]:
    """Record a certificate of completion with its file (multipart form)."""
    state = app_state(request)
    files = certificate_files(state.settings)
    data = file.file.read(files.max_bytes + 1)
    if len(data) > files.max_bytes:
        raise InvalidInput(f"{file.filename}: over the {files.max_bytes} byte limit")
    with state.db.begin() as connection:
        recorded = record_certificate(
            connection, files, username=username, course=course, completed_on=completed_on,
            file_name=file.filename or "", data=data, actor=_actor(request, user),
            today=today_utc(),
        )  # fmt: skip
    return _certificate(recorded)


@router.post("/certificates/{certificate_id}/revoke")
def certificates_revoke(
    request: Request, user: Administrator, certificate_id: int, body: RevokeIn
) -> dict[str, Any]:
    """Take a certificate recorded in error out of the gate; the record stays."""
    with app_state(request).db.begin() as connection:
        revoked = revoke_certificate(
            connection, certificate_id, reason=body.reason, actor=_actor(request, user)
        )
    return _certificate(revoked)


@router.get("/certificates/{certificate_id}/file", response_class=Response)
def certificates_file(
    request: Request,
    user: Administrator,
    certificate_id: Annotated[int, Path(ge=1, le=MAX_INTEGER)],
) -> Response:
    """The certificate's file as it was handed in."""
    state = app_state(request)
    with state.db.connect() as connection:
        found = certificate_by_id(connection, certificate_id)
    data = certificate_files(state.settings).get(found.file_sha256)
    return Response(
        data,
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="certificate-{found.id}"'},
    )


@router.get("/qualified")
def qualified(request: Request, user: Overseer) -> dict[str, Any]:
    """The qualified operators (policy D.2) and, apart, who may not search yet and why."""
    today = today_utc()
    with app_state(request).db.connect() as connection:
        standings = training_standings(connection, today)
    return {
        "as_of": today,
        "qualified": [_standing(s) for s in standings if s.qualified],
        "not_qualified": [_standing(s) for s in standings if not s.qualified],
    }


def certificate_files(settings: Settings) -> CertificateFiles:
    return CertificateFiles(settings.data_dir / "certificates")


def _actor(request: Request, user: User) -> Actor:
    return actor_for(user, request.client.host if request.client else None)


def _course(course: Course) -> dict[str, Any]:
    out = dataclasses.asdict(course)
    out.pop("id")
    return out


def _certificate(certificate: Certificate) -> dict[str, Any]:
    return dataclasses.asdict(certificate)


def _standing(standing: Standing) -> dict[str, Any]:
    person = standing.user
    return {
        "username": person.username,
        "full_name": person.full_name,
        "role": person.role,
        "agency": person.agency,
        "certificates": [_certificate(c) for c in standing.certificates],
        "missing": [
            {"course": m.course.code, "title": m.course.title, "expired_on": m.expired_on}
            for m in standing.missing
        ],
    }
