"""Maintenance tickets: a problem reported, assessed, authorized if it is a repair, worked, closed.

Anyone who uses the equipment may report a problem (policy E.3); the administrator, who
oversees maintenance (D.3), assesses it, authorizes repairs beyond routine maintenance (E.1)
and records the work the Technical Services Unit did, by whom and when (E.2). Routine work
done on schedule is recorded in one step. Each step checks ``rules.refusal`` and then changes
the row only if it still holds the status it was read with, so two administrators cannot both
authorize the same repair; each step is an event on the ticket and an access log entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.sql import Select

from plateward.audit.actor import Actor
from plateward.audit.log import append_change
from plateward.errors import InvalidInput, NotFound
from plateward.governance.equipment.rules import (
    FINISHED,
    Kind,
    Status,
    Step,
    TicketState,
    after,
    refusal,
)
from plateward.governance.equipment.schema import maintenance_events, maintenance_tickets, vehicles
from plateward.governance.equipment.vehicles import REASON, vehicle_by_unit
from plateward.governance.fields import optional_text, past_moment, required_text
from plateward.store.schema import cameras

MAX_TEXT_CHARS = 4000
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Ticket:
    id: int
    camera: str | None
    vehicle: str | None
    problem: str
    reported_by: str
    reported_at: dt.datetime
    kind: str | None
    status: str
    assessed_by: str | None
    assessed_at: dt.datetime | None
    authorized_by: str | None
    authorized_at: dt.datetime | None
    authorization_note: str | None
    performed_by: str | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    work_done: str | None
    cancelled_reason: str | None


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    by: str
    kind: str
    text: str


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    events: list[Event]


def report_problem(
    connection: Connection,
    *,
    problem: str,
    actor: Actor,
    camera: str | None = None,
    vehicle: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """A user reports equipment needing repair (policy E.3)."""
    now = now or dt.datetime.now(dt.UTC)
    camera_id, vehicle_id = _equipment(connection, camera, vehicle)
    text = required_text("problem", problem, MAX_TEXT_CHARS)
    ticket_id = _insert(
        connection,
        camera_id=camera_id,
        vehicle_id=vehicle_id,
        problem=text,
        reported_by=actor.username[:64],
        reported_at=now,
        status=Status.OPEN.value,
    )
    _event(connection, ticket_id, actor, "reported", text, now)
    _log(
        connection,
        actor,
        "maintenance.report",
        {"ticket": ticket_id, "camera": camera, "vehicle": vehicle},
    )
    return ticket_by_id(connection, ticket_id)


def record_routine(
    connection: Connection,
    *,
    work_done: str,
    performed_by: str,
    started_at: dt.datetime,
    completed_at: dt.datetime,
    actor: Actor,
    camera: str | None = None,
    vehicle: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Record routine maintenance already done, coordinated through the TSU (policy E.2)."""
    now = now or dt.datetime.now(dt.UTC)
    camera_id, vehicle_id = _equipment(connection, camera, vehicle)
    work = required_text("work_done", work_done, MAX_TEXT_CHARS)
    who = required_text("performed_by", performed_by, MAX_NAME_CHARS)
    began, ended = _work_times(started_at, completed_at, now)
    ticket_id = _insert(
        connection,
        camera_id=camera_id,
        vehicle_id=vehicle_id,
        problem=f"routine: {work}",
        reported_by=actor.username[:64],
        reported_at=now,
        kind=Kind.ROUTINE.value,
        status=Status.DONE.value,
        assessed_by=actor.username[:64],
        assessed_at=now,
        performed_by=who,
        started_at=began,
        completed_at=ended,
        work_done=work,
    )
    _event(
        connection,
        ticket_id,
        actor,
        "done",
        f"routine maintenance by {who}, {began:%Y-%m-%d %H:%M} to {ended:%Y-%m-%d %H:%M}"
        f" UTC: {work}",
        now,
    )
    _log(
        connection,
        actor,
        "maintenance.routine",
        {"ticket": ticket_id, "camera": camera, "vehicle": vehicle, "performed_by": who},
    )
    return ticket_by_id(connection, ticket_id)


def assess_ticket(
    connection: Connection, ticket_id: int, *, kind: str, actor: Actor, note: str | None = None
) -> Ticket:
    """Say whether the ticket is routine maintenance or a repair beyond it."""
    try:
        chosen = Kind((kind or "").strip().lower())
    except ValueError:
        raise InvalidInput(f"kind {kind!r}: must be routine or repair") from None
    why = optional_text("note", note, MAX_TEXT_CHARS)
    now = dt.datetime.now(dt.UTC)
    _step(
        connection,
        ticket_id,
        Step.ASSESS,
        actor,
        chosen,
        values={"kind": chosen.value, "assessed_by": actor.username[:64], "assessed_at": now},
        text=f"assessed as {chosen.value}" + (f": {why}" if why else ""),
        now=now,
    )
    return ticket_by_id(connection, ticket_id)


def authorize_repair(
    connection: Connection, ticket_id: int, *, actor: Actor, note: str | None = None
) -> Ticket:
    """The administrator's authorization of a repair beyond routine maintenance (E.1)."""
    why = optional_text("note", note, MAX_TEXT_CHARS)
    now = dt.datetime.now(dt.UTC)
    _step(
        connection,
        ticket_id,
        Step.AUTHORIZE,
        actor,
        values={
            "authorized_by": actor.username[:64],
            "authorized_at": now,
            "authorization_note": why,
        },
        text="repair authorized" + (f": {why}" if why else ""),
        now=now,
    )
    return ticket_by_id(connection, ticket_id)


def start_work(
    connection: Connection,
    ticket_id: int,
    *,
    performed_by: str,
    actor: Actor,
    started_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Record that the work began, and who does it (the Technical Services Unit, E.2)."""
    now = now or dt.datetime.now(dt.UTC)
    who = required_text("performed_by", performed_by, MAX_NAME_CHARS)
    began = past_moment("started_at", started_at or now, now)
    current = ticket_by_id(connection, ticket_id)
    if current.authorized_at is not None and began < current.authorized_at:
        raise InvalidInput(
            f"started_at {began.isoformat()}: before the repair was authorized"
            f" ({current.authorized_at.isoformat()})"
        )
    _step(
        connection,
        ticket_id,
        Step.START,
        actor,
        values={"performed_by": who, "started_at": began},
        text=f"work started {began:%Y-%m-%d %H:%M} UTC by {who}",
        now=now,
    )
    return ticket_by_id(connection, ticket_id)


def complete_work(
    connection: Connection,
    ticket_id: int,
    *,
    work_done: str,
    actor: Actor,
    completed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Record the work finished and what was done."""
    now = now or dt.datetime.now(dt.UTC)
    work = required_text("work_done", work_done, MAX_TEXT_CHARS)
    current = ticket_by_id(connection, ticket_id)
    ended = past_moment("completed_at", completed_at or now, now)
    if current.started_at is not None and ended < current.started_at:
        raise InvalidInput(
            f"completed_at {ended.isoformat()}: before the work started"
            f" ({current.started_at.isoformat()})"
        )
    _step(
        connection,
        ticket_id,
        Step.COMPLETE,
        actor,
        values={"completed_at": ended, "work_done": work},
        text=f"work completed {ended:%Y-%m-%d %H:%M} UTC: {work}",
        now=now,
    )
    return ticket_by_id(connection, ticket_id)


def cancel_ticket(connection: Connection, ticket_id: int, *, reason: str, actor: Actor) -> Ticket:
    why = required_text("reason", reason, MAX_TEXT_CHARS)
    _step(
        connection,
        ticket_id,
        Step.CANCEL,
        actor,
        values={"cancelled_reason": why},
        text=f"cancelled: {why}",
        now=dt.datetime.now(dt.UTC),
    )
    return ticket_by_id(connection, ticket_id)


def add_note(connection: Connection, ticket_id: int, *, text: str, actor: Actor) -> None:
    ticket_by_id(connection, ticket_id)
    note = required_text("note", text, MAX_TEXT_CHARS)
    _event(connection, ticket_id, actor, "note", note, dt.datetime.now(dt.UTC))
    _log(connection, actor, "maintenance.note", {"ticket": ticket_id})


def list_tickets(
    connection: Connection, *, include_finished: bool = False, camera: str | None = None
) -> list[Ticket]:
    """Tickets, newest first; unfinished ones only unless ``include_finished``."""
    query = _query()
    if not include_finished:
        query = query.where(maintenance_tickets.c.status.not_in([s.value for s in FINISHED]))
    if camera is not None:
        query = query.where(cameras.c.code == camera)
    rows = connection.execute(query.order_by(maintenance_tickets.c.id.desc()))
    return [_ticket(row) for row in rows]


def ticket_counts(connection: Connection) -> dict[str, int]:
    """Unfinished tickets by status, and those waiting for the administrator: reports not yet
    assessed (E.3) and repairs not yet authorized (E.1), which the home page flags."""
    rows = connection.execute(
        select(maintenance_tickets.c.status, func.count())
        .where(maintenance_tickets.c.status.not_in([s.value for s in FINISHED]))
        .group_by(maintenance_tickets.c.status)
    )
    counts = {s.value: 0 for s in Status if s not in FINISHED}
    counts.update({status: int(n) for status, n in rows})
    awaiting = connection.execute(
        select(func.count()).where(
            maintenance_tickets.c.kind == Kind.REPAIR.value,
            maintenance_tickets.c.status == Status.OPEN.value,
        )
    ).scalar_one()
    counts["awaiting_authorization"] = int(awaiting)
    unassessed = connection.execute(
        select(func.count()).where(
            maintenance_tickets.c.kind.is_(None),
            maintenance_tickets.c.status == Status.OPEN.value,
        )
    ).scalar_one()
    counts["awaiting_assessment"] = int(unassessed)
    return counts


def ticket_by_id(connection: Connection, ticket_id: int) -> Ticket:
    row = connection.execute(_query().where(maintenance_tickets.c.id == ticket_id)).first()
    if row is None:
        raise NotFound(f"ticket {ticket_id}: no such maintenance ticket")
    return _ticket(row)


def ticket_detail(connection: Connection, ticket_id: int) -> TicketDetail:
    ticket = ticket_by_id(connection, ticket_id)
    events = [
        Event(r.at, r.by, r.kind, r.text)
        for r in connection.execute(
            select(maintenance_events)
            .where(maintenance_events.c.ticket_id == ticket_id)
            .order_by(maintenance_events.c.id)
        )
    ]
    return TicketDetail(ticket, events)


def _step(
    connection: Connection,
    ticket_id: int,
    step: Step,
    actor: Actor,
    new_kind: Kind | None = None,
    *,
    values: dict[str, Any],
    text: str,
    now: dt.datetime,
) -> None:
    current = ticket_by_id(connection, ticket_id)
    state = TicketState(Kind(current.kind) if current.kind else None, Status(current.status))
    refused = refusal(state, step, new_kind)
    if refused and step is Step.AUTHORIZE and current.authorized_at is not None:
        refused = (
            f"already authorized by {current.authorized_by}"
            f" on {current.authorized_at:%Y-%m-%d %H:%M} UTC"
        )
    if refused:
        raise InvalidInput(f"ticket {ticket_id}: cannot {step.value}: {refused}")
    changed = connection.execute(
        update(maintenance_tickets)
        .where(
            maintenance_tickets.c.id == ticket_id, maintenance_tickets.c.status == current.status
        )
        .values(**values, status=after(state, step, new_kind).status.value)
    )
    if changed.rowcount != 1:
        raise InvalidInput(f"ticket {ticket_id}: changed by someone else meanwhile; look again")
    kind = "assessed" if step is Step.ASSESS else after(state, step).status.value
    _event(connection, ticket_id, actor, kind, text, now)
    _log(connection, actor, f"maintenance.{step.value}", {"ticket": ticket_id})


def _equipment(
    connection: Connection, camera: str | None, vehicle: str | None
) -> tuple[int | None, int | None]:
    camera = (camera or "").strip() or None
    vehicle = (vehicle or "").strip() or None
    if camera is None and vehicle is None:
        raise InvalidInput("camera or vehicle: name the equipment (a camera code or a unit number)")
    camera_id = None
    if camera is not None:
        camera_id = connection.execute(
            select(cameras.c.id).where(cameras.c.code == camera)
        ).scalar_one_or_none()
        if camera_id is None:
            raise InvalidInput(f"camera {camera}: no such camera")
    vehicle_id = None
    if vehicle is not None:
        try:
            vehicle_id = vehicle_by_unit(connection, vehicle).id
        except NotFound:
            raise InvalidInput(f"vehicle {vehicle}: not registered") from None
    return camera_id, vehicle_id


def _work_times(
    started_at: dt.datetime, completed_at: dt.datetime, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    began = past_moment("started_at", started_at, now)
    ended = past_moment("completed_at", completed_at, now)
    if ended < began:
        raise InvalidInput(
            f"completed_at {ended.isoformat()}: before started_at {began.isoformat()}"
        )
    return began, ended


def _insert(connection: Connection, **values: Any) -> int:
    return int(
        connection.execute(
            insert(maintenance_tickets).values(**values).returning(maintenance_tickets.c.id)
        ).scalar_one()
    )


def _query() -> Select[Any]:
    return (
        select(
            maintenance_tickets,
            cameras.c.code.label("camera_code"),
            vehicles.c.unit_number.label("vehicle_unit"),
        )
        .outerjoin(cameras, cameras.c.id == maintenance_tickets.c.camera_id)
        .outerjoin(vehicles, vehicles.c.id == maintenance_tickets.c.vehicle_id)
    )


def _ticket(row: Any) -> Ticket:
    m = row._mapping
    return Ticket(
        id=m["id"],
        camera=m["camera_code"],
        vehicle=m["vehicle_unit"],
        problem=m["problem"],
        reported_by=m["reported_by"],
        reported_at=m["reported_at"],
        kind=m["kind"],
        status=m["status"],
        assessed_by=m["assessed_by"],
        assessed_at=m["assessed_at"],
        authorized_by=m["authorized_by"],
        authorized_at=m["authorized_at"],
        authorization_note=m["authorization_note"],
        performed_by=m["performed_by"],
        started_at=m["started_at"],
        completed_at=m["completed_at"],
        work_done=m["work_done"],
        cancelled_reason=m["cancelled_reason"],
    )


def _event(
    connection: Connection, ticket_id: int, actor: Actor, kind: str, text: str, at: dt.datetime
) -> None:
    connection.execute(
        insert(maintenance_events).values(
            ticket_id=ticket_id, at=at, by=actor.username[:64], kind=kind, text=text
        )
    )


def _log(connection: Connection, actor: Actor, action: str, query: dict[str, Any]) -> None:
    append_change(connection, actor, action, query, reason=REASON)
