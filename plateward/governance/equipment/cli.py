"""``plateward equipment`` and ``plateward maintenance``: vehicles, camera mounts and tickets.

Each command acts as the account whose API token it is given (``--token`` or
``PLATEWARD_TOKEN``), with the API's permissions: anyone reports a problem; the administrator
registers vehicles, mounts cameras, assesses tickets, authorizes repairs and records the work.
"""

from __future__ import annotations

from typing import Annotated

import typer

from plateward.access.roles import Action
from plateward.access.training import today_utc, training_standings
from plateward.governance.console import TokenOption, fail, parse_moment, run_as
from plateward.governance.equipment.tickets import (
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
    ticket_detail,
)
from plateward.governance.equipment.vehicles import (
    equipped_vehicles,
    place_camera,
    register_vehicle,
    update_vehicle,
)
from plateward.store.cli import DbOption

equipment_app = typer.Typer(
    help="ALPR-equipped vehicles, where cameras are mounted, qualified operators (policy D.2).",
    no_args_is_help=True,
)
maintenance_app = typer.Typer(
    help="Maintenance tickets: report, assess, authorize repairs, record work (policy E).",
    no_args_is_help=True,
)

TicketArgument = Annotated[int, typer.Argument(help="The ticket's number.")]
CameraOption = Annotated[str | None, typer.Option("--camera", help="The camera's code.")]
VehicleOption = Annotated[str | None, typer.Option("--vehicle", help="The vehicle's unit number.")]


@equipment_app.command("vehicles")
def vehicles(ctx: typer.Context, token: TokenOption = None, db: DbOption = None) -> None:
    """The equipped vehicles with their cameras, then the qualified operators (policy D.2)."""
    today = today_utc()
    found, standings = run_as(
        ctx,
        db,
        token,
        Action.VIEW_EQUIPMENT,
        lambda c, _user, _actor: (equipped_vehicles(c), training_standings(c, today)),
    )
    for vehicle in found:
        state = "in service" if vehicle.in_service else "out of service"
        if not vehicle.registered:
            state = "not registered"
        codes = ", ".join(c.code for c in vehicle.cameras) or "no cameras"
        typer.echo(
            f"vehicle {vehicle.unit_number}\t{state}\t{vehicle.description}\t{codes}"
            f"\t{vehicle.open_tickets} open tickets"
        )
    typer.echo(f"qualified operators as of {today}:")
    for standing in standings:
        if standing.qualified:
            person = standing.user
            typer.echo(
                f"  {person.username}\t{person.role.value}\t{person.agency}\t{person.full_name}"
            )


@equipment_app.command("vehicle-add")
def vehicle_add(
    ctx: typer.Context,
    unit_number: Annotated[str, typer.Argument(help="The car's unit number.")],
    description: Annotated[str, typer.Option(help="Make, model, use.")],
    notes: Annotated[str | None, typer.Option()] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Register an ALPR-equipped vehicle for your agency."""
    vehicle = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_CAMERAS,
        lambda c, user, actor: register_vehicle(
            c,
            unit_number=unit_number,
            description=description,
            agency_code=user.agency,
            actor=actor,
            notes=notes,
        ),
    )
    typer.echo(f"vehicle {vehicle.unit_number}: registered")


@equipment_app.command("vehicle-edit")
def vehicle_edit(
    ctx: typer.Context,
    unit_number: Annotated[str, typer.Argument()],
    in_service: Annotated[
        bool | None,
        typer.Option("--in-service/--out-of-service", help="Out of service: in the shop, retired."),
    ] = None,
    description: Annotated[str | None, typer.Option()] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Put a vehicle in or out of service, or change its description."""
    vehicle = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_CAMERAS,
        lambda c, _user, actor: update_vehicle(
            c, unit_number, actor=actor, in_service=in_service, description=description, notes=notes
        ),
    )
    state = "in service" if vehicle.in_service else "out of service"
    typer.echo(f"vehicle {vehicle.unit_number}: {state}")


@equipment_app.command("place")
def place(
    ctx: typer.Context,
    camera: Annotated[str, typer.Argument(help="The camera's code.")],
    vehicle: VehicleOption = None,
    site: Annotated[str | None, typer.Option(help="A fixed site's name.")] = None,
    latitude: Annotated[float | None, typer.Option(help="The site's latitude.")] = None,
    longitude: Annotated[float | None, typer.Option(help="The site's longitude.")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record where a camera is mounted: on a vehicle (--vehicle) or at a site (--site)."""
    mounted = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_CAMERAS,
        lambda c, _user, actor: place_camera(
            c,
            camera,
            actor=actor,
            vehicle=vehicle,
            site=site,
            latitude=latitude,
            longitude=longitude,
        ),
    )
    where = f"vehicle {mounted.vehicle}" if mounted.vehicle else f"site {mounted.name}"
    typer.echo(f"camera {mounted.code}: on {where}")


@maintenance_app.command("report")
def report(
    ctx: typer.Context,
    problem: Annotated[str, typer.Argument(help="What is wrong.")],
    camera: CameraOption = None,
    vehicle: VehicleOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Report equipment that needs repair (policy E.3)."""
    ticket = run_as(
        ctx,
        db,
        token,
        Action.REPORT_MAINTENANCE,
        lambda c, _user, actor: report_problem(
            c, problem=problem, actor=actor, camera=camera, vehicle=vehicle
        ),
    )
    typer.echo(f"ticket {ticket.id}: reported")


@maintenance_app.command("list")
def tickets(
    ctx: typer.Context,
    everything: Annotated[bool, typer.Option("--all", help="Finished tickets too.")] = False,
    camera: CameraOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Maintenance tickets, newest first."""
    found = run_as(
        ctx,
        db,
        token,
        Action.REPORT_MAINTENANCE,
        lambda c, _user, _actor: list_tickets(c, include_finished=everything, camera=camera),
    )
    for ticket in found:
        typer.echo(_line(ticket))


@maintenance_app.command("show")
def show(
    ctx: typer.Context, ticket_id: TicketArgument, token: TokenOption = None, db: DbOption = None
) -> None:
    """One ticket and its history."""
    detail = run_as(
        ctx,
        db,
        token,
        Action.REPORT_MAINTENANCE,
        lambda c, _user, _actor: ticket_detail(c, ticket_id),
    )
    for line in _detail_lines(detail):
        typer.echo(line)


@maintenance_app.command("note")
def note(
    ctx: typer.Context,
    ticket_id: TicketArgument,
    text: Annotated[str, typer.Argument(help="The note.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Add a note to a ticket."""
    run_as(
        ctx,
        db,
        token,
        Action.REPORT_MAINTENANCE,
        lambda c, _user, actor: add_note(c, ticket_id, text=text, actor=actor),
    )
    typer.echo(f"ticket {ticket_id}: note added")


@maintenance_app.command("routine")
def routine(
    ctx: typer.Context,
    work_done: Annotated[str, typer.Option(help="What was done.")],
    performed_by: Annotated[str, typer.Option(help="Who in the Technical Services Unit.")],
    started: Annotated[str, typer.Option(help="When it began (ISO 8601 with offset).")],
    completed: Annotated[str, typer.Option(help="When it ended (ISO 8601 with offset).")],
    camera: CameraOption = None,
    vehicle: VehicleOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record routine maintenance done through the Technical Services Unit (policy E.2)."""
    began, ended = parse_moment("--started", started), parse_moment("--completed", completed)
    assert began is not None and ended is not None
    ticket = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_MAINTENANCE,
        lambda c, _user, actor: record_routine(
            c,
            work_done=work_done,
            performed_by=performed_by,
            started_at=began,
            completed_at=ended,
            actor=actor,
            camera=camera,
            vehicle=vehicle,
        ),
    )
    typer.echo(f"ticket {ticket.id}: routine maintenance recorded")


@maintenance_app.command("assess")
def assess(
    ctx: typer.Context,
    ticket_id: TicketArgument,
    kind: Annotated[str, typer.Option(help="routine or repair (beyond routine, policy E.1).")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Judge a ticket routine maintenance or a repair."""
    ticket = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_MAINTENANCE,
        lambda c, _user, actor: assess_ticket(c, ticket_id, kind=kind, actor=actor, note=note),
    )
    typer.echo(f"ticket {ticket.id}: {ticket.kind}")


@maintenance_app.command("authorize")
def authorize(
    ctx: typer.Context,
    ticket_id: TicketArgument,
    note: Annotated[str | None, typer.Option("--note")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Authorize a repair beyond routine maintenance (policy E.1)."""
    ticket = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_MAINTENANCE,
        lambda c, _user, actor: authorize_repair(c, ticket_id, actor=actor, note=note),
    )
    typer.echo(f"ticket {ticket.id}: repair authorized by {ticket.authorized_by}")


@maintenance_app.command("start")
def start(
    ctx: typer.Context,
    ticket_id: TicketArgument,
    performed_by: Annotated[str, typer.Option(help="Who in the Technical Services Unit.")],
    started: Annotated[str | None, typer.Option(help="When it began (default now).")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record that the work began; a repair must be authorized first."""
    began = parse_moment("--started", started)
    ticket = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_MAINTENANCE,
        lambda c, _user, actor: start_work(
            c, ticket_id, performed_by=performed_by, actor=actor, started_at=began
        ),
    )
    typer.echo(f"ticket {ticket.id}: started by {ticket.performed_by}")


@maintenance_app.command("complete")
def complete(
    ctx: typer.Context,
    ticket_id: TicketArgument,
    work_done: Annotated[str, typer.Option(help="What was done.")],
    completed: Annotated[str | None, typer.Option(help="When it ended (default now).")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record the work finished."""
    ended = parse_moment("--completed", completed)
    ticket = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_MAINTENANCE,
        lambda c, _user, actor: complete_work(
            c, ticket_id, work_done=work_done, actor=actor, completed_at=ended
        ),
    )
    typer.echo(f"ticket {ticket.id}: done")


@maintenance_app.command("cancel")
def cancel(
    ctx: typer.Context,
    ticket_id: TicketArgument,
    reason: Annotated[str, typer.Option(help="Why no work is needed.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Close a ticket without work."""
    if not reason.strip():
        fail("--reason: required")
    ticket = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_MAINTENANCE,
        lambda c, _user, actor: cancel_ticket(c, ticket_id, reason=reason, actor=actor),
    )
    typer.echo(f"ticket {ticket.id}: cancelled")


def _line(ticket: Ticket) -> str:
    equipment = " ".join(
        part
        for part in (
            f"camera {ticket.camera}" if ticket.camera else "",
            f"vehicle {ticket.vehicle}" if ticket.vehicle else "",
        )
        if part
    )
    return "\t".join(
        [
            str(ticket.id),
            ticket.status,
            ticket.kind or "unassessed",
            equipment,
            f"{ticket.reported_at:%Y-%m-%d}",
            ticket.reported_by,
            ticket.problem.splitlines()[0][:80],
        ]
    )


def _detail_lines(detail: TicketDetail) -> list[str]:
    t = detail.ticket
    lines = [f"ticket {t.id}: {t.status}, {t.kind or 'not assessed yet'}", _line(t)]
    if t.authorized_by:
        lines.append(f"authorized by {t.authorized_by} at {t.authorized_at:%Y-%m-%d %H:%M} UTC")
    if t.performed_by:
        lines.append(f"work by {t.performed_by}")
    lines.append("history:")
    lines += [f"  {e.at:%Y-%m-%d %H:%M} {e.by} {e.kind}: {e.text}" for e in detail.events]
    return lines
