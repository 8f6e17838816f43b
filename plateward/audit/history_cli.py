"""``plateward audit import-history`` and ``plateward audit history``: a previous system's log.

Both name the person at the console with ``--by`` (an account whose role may do the work),
who is recorded in the chained access log like an API caller.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from plateward.access.roles import Action
from plateward.audit.actor import named_actor, record
from plateward.audit.imported import SYSTEMS, find_imported, import_history
from plateward.errors import PlatewardError
from plateward.ingest.formats.records import BadRecord
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

ByOption = Annotated[str, typer.Option("--by", help="Your username.")]


def audit_import_history(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The vendor's audit CSV.")
    ],
    system: Annotated[str, typer.Option("--system", help=f"Whose log: {', '.join(SYSTEMS)}.")],
    by: ByOption,
    agency: Annotated[
        str | None, typer.Option(help="Agency of rows that name none (your organisation).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding (else detected): utf-8, cp1252...")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Zone of times without an offset, e.g. America/Denver.")
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Report bad rows and import the rest.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Import a previous system's search-audit export as imported access history."""
    engine = open_database(with_db(ctx.obj, db).database_url())

    def skipped(exc: BadRecord) -> None:
        typer.echo(f"skipped: {exc.message}", err=True)

    try:
        upgrade(engine)
        report = import_history(
            engine, file, system=system,
            actor=lambda c: named_actor(c, by, Action.IMPORT_ACCESS_HISTORY),
            agency=agency, encoding=encoding, timezone=timezone, skip_bad=skip_bad,
            on_skip=skipped,
        )  # fmt: skip
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        typer.echo(f"{file}: nothing was imported", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    parts = [f"{report.stored} entr(ies) stored", f"{report.duplicates} already stored"]
    if report.skipped:
        parts.append(f"{report.skipped} bad row(s) skipped")
    typer.echo(f"{file} ({report.encoding}) -> imported {system} history: " + ", ".join(parts))


def audit_history(
    ctx: typer.Context,
    by: ByOption,
    start: Annotated[str | None, typer.Option(help="From (ISO 8601 with offset).")] = None,
    end: Annotated[str | None, typer.Option(help="Until (ISO 8601 with offset).")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's searches.")] = None,
    plate: Annotated[str | None, typer.Option(help="Only searches for this plate.")] = None,
    system: Annotated[str | None, typer.Option(help="Only this system's history.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries.")] = 1000,
    db: DbOption = None,
) -> None:
    """Imported access history, oldest first, one JSON object a line."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    query = {"start": start, "end": end, "user": user, "plate": plate, "system": system}
    try:
        with engine.begin() as connection:
            actor = named_actor(connection, by, Action.READ_ACCESS_LOG)
            found = find_imported(
                connection, start=_moment(start, "--start"), end=_moment(end, "--end"),
                username=user, plate=plate, system=system, limit=limit,
            )  # fmt: skip
            logged = {k: v for k, v in query.items() if v is not None}
            record(connection, actor, "audit.read_imported_history", logged, len(found))
    except PlatewardError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    for entry in found:
        row = {**entry.__dict__, "imported": True}
        typer.echo(json.dumps(row, default=_plain, ensure_ascii=False))


def _moment(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{option} {text!r}: not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{option} {text!r}: give a UTC offset")
    return moment


def _plain(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.datetime) else str(value)


def _fail(exc: PlatewardError) -> NoReturn:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(1)
