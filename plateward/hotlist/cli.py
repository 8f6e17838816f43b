"""``plateward hotlist``: lists, entries, imports and refreshes from the console.

Every command acts as a named account, as the API does (``access/console.py``): the account's
API token from ``--token`` or ``PLATEWARD_TOKEN``, or its password and code at a terminal, and
the account's role and training are checked the same way (policy A.8, F). What it changes or reads is in the access log under that account.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import Connection, Engine, select

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.audit.actor import Actor, actor_for
from plateward.errors import PlatewardError
from plateward.hotlist.entries import entry_values
from plateward.hotlist.imports import ImportReport, import_file
from plateward.hotlist.lists import (
    ListSettings,
    add_entry,
    all_lists,
    count_active,
    create_list,
    expire_entries,
    list_by_name,
    list_entries,
)
from plateward.hotlist.refresh import RefreshSchedule, refresh_list
from plateward.hotlist.schema import SOURCES
from plateward.settings import Settings
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.schema import agencies

T = TypeVar("T")

hotlist_app = typer.Typer(
    help="Hot lists: import extracts, add and expire entries (policy A.4).", no_args_is_help=True
)

ListOption = Annotated[str, typer.Option("--list", help="The hot list's name.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _run(
    ctx: typer.Context, db: str | None, token: str | None, action: Action,
    work: Callable[[Engine, Settings, User, Actor], T],
) -> T:  # fmt: skip
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        upgrade(engine)
        user = console_user(engine, token, action)
        return work(engine, settings, user, actor_for(user, CONSOLE_ADDRESS))
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def _own(connection: Connection, user: User, name: str) -> None:
    hotlist = list_by_name(connection, name)
    if hotlist.agency != user.agency:
        raise PlatewardError(
            f"hot list {name!r} belongs to {hotlist.agency}; you are {user.agency}"
        )


@hotlist_app.command("create")
def create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new list.")],
    source: Annotated[str, typer.Option(help=f"One of {', '.join(SOURCES)}.")] = "agency_list",
    description: Annotated[str, typer.Option(help="What the list is for.")] = "",
    all_agencies: Annotated[
        bool, typer.Option("--all-agencies", help="Every agency's cameras match against it.")
    ] = False,
    tolerant: Annotated[
        bool, typer.Option("--tolerant", help="Also alert on look-alike readings (0/O, 8/B).")
    ] = False,
    ignore_state: Annotated[
        bool, typer.Option("--ignore-state", help="Alert whatever state the read names.")
    ] = False,
    no_edge: Annotated[
        bool, typer.Option("--no-edge", help="Keep the list off edge agents' copies.")
    ] = False,
    refresh_location: Annotated[
        str | None, typer.Option(help="File the list is re-imported from on a schedule.")
    ] = None,
    refresh_every: Annotated[
        int | None, typer.Option(min=1, help="Minutes between refreshes (720: twice a day).")
    ] = None,
    stale_after: Annotated[
        int | None, typer.Option(min=1, help="Hours without an import before it stops matching.")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Make a hot list owned by your agency."""

    def work(engine: Engine, _s: Settings, user: User, actor: Actor) -> None:
        with engine.begin() as connection:
            agency_id = connection.execute(
                select(agencies.c.id).where(agencies.c.code == user.agency)
            ).scalar_one()
            create_list(
                connection, actor, name=name, source=source, agency_id=agency_id,
                settings=ListSettings(
                    description=description, all_agencies=all_agencies, tolerant=tolerant,
                    state_must_agree=not ignore_state, edge_sync=not no_edge,
                    refresh_location=refresh_location, refresh_every_minutes=refresh_every,
                    stale_after_hours=stale_after,
                ),
            )  # fmt: skip
        typer.echo(f"hot list {name!r} created for {user.agency}")

    _run(ctx, db, token, Action.EDIT_HOTLISTS, work)


@hotlist_app.command("list")
def list_command(ctx: typer.Context, token: TokenOption = None, db: DbOption = None) -> None:
    """The lists your agency uses, with their active entries and last import."""

    def work(engine: Engine, _s: Settings, user: User, _a: Actor) -> None:
        with engine.connect() as connection:
            for h in all_lists(connection):
                if h.agency != user.agency and not h.all_agencies:
                    continue
                imported = h.imported_at.isoformat(timespec="minutes") if h.imported_at else "never"
                problem = f"  REFRESH FAILED: {h.refresh_error}" if h.refresh_error else ""
                typer.echo(
                    f"{h.name:<24} {h.source:<13} {count_active(connection, h.id):>9} active"
                    f"  imported {imported}{'  (inactive)' if not h.active else ''}{problem}"
                )

    _run(ctx, db, token, Action.VIEW_HOTLISTS, work)


@hotlist_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with a header, or NCIC CODE/value lines.")],
    list_name: ListOption,
    replace: Annotated[
        bool, typer.Option("--replace", help="Entries missing from the file are removed.")
    ] = False,
    json_output: JsonOption = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Import a hot list file into a list; prints the report (exit 1 if it was not applied)."""

    def work(engine: Engine, settings: Settings, user: User, actor: Actor) -> ImportReport:
        with engine.begin() as connection:
            _own(connection, user, list_name)
            return import_file(
                connection, actor, list_name, file, replace=replace,
                max_rejected_share=settings.hotlist.max_rejected_share,
            )  # fmt: skip

    report = _run(ctx, db, token, Action.EDIT_HOTLISTS, work)
    _print_report(report, json_output)
    if not report.applied:
        raise typer.Exit(1)


def _print_report(report: ImportReport, json_output: bool) -> None:
    if json_output:
        typer.echo(json.dumps(vars(report)))
        return
    verb = "imported into" if report.applied else "NOT applied to"
    typer.echo(
        f"{report.file_name} ({report.format}, {report.encoding}, {report.lines} lines)"
        f" {verb} {report.list_name!r} ({report.mode})"
    )
    typer.echo(
        f"  added {report.added}, changed {report.changed}, removed {report.removed},"
        f" unchanged {report.unchanged}, rejected {report.rejected}"
        f" (immigration enforcement refused: {report.immigration_refused})"
    )
    if report.ignored_columns:
        typer.echo(f"  columns ignored: {', '.join(report.ignored_columns)}")
    for rejected in report.rejected_lines:
        typer.echo(f"  line {rejected['line']}: {rejected['problem']}")
    if report.rejected > len(report.rejected_lines):
        typer.echo(f"  ... and {report.rejected - len(report.rejected_lines)} more")
    if report.message:
        typer.echo(f"  {report.message}")


@hotlist_app.command("add")
def add_command(
    ctx: typer.Context,
    plate: Annotated[str, typer.Argument(help="Plate, or a pattern with ? and *.")],
    list_name: ListOption,
    reason: Annotated[str, typer.Option(help="Reason code, e.g. stolen_vehicle, amber_alert.")],
    case: Annotated[str | None, typer.Option("--case", help="Case number (OCA).")] = None,
    state: Annotated[str | None, typer.Option(help="Plate state, e.g. CA.")] = None,
    expires: Annotated[
        str | None, typer.Option(help="Date or time it stops alerting (default: setting).")
    ] = None,
    priority: Annotated[int | None, typer.Option(min=1, max=5, help="1 most urgent.")] = None,
    make: Annotated[str | None, typer.Option(help="Vehicle make.")] = None,
    model: Annotated[str | None, typer.Option(help="Vehicle model.")] = None,
    color: Annotated[str | None, typer.Option(help="Vehicle colour.")] = None,
    year: Annotated[str | None, typer.Option(help="Vehicle year.")] = None,
    notes: Annotated[
        str | None, typer.Option(help="Notes for the deputy who gets the alert.")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Add a plate or pattern to a list; it alerts on the next read that matches."""

    def work(engine: Engine, settings: Settings, user: User, actor: Actor) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        values = entry_values(
            {"plate": plate, "reason": reason, "case_number": case, "state": state,
             "expires_at": expires, "priority": priority, "vehicle_make": make,
             "vehicle_model": model, "vehicle_color": color, "vehicle_year": year,
             "notes": notes},
            plate, now,
            default_expires_at=now + dt.timedelta(days=settings.hotlist.default_entry_days),
        )  # fmt: skip
        with engine.begin() as connection:
            _own(connection, user, list_name)
            return add_entry(connection, actor, list_name, values)

    entry = _run(ctx, db, token, Action.EDIT_HOTLISTS, work)
    typer.echo(
        f"entry {entry['id']}: {entry['plate']} {entry['state'] or ''} {entry['reason']}"
        f" on {list_name!r}, until {entry['expires_at'].isoformat() if entry['expires_at'] else 'removed'}"
    )


@hotlist_app.command("show")
def show_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The list.")],
    plate: Annotated[str | None, typer.Option(help="Only this plate.")] = None,
    include_ended: Annotated[
        bool, typer.Option("--all", help="Also expired and removed entries.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 100,
    json_output: JsonOption = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """The list's entries (a view of the list, in the access log)."""

    def work(engine: Engine, _s: Settings, user: User, actor: Actor) -> None:
        with engine.begin() as connection:
            hotlist = list_by_name(connection, name)
            if hotlist.agency != user.agency and not hotlist.all_agencies:
                raise PlatewardError(f"hot list {name!r}: no such list")
            _, total, page = list_entries(
                connection, actor, name, include_ended=include_ended, plate=plate, limit=limit
            )
        if json_output:
            for entry in page:
                typer.echo(json.dumps(entry, default=str))
            return
        typer.echo(f"{name}: {total} {'entries' if include_ended else 'active entries'}")
        for e in page:
            until = e["expires_at"].date().isoformat() if e["expires_at"] else "-"
            gone = " REMOVED" if e["removed_at"] else ""
            typer.echo(
                f"{e['id']:>8} {e['plate']:<10} {e['state'] or '':<3} {e['reason']:<18}"
                f" p{e['priority']} case {e['case_number'] or '-':<12} until {until}{gone}"
            )

    _run(ctx, db, token, Action.VIEW_HOTLISTS, work)


@hotlist_app.command("expire")
def expire_command(
    ctx: typer.Context,
    list_name: ListOption,
    plates: Annotated[list[str] | None, typer.Argument(help="Plates to end.")] = None,
    entry: Annotated[
        list[int] | None, typer.Option("--entry", help="Entry id (repeatable).")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every entry of the list.")] = False,
    note: Annotated[str | None, typer.Option(help="Why, e.g. vehicle recovered.")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """End entries now: by plate, by entry id, or the whole list."""

    def work(engine: Engine, _s: Settings, user: User, actor: Actor) -> int:
        with engine.begin() as connection:
            _own(connection, user, list_name)
            return expire_entries(
                connection, actor, list_name, entry_ids=entry or [], plates=plates or [],
                everything=everything, note=note,
            )  # fmt: skip

    count = _run(ctx, db, token, Action.EDIT_HOTLISTS, work)
    typer.echo(f"{count} entr{'y' if count == 1 else 'ies'} of {list_name!r} expired")


@hotlist_app.command("refresh")
def refresh_command(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="Refresh this list now (else every list that is due).")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Re-import lists from their refresh_location (a server does this on its own schedule)."""

    def work(engine: Engine, settings: Settings, user: User, actor: Actor) -> int:
        if name is None:
            return RefreshSchedule(engine, settings.hotlist).run_once()
        with engine.connect() as connection:
            _own(connection, user, name)
        report = refresh_list(engine, name, settings.hotlist, actor)
        if report is None:
            typer.echo(f"{name}: the file is the one last imported; nothing changed")
        else:
            _print_report(report, json_output=False)
        return 1

    _run(ctx, db, token, Action.EDIT_HOTLISTS, work)
