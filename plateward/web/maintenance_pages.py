"""The equipment pages: equipped vehicles with their qualified operators, and maintenance tickets.

``/equipment`` is one list (policy D.2): the vehicles with their cameras and open tickets, then
the people qualified to operate them, for administrators and auditors (``view_equipment``);
administrators also register vehicles, take them out of service and record where cameras are
mounted (``manage_cameras``). Anyone reports a problem at ``/maintenance`` (E.3); on a ticket's
page the administrator assesses it, authorizes a repair (E.1) and records the work (E.2,
``manage_maintenance``). The permissions are the API's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session
from plateward.access.training import today_utc, training_standings
from plateward.audit.actor import Actor, actor_for
from plateward.errors import InvalidInput, NotFound, PlatewardError
from plateward.governance.equipment.tickets import (
    add_note,
    assess_ticket,
    authorize_repair,
    cancel_ticket,
    complete_work,
    list_tickets,
    record_routine,
    report_problem,
    start_work,
    ticket_detail,
)
from plateward.governance.equipment.vehicles import (
    equipped_vehicles,
    list_cameras,
    place_camera,
    register_vehicle,
    update_vehicle,
)
from plateward.web.clock import parse_local
from plateward.web.guards import Refused, check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Session, Depends(page_for(Action.VIEW_EQUIPMENT))]
CameraAdmin = Annotated[Session, Depends(page_for(Action.MANAGE_CAMERAS))]
Reporter = Annotated[Session, Depends(page_for(Action.REPORT_MAINTENANCE))]
Overseer = Annotated[Session, Depends(page_for(Action.MANAGE_MAINTENANCE))]
Csrf = Annotated[str | None, Depends(submitted_csrf)]
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]
Work = Callable[[Connection, Actor], object]


@router.get("/equipment")
def equipment(request: Request, session: Viewer) -> Response:
    return _equipment_page(request, session)


@router.post("/equipment/vehicles")
def add_vehicle(
    request: Request,
    session: CameraAdmin,
    submitted: Csrf,
    unit_number: Short = "",
    description: Short = "",
) -> Response:
    return _equipment_step(
        request,
        session,
        submitted,
        lambda c, actor: register_vehicle(
            c,
            unit_number=unit_number,
            description=description,
            agency_code=session.user.agency,
            actor=actor,
        ),
    )


@router.post("/equipment/vehicles/{unit_number}/service")
def set_service(
    request: Request,
    session: CameraAdmin,
    submitted: Csrf,
    unit_number: str,
    in_service: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    return _equipment_step(
        request,
        session,
        submitted,
        lambda c, actor: update_vehicle(
            c, unit_number, actor=actor, in_service=in_service == "yes"
        ),
    )


@router.post("/equipment/cameras/placement")
def place(
    request: Request,
    session: CameraAdmin,
    submitted: Csrf,
    camera: Short = "",
    vehicle: Short = "",
    site: Short = "",
    latitude: Short = "",
    longitude: Short = "",
) -> Response:
    def mount(connection: Connection, actor: Actor) -> object:
        return place_camera(
            connection,
            camera,
            actor=actor,
            vehicle=vehicle.strip() or None,
            site=site.strip() or None,
            latitude=_number("latitude", latitude),
            longitude=_number("longitude", longitude),
        )

    return _equipment_step(request, session, submitted, mount)


@router.get("/maintenance")
def tickets(request: Request, session: Reporter, finished: bool = False) -> Response:
    return _tickets_page(request, session, finished=finished)


@router.post("/maintenance")
def report(
    request: Request,
    session: Reporter,
    submitted: Csrf,
    camera: Short = "",
    vehicle: Short = "",
    problem: Text = "",
) -> Response:
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            ticket = report_problem(
                connection,
                problem=problem,
                actor=_actor(request, session),
                camera=camera or None,
                vehicle=vehicle or None,
            )
    except PlatewardError as exc:
        form = {"camera": camera, "vehicle": vehicle, "problem": problem}
        return _tickets_page(request, session, error=exc.message, status=400, form=form)
    return RedirectResponse(f"/maintenance/{ticket.id}", status_code=303)


@router.post("/maintenance/routine")
def routine(
    request: Request,
    session: Overseer,
    submitted: Csrf,
    camera: Short = "",
    vehicle: Short = "",
    work_done: Text = "",
    performed_by: Short = "",
    started_at: Short = "",
    completed_at: Short = "",
) -> Response:
    check_csrf(session.csrf_token, submitted)
    zone = app_state(request).settings.web.time_zone
    try:
        began = parse_local(started_at, zone, "started_at")
        ended = parse_local(completed_at, zone, "completed_at")
        if began is None or ended is None:
            raise InvalidInput("started_at and completed_at: both are required")
        with app_state(request).db.begin() as connection:
            ticket = record_routine(
                connection,
                work_done=work_done,
                performed_by=performed_by,
                started_at=began,
                completed_at=ended,
                actor=_actor(request, session),
                camera=camera or None,
                vehicle=vehicle or None,
            )
    except PlatewardError as exc:
        return _tickets_page(request, session, error=exc.message, status=400)
    return RedirectResponse(f"/maintenance/{ticket.id}", status_code=303)


@router.get("/maintenance/{ticket_id}")
def ticket(request: Request, session: Reporter, ticket_id: int) -> Response:
    return _ticket_page(request, session, ticket_id)


@router.post("/maintenance/{ticket_id}/notes")
def note(
    request: Request, session: Reporter, submitted: Csrf, ticket_id: int, text: Text = ""
) -> Response:
    return _ticket_step(
        request,
        session,
        submitted,
        ticket_id,
        lambda c, actor: add_note(c, ticket_id, text=text, actor=actor),
    )


@router.post("/maintenance/{ticket_id}/assess")
def assess(
    request: Request,
    session: Overseer,
    submitted: Csrf,
    ticket_id: int,
    kind: Annotated[str, Form(max_length=16)] = "",
    note: Text = "",
) -> Response:
    return _ticket_step(
        request,
        session,
        submitted,
        ticket_id,
        lambda c, actor: assess_ticket(c, ticket_id, kind=kind, actor=actor, note=note),
    )


@router.post("/maintenance/{ticket_id}/authorize")
def authorize(
    request: Request, session: Overseer, submitted: Csrf, ticket_id: int, note: Text = ""
) -> Response:
    return _ticket_step(
        request,
        session,
        submitted,
        ticket_id,
        lambda c, actor: authorize_repair(c, ticket_id, actor=actor, note=note),
    )


@router.post("/maintenance/{ticket_id}/start")
def start(
    request: Request,
    session: Overseer,
    submitted: Csrf,
    ticket_id: int,
    performed_by: Short = "",
    started_at: Short = "",
) -> Response:
    zone = app_state(request).settings.web.time_zone
    return _ticket_step(
        request,
        session,
        submitted,
        ticket_id,
        lambda c, actor: start_work(
            c,
            ticket_id,
            performed_by=performed_by,
            actor=actor,
            started_at=parse_local(started_at, zone, "started_at"),
        ),
    )


@router.post("/maintenance/{ticket_id}/complete")
def complete(
    request: Request,
    session: Overseer,
    submitted: Csrf,
    ticket_id: int,
    work_done: Text = "",
    completed_at: Short = "",
) -> Response:
    zone = app_state(request).settings.web.time_zone
    return _ticket_step(
        request,
        session,
        submitted,
        ticket_id,
        lambda c, actor: complete_work(
            c,
            ticket_id,
            work_done=work_done,
            actor=actor,
            completed_at=parse_local(completed_at, zone, "completed_at"),
        ),
    )


@router.post("/maintenance/{ticket_id}/cancel")
def cancel(
    request: Request, session: Overseer, submitted: Csrf, ticket_id: int, reason: Text = ""
) -> Response:
    return _ticket_step(
        request,
        session,
        submitted,
        ticket_id,
        lambda c, actor: cancel_ticket(c, ticket_id, reason=reason, actor=actor),
    )


def _equipment_step(
    request: Request, session: Session, submitted: str | None, work: Work
) -> Response:
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            work(connection, _actor(request, session))
    except PlatewardError as exc:
        return _equipment_page(request, session, error=exc.message, status=400)
    return RedirectResponse("/equipment", status_code=303)


def _ticket_step(
    request: Request, session: Session, submitted: str | None, ticket_id: int, work: Work
) -> Response:
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            work(connection, _actor(request, session))
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    except PlatewardError as exc:
        return _ticket_page(request, session, ticket_id, error=exc.message, status=400)
    return RedirectResponse(f"/maintenance/{ticket_id}", status_code=303)


def _equipment_page(
    request: Request, session: Session, error: str | None = None, status: int = 200
) -> Response:
    today = today_utc()
    with app_state(request).db.connect() as connection:
        vehicles = equipped_vehicles(connection)
        standings = training_standings(connection, today)
        cameras = list_cameras(connection)
    return render(
        request,
        "equipment.html",
        status_code=status,
        signed_in=session,
        vehicles=vehicles,
        operators=[s for s in standings if s.qualified],
        cameras=cameras,
        today=today,
        error=error,
        may_manage=allowed(session.user.role, Action.MANAGE_CAMERAS),
    )


def _tickets_page(
    request: Request,
    session: Session,
    *,
    finished: bool = False,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    with app_state(request).db.connect() as connection:
        found = list_tickets(connection, include_finished=finished)
        cameras = list_cameras(connection)
        units = [v.unit_number for v in equipped_vehicles(connection) if v.registered]
    return render(
        request,
        "maintenance.html",
        status_code=status,
        signed_in=session,
        tickets=found,
        cameras=cameras,
        units=units,
        finished=finished,
        error=error,
        form=form or {},
        may_manage=allowed(session.user.role, Action.MANAGE_MAINTENANCE),
    )


def _ticket_page(
    request: Request,
    session: Session,
    ticket_id: int,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        with app_state(request).db.connect() as connection:
            detail = ticket_detail(connection, ticket_id)
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    return render(
        request,
        "ticket.html",
        status_code=status,
        signed_in=session,
        detail=detail,
        error=error,
        may_manage=allowed(session.user.role, Action.MANAGE_MAINTENANCE),
    )


def _number(field: str, text: str) -> float | None:
    value = text.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"{field} {value!r}: not a number") from None


def _actor(request: Request, session: Session) -> Actor:
    return actor_for(session.user, client_of(request))
