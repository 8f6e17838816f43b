"""The governance commands at the console act as a named account, as the API does.

Records requests, breach incidents and maintenance tickets say who did what, so a command
must name its person: the account's API token from ``--token`` or ``PLATEWARD_TOKEN``
(``plateward token add USERNAME`` issues one), checked by ``access.console.console_user`` as
the API checks it, and logged under that username with the address ``cli``. Each command runs
its work and the access log entry in one transaction; a Plateward error prints
``error: ...`` and exits 1 with nothing written.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from sqlalchemy import Connection

from plateward import moments
from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.audit.actor import Actor, actor_for
from plateward.errors import InvalidInput, PlatewardError
from plateward.settings import Settings
from plateward.store.cli import with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

T = TypeVar("T")
__all__ = ["CONSOLE_ADDRESS", "TokenOption", "fail", "run_as", "settings_of"]


def run_as(
    ctx: typer.Context,
    db: str | None,
    token: str | None,
    action: Action,
    work: Callable[[Connection, User, Actor], T],
) -> T:
    """``work`` as the token's account, in one transaction on the configured database."""
    try:
        engine = open_database(settings_of(ctx, db).database_url())
        try:
            upgrade(engine)
            user = console_user(engine, token, action)
            with engine.begin() as connection:
                return work(connection, user, actor_for(user, CONSOLE_ADDRESS))
        finally:
            engine.dispose()
    except PlatewardError as exc:
        fail(exc.message)


def settings_of(ctx: typer.Context, db: str | None) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return with_db(settings, db)


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def parse_day(option: str, text: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` option (``moments.parse_day``); a bad one ends the command."""
    try:
        return moments.parse_day(option, text)
    except InvalidInput as exc:
        fail(exc.message)


def parse_moment(option: str, text: str | None) -> dt.datetime | None:
    """A time option (``moments.parse_moment``); a bad one ends the command."""
    try:
        return moments.parse_moment(option, text)
    except InvalidInput as exc:
        fail(exc.message)


def read_file(path: Path, max_bytes: int) -> bytes:
    """A file to attach, refused past ``max_bytes`` before it is read whole."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
    if len(data) > max_bytes:
        fail(f"{path}: over the {max_bytes} byte limit (records.max_file_bytes)")
    return data


def write_output(path: Path, data: bytes) -> None:
    """Write a file back out for the person who asked, owner-only like the stored copy."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
