"""Running a console command of the data lifecycle and sharing parts as a named account.

``plateward agency``, ``sharing``, ``retention``, ``hold`` and ``evidence`` act as the account
whose API token they are given (``--token`` or ``PLATEWARD_TOKEN``), checked for role and
training as the API checks it (``access/console.py``), and log under that account. Errors are
printed as ``error: <message>`` with exit status 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy import Engine

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.errors import InvalidInput, PlatewardError
from plateward.settings import Settings
from plateward.store.cli import with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

T = TypeVar("T")

__all__ = ["CONSOLE_ADDRESS", "JsonOption", "TokenOption", "run_as", "run_console"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def run_as(
    ctx: typer.Context, db: str | None, token: str | None, action: Action,
    work: Callable[[Engine, Settings, User], T],
) -> T:  # fmt: skip
    """Open the database, check the account for ``action``, run ``work``; errors end the command."""
    return run_console(ctx, db, lambda engine, settings: work(
        engine, settings, console_user(engine, token, action)))  # fmt: skip


def run_console(ctx: typer.Context, db: str | None, work: Callable[[Engine, Settings], T]) -> T:
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        upgrade(engine)
        return work(engine, settings)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def moment(option: str, text: str | None) -> dt.datetime | None:
    """An ISO 8601 time with its offset (or a date, read as midnight UTC); None for None."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{option} {text!r}: not an ISO 8601 time, e.g. 2026-05-01T08:00:00-07:00"
        ) from None
    if parsed.utcoffset() is None:
        raise InvalidInput(f"{option} {text!r}: give a UTC offset or Z, e.g. 2026-05-01T08:00Z")
    return parsed


def day(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{option} {text!r}: not a date, e.g. 2027-06-30") from None
