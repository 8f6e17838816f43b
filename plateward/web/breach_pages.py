"""The breach pages (Attachment 2): incidents, each with the accesses to its data and its notice.

For administrators and Internal Affairs (``manage_breaches``), as the API. The incident's page
lists, from the access log, every inquiry that could have touched the data it exposed, with
the log's verification; the notice page is the Civil Code 1798.29 draft, laid out to print.
Times typed into the forms are read in the agency's zone, as on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.access.training import today_utc
from plateward.audit.actor import Actor, actor_for
from plateward.audit.expected import server_heads
from plateward.errors import InvalidInput, NotFound, PlatewardError
from plateward.governance.breaches.accesses import accesses_to
from plateward.governance.breaches.incidents import (
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
from plateward.governance.breaches.rules import PLAIN_WORDS, DataKind
from plateward.governance.http import attachment_files, file_response, read_upload
from plateward.web.clock import parse_local
from plateward.web.form_values import day_or_none, int_or_none
from plateward.web.guards import Refused, check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Responder = Annotated[Session, Depends(page_for(Action.MANAGE_BREACHES))]
Csrf = Annotated[str | None, Depends(submitted_csrf)]
Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=200)]
Work = Callable[[Connection, Actor], object]
ACCESSES_SHOWN = 500
KINDS = {k.value: PLAIN_WORDS[k] for k in DataKind}


@router.get("/breaches")
def incidents(request: Request, session: Responder) -> Response:
    with app_state(request).db.begin() as connection:
        found = list_incidents(connection, actor=_actor(request, session))
    return render(request, "breaches.html", signed_in=session, incidents=found)


@router.get("/breaches/new")
def new_form(request: Request, session: Responder) -> Response:
    return _new_page(request, session, form={}, error=None)


@router.post("/breaches/new")
async def new_incident(request: Request, session: Responder, submitted: Csrf) -> Response:
    check_csrf(session.csrf_token, submitted)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    kinds = [v for v in form.getlist("data_kinds") if isinstance(v, str)]
    zone = app_state(request).settings.web.time_zone

    def moment(name: str) -> Any:
        return parse_local(values.get(name, ""), zone, name)

    try:
        fields = IncidentFields(
            title=values.get("title", ""),
            discovered_at=_required(moment("discovered_at"), "discovered_at"),
            discovered_by=values.get("discovered_by", ""),
            what_happened=values.get("what_happened", ""),
            systems_involved=values.get("systems_involved", ""),
            data_kinds=tuple(kinds),
            data_from=_required(moment("data_from"), "data_from"),
            data_to=moment("data_to"),
            data_involved=values.get("data_involved") or None,
            camera_codes=tuple(values.get("camera_codes", "").replace(",", " ").split()),
            occurred_from=moment("occurred_from"),
            occurred_to=moment("occurred_to"),
            people_affected=int_or_none("people_affected", values.get("people_affected", "")),
            containment=values.get("containment") or None,
            law_enforcement_delay=values.get("law_enforcement_delay") or None,
            contact=values.get("contact") or None,
        )
        with app_state(request).db.begin() as connection:
            incident = record_incident(
                connection, fields, agency_code=session.user.agency, actor=_actor(request, session)
            )
    except PlatewardError as exc:
        return _new_page(
            request, session, form={**values, "data_kinds": kinds}, error=exc.message, status=400
        )
    return RedirectResponse(f"/breaches/{incident.id}", status_code=303)


@router.get("/breaches/{incident_id}")
def incident_page(request: Request, session: Responder, incident_id: int) -> Response:
    return _incident_page(request, session, incident_id)


@router.post("/breaches/{incident_id}/edit")
def edit(
    request: Request,
    session: Responder,
    submitted: Csrf,
    incident_id: int,
    containment: Text = "",
    people_affected: Short = "",
    contact: Text = "",
    law_enforcement_delay: Text = "",
    what_you_can_do: Text = "",
    occurred_from: Short = "",
    occurred_to: Short = "",
    data_to: Short = "",
    notice_sent_on: Short = "",
    attorney_general_notified_on: Short = "",
) -> Response:
    zone = app_state(request).settings.web.time_zone

    def change(connection: Connection, actor: Actor) -> object:
        changes: dict[str, Any] = {
            "containment": containment or None,
            "contact": contact or None,
            "law_enforcement_delay": law_enforcement_delay or None,
            "what_you_can_do": what_you_can_do or None,
            "people_affected": int_or_none("people_affected", people_affected),
            "occurred_from": parse_local(occurred_from, zone, "occurred_from"),
            "occurred_to": parse_local(occurred_to, zone, "occurred_to"),
            "data_to": parse_local(data_to, zone, "data_to"),
            "notice_sent_on": day_or_none("notice_sent_on", notice_sent_on),
            "attorney_general_notified_on": day_or_none(
                "attorney_general_notified_on", attorney_general_notified_on
            ),
        }
        return edit_incident(connection, incident_id, changes, actor=actor)

    return _step(request, session, submitted, incident_id, change)


@router.post("/breaches/{incident_id}/notes")
def note(
    request: Request, session: Responder, submitted: Csrf, incident_id: int, text: Text = ""
) -> Response:
    return _step(
        request,
        session,
        submitted,
        incident_id,
        lambda c, actor: add_note(c, incident_id, text=text, actor=actor),
    )


@router.post("/breaches/{incident_id}/files")
def attach(
    request: Request,
    session: Responder,
    submitted: Csrf,
    incident_id: int,
    file: UploadFile | None = None,
) -> Response:
    files = attachment_files(app_state(request).settings)

    def keep(connection: Connection, actor: Actor) -> object:
        if file is None or not file.filename:
            raise InvalidInput("file: choose a file to attach")
        data = read_upload(file, files.max_bytes)
        return attach_file(
            connection, files, incident_id, file_name=file.filename, data=data, actor=actor
        )

    return _step(request, session, submitted, incident_id, keep)


@router.get("/breaches/{incident_id}/files/{file_id}")
def download(request: Request, session: Responder, incident_id: int, file_id: int) -> Response:
    state = app_state(request)
    try:
        with state.db.begin() as connection:
            found = incident_file(connection, incident_id, file_id, actor=_actor(request, session))
            data = attachment_files(state.settings).get(found.sha256)
    except PlatewardError as exc:
        raise Refused(404, exc.message) from None
    return file_response(data, found.file_name, found.media_type)


@router.post("/breaches/{incident_id}/close")
def close(
    request: Request, session: Responder, submitted: Csrf, incident_id: int, summary: Text = ""
) -> Response:
    return _step(
        request,
        session,
        submitted,
        incident_id,
        lambda c, actor: close_incident(c, incident_id, summary=summary, actor=actor),
    )


@router.get("/breaches/{incident_id}/notice")
def notice(request: Request, session: Responder, incident_id: int) -> Response:
    try:
        with app_state(request).db.begin() as connection:
            drafted = draft_notice(incident_by_id(connection, incident_id), today_utc())
            record_notice_event(
                connection,
                incident_id,
                actor=_actor(request, session),
                reminders=len(drafted.reminders),
            )
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    return render(
        request, "breach_notice.html", signed_in=session, notice=drafted, incident_id=incident_id
    )


def _step(
    request: Request, session: Session, submitted: str | None, incident_id: int, work: Work
) -> Response:
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            work(connection, _actor(request, session))
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    except PlatewardError as exc:
        return _incident_page(request, session, incident_id, error=exc.message, status=400)
    return RedirectResponse(f"/breaches/{incident_id}", status_code=303)


def _incident_page(
    request: Request,
    session: Session,
    incident_id: int,
    error: str | None = None,
    status: int = 200,
) -> Response:
    actor = _actor(request, session)
    state = app_state(request)
    try:
        heads, _ = server_heads(state.settings)
        with state.db.begin() as connection:
            detail = incident_detail(connection, incident_id, actor=actor)
            report = accesses_to(connection, detail.incident, limit=ACCESSES_SHOWN, actor=actor,
                                 heads=heads)  # fmt: skip
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    return render(
        request,
        "breach.html",
        status_code=status,
        signed_in=session,
        detail=detail,
        report=report,
        error=error,
        kinds=KINDS,
    )


def _new_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, Any],
    error: str | None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "breach_new.html",
        status_code=status,
        signed_in=session,
        form=form,
        error=error,
        kinds=KINDS,
    )


def _required(moment: Any, field: str) -> Any:
    if moment is None:
        raise InvalidInput(f"{field}: required")
    return moment


def _actor(request: Request, session: Session) -> Actor:
    return actor_for(session.user, client_of(request))
