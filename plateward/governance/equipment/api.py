"""The equipment API: /api/v1/equipment (vehicles, camera mounts) and /api/v1/maintenance.

Anyone signed in reports a problem and follows the tickets (``report_maintenance``, E.3); the
administrator registers vehicles and mounts cameras (``manage_cameras``), assesses tickets,
authorizes repairs and records the work (``manage_maintenance``, D.3, E.1, E.2). The equipped
vehicles beside the qualified operators (D.2) are for administrators and auditors
(``view_equipment``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.training import Standing, today_utc, training_standings
from plateward.access.users import User
from plateward.governance.equipment.tickets import (
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    Ticket,
    TicketDetail,
    add_note,
    assess_ticket,
    authorize_repair,
    cancel_ticket,
    complete_work,
    list_tickets,
    record_routine,
    report_problem,
    start_work,
    ticket_counts,
    ticket_detail,
)
from plateward.governance.equipment.vehicles import (
    MAX_DESCRIPTION_CHARS,
    MAX_NOTES_CHARS,
    equipped_vehicles,
    place_camera,
    register_vehicle,
    update_vehicle,
)
from plateward.governance.http import actor_of
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1", tags=["equipment and maintenance"])

Reporter = Annotated[User, Depends(require(Action.REPORT_MAINTENANCE))]
Overseer = Annotated[User, Depends(require(Action.MANAGE_MAINTENANCE))]
CameraAdmin = Annotated[User, Depends(require(Action.MANAGE_CAMERAS))]
Viewer = Annotated[User, Depends(require(Action.VIEW_EQUIPMENT))]


class VehicleIn(BaseModel):
    unit_number: str = Field(max_length=64, description="The car's unit number, e.g. 4471.")
    description: str = Field(max_length=MAX_DESCRIPTION_CHARS, description="Make, model, use.")
    notes: str | None = Field(None, max_length=MAX_NOTES_CHARS)


class VehicleEdit(BaseModel):
    in_service: bool | None = Field(None, description="False: in the shop or retired.")
    description: str | None = Field(None, max_length=MAX_DESCRIPTION_CHARS)
    notes: str | None = Field(None, max_length=MAX_NOTES_CHARS)


class PlacementIn(BaseModel):
    """A vehicle's unit number, or a site with its coordinates."""

    vehicle: str | None = Field(None, max_length=64)
    site: str | None = Field(None, max_length=200)
    latitude: float | None = None
    longitude: float | None = None


class ReportIn(BaseModel):
    camera: str | None = Field(None, max_length=64, description="The camera's code.")
    vehicle: str | None = Field(None, max_length=64, description="The vehicle's unit number.")
    problem: str = Field(max_length=MAX_TEXT_CHARS, description="What is wrong.")


class RoutineIn(BaseModel):
    camera: str | None = Field(None, max_length=64)
    vehicle: str | None = Field(None, max_length=64)
    work_done: str = Field(max_length=MAX_TEXT_CHARS)
    performed_by: str = Field(max_length=MAX_NAME_CHARS, description="Who in the TSU did it.")
    started_at: dt.datetime
    completed_at: dt.datetime


class AssessIn(BaseModel):
    kind: str = Field(max_length=16, description="routine or repair.")
    note: str | None = Field(None, max_length=MAX_TEXT_CHARS)


class NoteIn(BaseModel):
    note: str | None = Field(None, max_length=MAX_TEXT_CHARS)


class StartIn(BaseModel):
    performed_by: str = Field(max_length=MAX_NAME_CHARS, description="Who in the TSU does it.")
    started_at: dt.datetime | None = Field(None, description="When it began; now.")


class CompleteIn(BaseModel):
    work_done: str = Field(max_length=MAX_TEXT_CHARS)
    completed_at: dt.datetime | None = Field(None, description="When it ended; now.")


class TextIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS)


@router.get("/equipment/vehicles")
def vehicles_list(request: Request, user: Viewer) -> dict[str, Any]:
    """The equipped vehicles with their cameras, and the qualified operators (policy D.2)."""
    today = today_utc()
    with app_state(request).db.connect() as connection:
        found = equipped_vehicles(connection)
        standings = training_standings(connection, today)
    return {
        "vehicles": [dataclasses.asdict(v) for v in found],
        "qualified_operators": [_operator(s) for s in standings if s.qualified],
        "as_of": today,
    }


@router.post("/equipment/vehicles", status_code=201)
def vehicles_add(request: Request, user: CameraAdmin, body: VehicleIn) -> dict[str, Any]:
    """Register an ALPR-equipped vehicle for your agency."""
    with app_state(request).db.begin() as connection:
        vehicle = register_vehicle(
            connection,
            unit_number=body.unit_number,
            description=body.description,
            agency_code=user.agency,
            actor=actor_of(request, user),
            notes=body.notes,
        )
    return dataclasses.asdict(vehicle)


@router.patch("/equipment/vehicles/{unit_number}")
def vehicles_edit(
    request: Request, user: CameraAdmin, unit_number: str, body: VehicleEdit
) -> dict[str, Any]:
    """Put a vehicle in or out of service, or change its description."""
    with app_state(request).db.begin() as connection:
        vehicle = update_vehicle(
            connection,
            unit_number,
            actor=actor_of(request, user),
            in_service=body.in_service,
            description=body.description,
            notes=body.notes,
        )
    return dataclasses.asdict(vehicle)


@router.put("/equipment/cameras/{code}/placement")
def cameras_place(
    request: Request, user: CameraAdmin, code: str, body: PlacementIn
) -> dict[str, Any]:
    """Record where a camera is now mounted: on a vehicle, or at a fixed site."""
    with app_state(request).db.begin() as connection:
        mounted = place_camera(
            connection,
            code,
            actor=actor_of(request, user),
            vehicle=body.vehicle,
            site=body.site,
            latitude=body.latitude,
            longitude=body.longitude,
        )
    return dataclasses.asdict(mounted)


@router.get("/maintenance/tickets")
def tickets_list(
    request: Request, user: Reporter, include_finished: bool = False, camera: str | None = None
) -> dict[str, Any]:
    """Maintenance tickets, newest first: unfinished ones unless ``include_finished``."""
    with app_state(request).db.connect() as connection:
        found = list_tickets(connection, include_finished=include_finished, camera=camera)
    return {"count": len(found), "results": [_ticket(t) for t in found]}


@router.post("/maintenance/tickets", status_code=201)
def tickets_report(request: Request, user: Reporter, body: ReportIn) -> dict[str, Any]:
    """Report equipment that needs repair (policy E.3)."""
    with app_state(request).db.begin() as connection:
        ticket = report_problem(
            connection,
            problem=body.problem,
            actor=actor_of(request, user),
            camera=body.camera,
            vehicle=body.vehicle,
        )
    return _ticket(ticket)


@router.get("/maintenance/tickets/{ticket_id}")
def tickets_show(request: Request, user: Reporter, ticket_id: int) -> dict[str, Any]:
    """One ticket and its history."""
    with app_state(request).db.connect() as connection:
        return _detail(ticket_detail(connection, ticket_id))


@router.post("/maintenance/tickets/{ticket_id}/notes", status_code=201)
def tickets_note(request: Request, user: Reporter, ticket_id: int, body: TextIn) -> dict[str, Any]:
    """Add a note to a ticket (what else was noticed, when the car is free)."""
    with app_state(request).db.begin() as connection:
        add_note(connection, ticket_id, text=body.text, actor=actor_of(request, user))
        return _detail(ticket_detail(connection, ticket_id))


@router.get("/maintenance/status")
def tickets_status(request: Request, user: Overseer) -> dict[str, int]:
    """Unfinished tickets by status, reports waiting to be assessed and repairs waiting for
    authorization."""
    with app_state(request).db.connect() as connection:
        return ticket_counts(connection)


@router.post("/maintenance/routine", status_code=201)
def tickets_routine(request: Request, user: Overseer, body: RoutineIn) -> dict[str, Any]:
    """Record routine maintenance done through the Technical Services Unit (policy E.2)."""
    with app_state(request).db.begin() as connection:
        ticket = record_routine(
            connection,
            work_done=body.work_done,
            performed_by=body.performed_by,
            started_at=body.started_at,
            completed_at=body.completed_at,
            actor=actor_of(request, user),
            camera=body.camera,
            vehicle=body.vehicle,
        )
    return _ticket(ticket)


@router.post("/maintenance/tickets/{ticket_id}/assess")
def tickets_assess(
    request: Request, user: Overseer, ticket_id: int, body: AssessIn
) -> dict[str, Any]:
    """Judge a ticket routine maintenance or a repair beyond it."""
    with app_state(request).db.begin() as connection:
        assess_ticket(
            connection, ticket_id, kind=body.kind, actor=actor_of(request, user), note=body.note
        )
        return _detail(ticket_detail(connection, ticket_id))


@router.post("/maintenance/tickets/{ticket_id}/authorize")
def tickets_authorize(
    request: Request, user: Overseer, ticket_id: int, body: NoteIn
) -> dict[str, Any]:
    """Authorize a repair beyond routine maintenance (policy E.1); once."""
    with app_state(request).db.begin() as connection:
        authorize_repair(connection, ticket_id, actor=actor_of(request, user), note=body.note)
        return _detail(ticket_detail(connection, ticket_id))


@router.post("/maintenance/tickets/{ticket_id}/start")
def tickets_start(
    request: Request, user: Overseer, ticket_id: int, body: StartIn
) -> dict[str, Any]:
    """Record that the work began and who does it; a repair must be authorized first."""
    with app_state(request).db.begin() as connection:
        start_work(
            connection,
            ticket_id,
            performed_by=body.performed_by,
            actor=actor_of(request, user),
            started_at=body.started_at,
        )
        return _detail(ticket_detail(connection, ticket_id))


@router.post("/maintenance/tickets/{ticket_id}/complete")
def tickets_complete(
    request: Request, user: Overseer, ticket_id: int, body: CompleteIn
) -> dict[str, Any]:
    """Record the work finished and what was done."""
    with app_state(request).db.begin() as connection:
        complete_work(
            connection,
            ticket_id,
            work_done=body.work_done,
            actor=actor_of(request, user),
            completed_at=body.completed_at,
        )
        return _detail(ticket_detail(connection, ticket_id))


@router.post("/maintenance/tickets/{ticket_id}/cancel")
def tickets_cancel(
    request: Request, user: Overseer, ticket_id: int, body: TextIn
) -> dict[str, Any]:
    """Close a ticket without work (a duplicate, a problem that went away)."""
    with app_state(request).db.begin() as connection:
        cancel_ticket(connection, ticket_id, reason=body.text, actor=actor_of(request, user))
        return _detail(ticket_detail(connection, ticket_id))


def _ticket(ticket: Ticket) -> dict[str, Any]:
    return dataclasses.asdict(ticket)


def _detail(detail: TicketDetail) -> dict[str, Any]:
    return {**_ticket(detail.ticket), "events": [dataclasses.asdict(e) for e in detail.events]}


def _operator(standing: Standing) -> dict[str, Any]:
    person = standing.user
    return {
        "username": person.username,
        "full_name": person.full_name,
        "role": person.role,
        "agency": person.agency,
        "courses": [c.course for c in standing.certificates],
    }
