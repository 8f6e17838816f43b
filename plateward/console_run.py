"""Running a console command of the data lifecycle and sharing parts as a named account.

``plateward agency``, ``sharing``, ``retention``, ``hold`` and ``evidence`` act as the account
whose API token they are given (``--token`` or ``PLATEWARD_TOKEN``), checked for role and
training as the API checks it (``access/console.py``), and log under that account. Errors are
printed as ``error: <message>`` with exit status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy import Engine

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.errors import PlatewardError
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
