"""The records request pages (policy C): anyone files a request; Internal Affairs works the queue.

``/records/new`` is open to every signed-in person (``submit_records_request``), who is told
the request's number and due date and nothing more. The queue, each request's page (with the
requester's contact details) and every step of the answer need ``work_records_requests``,
exactly as the API does, and go through the same domain functions, so the access log cannot
tell a page from the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session
from plateward.access.training import today_utc
from plateward.audit.actor import Actor, actor_for
from plateward.errors import InvalidInput, NotFound, PlatewardError
from plateward.governance.http import attachment_files, file_response, read_upload
from plateward.governance.records.requests import (
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
from plateward.web.form_values import day_or_none
from plateward.web.guards import Refused, check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Worker = Annotated[Session, Depends(page_for(Action.WORK_RECORDS_REQUESTS))]
Submitter = Annotated[Session, Depends(page_for(Action.SUBMIT_RECORDS_REQUEST))]
Csrf = Annotated[str | None, Depends(submitted_csrf)]
Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=1000)]
Work = Callable[[Connection, Actor], object]


@router.get("/records")
def queue(request: Request, session: Worker, closed: bool = False) -> Response:
    today = today_utc()
    with app_state(request).db.begin() as connection:
        found = list_requests(
            connection, today=today, include_closed=closed, actor=_actor(request, session)
        )
        counts = queue_counts(connection, today)
    return render(
        request,
        "records_queue.html",
        signed_in=session,
        requests=found,
        counts={k.value: v for k, v in counts.items()},
        closed=closed,
    )


@router.get("/records/new")
def new_form(request: Request, session: Submitter) -> Response:
    return _new_page(request, session, form={}, error=None)


@router.post("/records/new")
def new_request(
    request: Request,
    session: Submitter,
    submitted: Csrf,
    requester_name: Short = "",
    requester_contact: Short = "",
    reply_by: Short = "",
    channel: Short = "",
    received_on: Short = "",
    description: Text = "",
) -> Response:
    check_csrf(session.csrf_token, submitted)
    form = {
        "requester_name": requester_name,
        "requester_contact": requester_contact,
        "reply_by": reply_by,
        "channel": channel,
        "received_on": received_on,
        "description": description,
    }
    state = app_state(request)
    today = today_utc()
    try:
        with state.db.begin() as connection:
            receipt = submit_request(
                connection,
                received_on=day_or_none("received_on", received_on) or today,
                channel=channel or Channel.COUNTER.value,
                requester_name=requester_name,
                requester_contact=requester_contact,
                reply_by=reply_by,
                description=description,
                actor=_actor(request, session),
                today=today,
                holidays=state.settings.records.holidays,
            )
    except PlatewardError as exc:
        return _new_page(request, session, form=form, error=exc.message, status=400)
    if allowed(session.user.role, Action.WORK_RECORDS_REQUESTS):
        return RedirectResponse(f"/records/{receipt.id}", status_code=303)
    return render(request, "records_receipt.html", signed_in=session, receipt=receipt)


@router.get("/records/{request_id}")
def detail(request: Request, session: Worker, request_id: int) -> Response:
    return _detail_page(request, session, request_id)


@router.post("/records/{request_id}/assign")
def assign(
    request: Request, session: Worker, submitted: Csrf, request_id: int, username: Short = ""
) -> Response:
    return _step(
        request,
        session,
        submitted,
        request_id,
        lambda c, actor: assign_request(c, request_id, username=username, actor=actor),
    )


@router.post("/records/{request_id}/notes")
def note(
    request: Request, session: Worker, submitted: Csrf, request_id: int, text: Text = ""
) -> Response:
    return _step(
        request,
        session,
        submitted,
        request_id,
        lambda c, actor: add_note(c, request_id, text=text, actor=actor),
    )


@router.post("/records/{request_id}/extension")
def extend(
    request: Request,
    session: Worker,
    submitted: Csrf,
    request_id: int,
    reason: Text = "",
    noticed_on: Short = "",
) -> Response:
    holidays = app_state(request).settings.records.holidays
    today = today_utc()

    def work(connection: Connection, actor: Actor) -> object:
        day = day_or_none("noticed_on", noticed_on) or today
        return extend_request(
            connection,
            request_id,
            reason=reason,
            noticed_on=day,
            actor=actor,
            today=today,
            holidays=holidays,
        )

    return _step(request, session, submitted, request_id, work)


@router.post("/records/{request_id}/files")
def attach(
    request: Request,
    session: Worker,
    submitted: Csrf,
    request_id: int,
    file: UploadFile | None = None,
    part: Annotated[str, Form(max_length=16)] = "response",
) -> Response:
    files = attachment_files(app_state(request).settings)

    def keep(connection: Connection, actor: Actor) -> object:
        if file is None or not file.filename:
            raise InvalidInput("file: choose a file to attach")
        data = read_upload(file, files.max_bytes)
        return attach_file(
            connection,
            files,
            request_id,
            part=part,
            file_name=file.filename,
            data=data,
            actor=actor,
        )

    return _step(request, session, submitted, request_id, keep)


@router.get("/records/{request_id}/files/{file_id}")
def download(request: Request, session: Worker, request_id: int, file_id: int) -> Response:
    state = app_state(request)
    try:
        with state.db.begin() as connection:
            found = request_file(connection, request_id, file_id, actor=_actor(request, session))
            data = attachment_files(state.settings).get(found.sha256)
    except PlatewardError as exc:
        raise Refused(404, exc.message) from None
    return file_response(data, found.file_name, found.media_type)


@router.post("/records/{request_id}/close")
def close(
    request: Request,
    session: Worker,
    submitted: Csrf,
    request_id: int,
    outcome: Short = "",
    summary: Text = "",
    closed_on: Short = "",
) -> Response:
    today = today_utc()

    def work(connection: Connection, actor: Actor) -> object:
        day = day_or_none("closed_on", closed_on) or today
        return close_request(
            connection,
            request_id,
            outcome=outcome,
            summary=summary,
            closed_on=day,
            actor=actor,
            today=today,
        )

    return _step(request, session, submitted, request_id, work)


def _step(
    request: Request, session: Session, submitted: str | None, request_id: int, work: Work
) -> Response:
    """One change to a request; back to its page, with the error if it was refused."""
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            work(connection, _actor(request, session))
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    except PlatewardError as exc:
        return _detail_page(request, session, request_id, error=exc.message, status=400)
    return RedirectResponse(f"/records/{request_id}", status_code=303)


def _detail_page(
    request: Request,
    session: Session,
    request_id: int,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        with app_state(request).db.begin() as connection:
            found: RequestDetail = request_detail(
                connection, request_id, today=today_utc(), actor=_actor(request, session)
            )
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    return render(
        request,
        "records_request.html",
        status_code=status,
        signed_in=session,
        detail=found,
        error=error,
        outcomes=[o.value for o in Outcome],
    )


def _new_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str],
    error: str | None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "records_new.html",
        status_code=status,
        signed_in=session,
        form=form,
        error=error,
        channels=[c.value for c in Channel],
        replies=[r.value for r in ReplyBy],
        today=today_utc(),
    )


def _actor(request: Request, session: Session) -> Actor:
    return actor_for(session.user, client_of(request))
