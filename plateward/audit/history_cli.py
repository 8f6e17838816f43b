"""``plateward audit import-history`` and ``plateward audit history``: a previous system's log.

Both act as a named account (``--token`` or ``PLATEWARD_TOKEN``, ``access/console.py``) whose
role may do the work, recorded in the chained access log like an API caller.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.audit.actor import actor_for, record
from plateward.audit.imported import SYSTEMS, find_imported, import_history
from plateward.errors import PlatewardError
from plateward.ingest.formats.records import BadRecord
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade


def audit_import_history(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The vendor's audit CSV.")
    ],
    system: Annotated[str, typer.Option("--system", help=f"Whose log: {', '.join(SYSTEMS)}.")],
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
    token: TokenOption = None,
) -> None:
    """Import a previous system's search-audit export as imported access history."""
    engine = open_database(with_db(ctx.obj, db).database_url())

    def skipped(exc: BadRecord) -> None:
        typer.echo(f"skipped: {exc.message}", err=True)

    try:
        upgrade(engine)
        actor = actor_for(
            console_user(engine, token, Action.IMPORT_ACCESS_HISTORY), CONSOLE_ADDRESS
        )
        report = import_history(
            engine, file, system=system, actor=actor,
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
    start: Annotated[str | None, typer.Option(help="From (ISO 8601 with offset).")] = None,
    end: Annotated[str | None, typer.Option(help="Until (ISO 8601 with offset).")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's searches.")] = None,
    plate: Annotated[str | None, typer.Option(help="Only searches for this plate.")] = None,
    system: Annotated[str | None, typer.Option(help="Only this system's history.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries.")] = 1000,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Imported access history, oldest first, one JSON object a line."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    query = {"start": start, "end": end, "user": user, "plate": plate, "system": system}
    try:
        actor = actor_for(console_user(engine, token, Action.READ_ACCESS_LOG), CONSOLE_ADDRESS)
        with engine.begin() as connection:
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
