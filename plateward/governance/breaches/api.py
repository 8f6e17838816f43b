"""The breach API under /api/v1/breaches (Attachment 2; Civil Code 1798.29).

Administrators and Internal Affairs (``manage_breaches``) record an incident, keep it up to
date, draft the notice from it and list who accessed the data it exposed, with the access
log's verification. Each look and each change is logged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.training import today_utc
from plateward.access.users import User
from plateward.audit.expected import server_heads
from plateward.errors import InvalidInput
from plateward.governance.breaches.accesses import DEFAULT_LIMIT, MAX_LIMIT, accesses_to
from plateward.governance.breaches.incidents import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    Incident,
    IncidentDetail,
    IncidentFields,
    add_note,
    attach_file,
    close_incident,
    edit_incident,
    incident_by_id,
    incident_detail,
    incident_file,
    list_incidents,
    record_incident,
    record_notice_event,
)
from plateward.governance.breaches.notice import draft_notice
from plateward.governance.breaches.rules import DataKind
from plateward.governance.http import actor_of, attachment_files, file_response, read_upload
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1/breaches", tags=["breaches"])

Responder = Annotated[User, Depends(require(Action.MANAGE_BREACHES))]

Text = Field(None, max_length=MAX_TEXT_CHARS)


class _IncidentDetails(BaseModel):
    """The fields an incident may leave empty until they are known."""

    data_to: dt.datetime | None = Field(None, description="Newest capture time; null: to now.")
    data_involved: str | None = Text
    camera_codes: list[str] | None = Field(None, description="Cameras whose data; empty: all.")
    occurred_from: dt.datetime | None = Field(None, description="When the breach began.")
    occurred_to: dt.datetime | None = Field(None, description="When it ended.")
    people_affected: int | None = Field(None, description="California residents to notify.")
    containment: str | None = Text
    law_enforcement_delay: str | None = Field(
        None, max_length=MAX_TEXT_CHARS, description="Which agency asked for a delay, until when."
    )
    what_you_can_do: str | None = Text
    contact: str | None = Field(
        None,
        max_length=MAX_TEXT_CHARS,
        description="Telephone, address, web: For More Information.",
    )
    notice_sent_on: dt.date | None = None
    attorney_general_notified_on: dt.date | None = None


class IncidentIn(_IncidentDetails):
    title: str = Field(max_length=MAX_TITLE_CHARS)
    discovered_at: dt.datetime = Field(description="When it was found, with its UTC offset.")
    discovered_by: str = Field(max_length=MAX_TITLE_CHARS)
    what_happened: str = Field(max_length=MAX_TEXT_CHARS)
    systems_involved: str = Field(max_length=MAX_TEXT_CHARS)
    data_kinds: list[DataKind]
    data_from: dt.datetime = Field(description="Oldest capture time of the data exposed.")


class IncidentEdit(_IncidentDetails):
    """Only the fields given change; ``null`` clears one that may be empty."""

    title: str | None = Field(None, max_length=MAX_TITLE_CHARS)
    discovered_at: dt.datetime | None = None
    discovered_by: str | None = Field(None, max_length=MAX_TITLE_CHARS)
    what_happened: str | None = Text
    systems_involved: str | None = Text
    data_kinds: list[DataKind] | None = None
    data_from: dt.datetime | None = None


REQUIRED = frozenset(IncidentIn.model_fields) - frozenset(_IncidentDetails.model_fields)


class NoteIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS)


class CloseIn(BaseModel):
    summary: str = Field(max_length=MAX_TEXT_CHARS, description="How the response ended.")


@router.post("", status_code=201)
def breaches_add(request: Request, user: Responder, body: IncidentIn) -> dict[str, Any]:
    """Record a breach incident for your agency."""
    values = body.model_dump(exclude_none=True)
    values["data_kinds"] = tuple(values["data_kinds"])
    values["camera_codes"] = tuple(values.get("camera_codes", ()))
    with app_state(request).db.begin() as connection:
        incident = record_incident(
            connection,
            IncidentFields(**values),
            agency_code=user.agency,
            actor=actor_of(request, user),
        )
    return _incident(incident)


@router.get("")
def breaches_list(request: Request, user: Responder) -> dict[str, Any]:
    """Every incident, newest discovery first."""
    with app_state(request).db.begin() as connection:
        found = list_incidents(connection, actor=actor_of(request, user))
    return {"count": len(found), "results": [_incident(i) for i in found]}


@router.get("/{incident_id}")
def breaches_show(request: Request, user: Responder, incident_id: int) -> dict[str, Any]:
    """One incident with its history and files."""
    with app_state(request).db.begin() as connection:
        detail = incident_detail(connection, incident_id, actor=actor_of(request, user))
    return _detail(detail)


@router.patch("/{incident_id}")
def breaches_edit(
    request: Request, user: Responder, incident_id: int, body: IncidentEdit
) -> dict[str, Any]:
    """Change what is known; the whole record is checked again."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    required = sorted(n for n in REQUIRED if n in changes and changes[n] is None)
    if required:
        raise InvalidInput(f"{', '.join(required)}: required, cannot be cleared")
    for name in ("data_kinds", "camera_codes"):
        if name in changes:
            changes[name] = tuple(changes[name] or ())
    with app_state(request).db.begin() as connection:
        incident = edit_incident(connection, incident_id, changes, actor=actor_of(request, user))
    return _incident(incident)


@router.post("/{incident_id}/notes", status_code=201)
def breaches_note(
    request: Request, user: Responder, incident_id: int, body: NoteIn
) -> dict[str, Any]:
    """Add a note to the incident's history."""
    with app_state(request).db.begin() as connection:
        add_note(connection, incident_id, text=body.text, actor=actor_of(request, user))
        detail = incident_detail(connection, incident_id)
    return _detail(detail)


@router.get("/{incident_id}/notice")
def breaches_notice(
    request: Request, user: Responder, incident_id: int, dated: dt.date | None = None
) -> dict[str, Any]:
    """The Civil Code 1798.29 notice drafted from the record, what it lacks, and reminders."""
    with app_state(request).db.begin() as connection:
        notice = draft_notice(incident_by_id(connection, incident_id), dated or today_utc())
        record_notice_event(
            connection, incident_id, actor=actor_of(request, user), reminders=len(notice.reminders)
        )
    return {**dataclasses.asdict(notice), "text": notice.text()}


@router.get("/{incident_id}/accesses")
def breaches_accesses(
    request: Request,
    user: Responder,
    incident_id: int,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Every inquiry that could have touched the data involved, with the log's verification."""
    state = app_state(request)
    heads, _ = server_heads(state.settings)
    with state.db.begin() as connection:
        report = accesses_to(
            connection,
            incident_by_id(connection, incident_id),
            limit=limit,
            actor=actor_of(request, user),
            heads=heads,
        )
    return dataclasses.asdict(report)


@router.post("/{incident_id}/files", status_code=201)
def breaches_attach(
    request: Request,
    user: Responder,
    incident_id: int,
    file: Annotated[UploadFile, File(description="Any file, up to records.max_file_bytes.")],
) -> dict[str, Any]:
    """Attach a file (multipart form); it is kept by its SHA-256."""
    state = app_state(request)
    files = attachment_files(state.settings)
    data = read_upload(file, files.max_bytes)
    with state.db.begin() as connection:
        stored = attach_file(
            connection,
            files,
            incident_id,
            file_name=file.filename or "",
            data=data,
            actor=actor_of(request, user),
        )
    return dataclasses.asdict(stored)


@router.get("/{incident_id}/files/{file_id}", response_class=Response)
def breaches_file(request: Request, user: Responder, incident_id: int, file_id: int) -> Response:
    """A file as it was attached (checked against its SHA-256)."""
    state = app_state(request)
    with state.db.begin() as connection:
        found = incident_file(connection, incident_id, file_id, actor=actor_of(request, user))
        data = attachment_files(state.settings).get(found.sha256)
    return file_response(data, found.file_name, found.media_type)


@router.post("/{incident_id}/close")
def breaches_close(
    request: Request, user: Responder, incident_id: int, body: CloseIn
) -> dict[str, Any]:
    """Close the response with a summary."""
    with app_state(request).db.begin() as connection:
        incident = close_incident(
            connection, incident_id, summary=body.summary, actor=actor_of(request, user)
        )
    return _incident(incident)


def _incident(incident: Incident) -> dict[str, Any]:
    out = dataclasses.asdict(incident)
    fields = out.pop("fields")
    return {**out, **fields}


def _detail(detail: IncidentDetail) -> dict[str, Any]:
    return {
        **_incident(detail.incident),
        "events": [dataclasses.asdict(e) for e in detail.events],
        "files": [dataclasses.asdict(f) for f in detail.files],
    }
