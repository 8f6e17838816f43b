"""The records request API under /api/v1/records (policy C).

Anyone signed in may enter a request (``submit_records_request``) and is told only its number
and due date; the queue, each request's details with the requester's contact, and every step
of the answer are for Internal Affairs and administrators (``work_records_requests``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.training import today_utc
from plateward.access.users import User
from plateward.governance.http import actor_of, attachment_files, file_response, read_upload
from plateward.governance.records.requests import (
    MAX_CONTACT_CHARS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_TEXT_CHARS,
    RequestDetail,
    add_note,
    assign_request,
    attach_file,
    close_request,
    extend_request,
    list_requests,
    queue_counts,
    request_detail,
    request_file,
    submit_request,
)
from plateward.governance.records.rules import Channel, Outcome, ReplyBy
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1/records", tags=["records requests"])

Submitter = Annotated[User, Depends(require(Action.SUBMIT_RECORDS_REQUEST))]
Worker = Annotated[User, Depends(require(Action.WORK_RECORDS_REQUESTS))]


class RequestIn(BaseModel):
    received_on: dt.date | None = Field(None, description="Day it reached the agency; today.")
    channel: Channel = Field(Channel.WEB, description="How it reached the agency.")
    requester_name: str = Field(max_length=MAX_NAME_CHARS, description="Who asked.")
    requester_contact: str = Field(
        max_length=MAX_CONTACT_CHARS, description="Address, e-mail or telephone for the reply."
    )
    reply_by: ReplyBy = Field(description="How the requester wants the answer.")
    description: str = Field(max_length=MAX_TEXT_CHARS, description="What records they ask for.")


class AssignIn(BaseModel):
    username: str = Field(max_length=64, description="Internal Affairs member who answers it.")


class NoteIn(BaseModel):
    text: str = Field(max_length=MAX_NOTE_CHARS)


class ExtensionIn(BaseModel):
    reason: str = Field(
        max_length=MAX_NOTE_CHARS, description="The unusual circumstances, as in the notice."
    )
    noticed_on: dt.date | None = Field(None, description="Date of the written notice; today.")


class CloseIn(BaseModel):
    outcome: Outcome
    summary: str = Field(
        max_length=MAX_TEXT_CHARS,
        description="What was released, or the exemption relied on for what was withheld.",
    )
    closed_on: dt.date | None = Field(None, description="Day the response was sent; today.")


@router.post("/requests", status_code=201)
def requests_submit(request: Request, user: Submitter, body: RequestIn) -> dict[str, Any]:
    """Enter a public records request; it goes to the Internal Affairs queue at once."""
    state = app_state(request)
    today = today_utc()
    with state.db.begin() as connection:
        receipt = submit_request(
            connection,
            received_on=body.received_on or today,
            channel=body.channel,
            requester_name=body.requester_name,
            requester_contact=body.requester_contact,
            reply_by=body.reply_by,
            description=body.description,
            actor=actor_of(request, user),
            today=today,
            holidays=state.settings.records.holidays,
        )
    return dataclasses.asdict(receipt)


@router.get("/requests")
def requests_list(request: Request, user: Worker, include_closed: bool = False) -> dict[str, Any]:
    """The queue, soonest due first; closed requests too with ``include_closed``."""
    with app_state(request).db.begin() as connection:
        found = list_requests(
            connection,
            today=today_utc(),
            include_closed=include_closed,
            actor=actor_of(request, user),
        )
    return {"count": len(found), "results": [dataclasses.asdict(s) for s in found]}


@router.get("/status")
def requests_status(request: Request, user: Worker) -> dict[str, int]:
    """How many open requests are overdue, due within two days, and on time."""
    with app_state(request).db.connect() as connection:
        counts = queue_counts(connection, today_utc())
    return {urgency.value: count for urgency, count in counts.items()}


@router.get("/requests/{request_id}")
def requests_show(request: Request, user: Worker, request_id: int) -> dict[str, Any]:
    """One request with the requester's contact details, its history and its files."""
    with app_state(request).db.begin() as connection:
        detail = request_detail(
            connection, request_id, today=today_utc(), actor=actor_of(request, user)
        )
    return _detail(detail)


@router.post("/requests/{request_id}/assign")
def requests_assign(
    request: Request, user: Worker, request_id: int, body: AssignIn
) -> dict[str, Any]:
    """Give the request to someone in Internal Affairs to answer."""
    with app_state(request).db.begin() as connection:
        assign_request(
            connection, request_id, username=body.username, actor=actor_of(request, user)
        )
        detail = request_detail(connection, request_id, today=today_utc())
    return _detail(detail)


@router.post("/requests/{request_id}/notes", status_code=201)
def requests_note(request: Request, user: Worker, request_id: int, body: NoteIn) -> dict[str, Any]:
    """Add a note to the request's history."""
    with app_state(request).db.begin() as connection:
        add_note(connection, request_id, text=body.text, actor=actor_of(request, user))
        detail = request_detail(connection, request_id, today=today_utc())
    return _detail(detail)


@router.post("/requests/{request_id}/extension")
def requests_extend(
    request: Request, user: Worker, request_id: int, body: ExtensionIn
) -> dict[str, Any]:
    """Extend the deadline once, by 14 days, for the reason given in the written notice."""
    state = app_state(request)
    today = today_utc()
    with state.db.begin() as connection:
        extend_request(
            connection,
            request_id,
            reason=body.reason,
            noticed_on=body.noticed_on or today,
            actor=actor_of(request, user),
            today=today,
            holidays=state.settings.records.holidays,
        )
        detail = request_detail(connection, request_id, today=today)
    return _detail(detail)


@router.post("/requests/{request_id}/files", status_code=201)
def requests_attach(
    request: Request,
    user: Worker,
    request_id: int,
    file: Annotated[UploadFile, File(description="Any file, up to records.max_file_bytes.")],
    part: Annotated[
        Literal["request", "response"],
        Form(description="request: what the requester sent; response: the package sent back."),
    ] = "response",
) -> dict[str, Any]:
    """Attach a file (multipart form); it is kept by its SHA-256."""
    state = app_state(request)
    files = attachment_files(state.settings)
    data = read_upload(file, files.max_bytes)
    with state.db.begin() as connection:
        stored = attach_file(
            connection,
            files,
            request_id,
            part=part,
            file_name=file.filename or "",
            data=data,
            actor=actor_of(request, user),
        )
    return dataclasses.asdict(stored)


@router.get("/requests/{request_id}/files/{file_id}", response_class=Response)
def requests_file(request: Request, user: Worker, request_id: int, file_id: int) -> Response:
    """A file as it was attached (checked against its SHA-256)."""
    state = app_state(request)
    with state.db.begin() as connection:
        found = request_file(connection, request_id, file_id, actor=actor_of(request, user))
        data = attachment_files(state.settings).get(found.sha256)
    return file_response(data, found.file_name, found.media_type)


@router.post("/requests/{request_id}/close")
def requests_close(
    request: Request, user: Worker, request_id: int, body: CloseIn
) -> dict[str, Any]:
    """Record the response sent and close the request."""
    today = today_utc()
    with app_state(request).db.begin() as connection:
        close_request(
            connection,
            request_id,
            outcome=body.outcome,
            summary=body.summary,
            closed_on=body.closed_on or today,
            actor=actor_of(request, user),
            today=today,
        )
        detail = request_detail(connection, request_id, today=today)
    return _detail(detail)


def _detail(detail: RequestDetail) -> dict[str, Any]:
    out = dataclasses.asdict(detail)
    summary = out.pop("summary")
    return {**summary, **out}
