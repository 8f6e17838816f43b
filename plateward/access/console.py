"""Who is at the console: the named account a command acts as, with the API's own checks.

Having a shell on the server is not an account (policy A.8: every user has a unique account;
A.2 and F: roles and training decide who may see the data). So a command that reads or
changes ALPR data acts as a person, identified the way the API identifies them:

* ``--token TOKEN`` or the ``PLATEWARD_TOKEN`` environment variable: the account's API token
  (``plateward token add``), which a revoked token, a disabled or a locked account fails;
* at a terminal, without a token: the username, password and, if the account has one, the
  six-digit code, checked and counted towards the lockout exactly as the sign-in page does.

The account must then pass the same role and training checks as ``require`` on the API
(``refusal``). Commands take ``TokenOption`` and call ``console_user``::

    def command(ctx: typer.Context, token: TokenOption = None, ...) -> None:
        user = console_user(engine, token, Action.SEARCH)   # raises ConsoleRefused

The only commands without an account are the ones that set an installation up before any
exists (``db upgrade``, the first administrator) and the integrity checks an outside auditor
runs on a copy (``audit verify``).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy import Connection, Engine

from plateward.access.roles import Action, allowed
from plateward.access.totp import check_code, has_totp
from plateward.access.training import today_utc, training_refusal
from plateward.access.users import LockedOut, User, sign_in, user_for_token
from plateward.audit.log import Entry, append
from plateward.errors import PlatewardError

TOKEN_ENV = "PLATEWARD_TOKEN"
CONSOLE_ADDRESS = "cli"

TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar=TOKEN_ENV,
        show_envvar=True,
        help=(
            "Your API token (plateward token add); else PLATEWARD_TOKEN; at a terminal"
            " without either, you are asked for your username, password and code."
        ),
    ),
]

Ask = Callable[[str, bool], str]
"""Asks the person at the terminal: (prompt, hide what is typed) -> answer."""


class ConsoleRefused(PlatewardError):
    """No account, a wrong or revoked token or password, or an account not allowed to."""

    status = 403


def console_user(
    engine: Engine, token: str | None, action: Action, *, ask: Ask | None = None,
    today: dt.date | None = None,
) -> User:  # fmt: skip
    """The account the command acts as, refused unless it may do ``action`` now."""
    if token:
        with engine.connect() as connection:
            user = user_for_token(connection, token.strip())
        if user is None:
            raise ConsoleRefused(
                "token not recognised: revoked, or its account is disabled or locked"
            )
    else:
        if ask is None and not sys.stdin.isatty():
            raise ConsoleRefused(
                f"this command acts as a named account: give --token or set {TOKEN_ENV}"
                " (your API token; an administrator issues one with plateward token add"
                " USERNAME), or run it at a terminal to sign in with your password"
            )
        user = _signed_in(engine, ask or _terminal)
    refusal = refusal_of(engine, user, action, today or today_utc())
    if refusal:
        raise ConsoleRefused(refusal)
    return user


def refusal_of(engine: Engine, user: User, action: Action, today: dt.date) -> str | None:
    """The API's ``require`` checks, in its words: the role, then current training."""
    if not allowed(user.role, action):
        return f"role {user.role.value} may not {action.value}"
    with engine.connect() as connection:
        return training_refusal(connection, user, action, today)


def _signed_in(engine: Engine, ask: Ask) -> User:
    """Password and code at the terminal, counted and logged like a web sign-in."""
    username = ask("Username", False).strip()
    password = ask("Password", True)
    wrong = ConsoleRefused("wrong username or password, or the account is locked; try later")
    with engine.begin() as connection:  # commits the failure count even when refused
        try:
            user = sign_in(connection, username, password, client_address=CONSOLE_ADDRESS)
        except LockedOut:
            user = None
        if user is None:
            _log(connection, username, "login.failed", {"step": "password"}, "denied")
    if user is None:
        raise wrong
    second_factor = False
    with engine.begin() as connection:
        second_factor = has_totp(connection, user.id)
    if second_factor:
        code = ask("Code from your authenticator app", False)
        with engine.begin() as connection:
            try:
                right = check_code(connection, user.id, code, client_address=CONSOLE_ADDRESS)
            except LockedOut:
                right = False
            if not right:
                _log(connection, user.username, "login.failed", {"step": "second_factor"},
                     "denied", user.agency)  # fmt: skip
        if not right:
            raise ConsoleRefused("that code is not right, or the account is locked; try later")
    with engine.begin() as connection:
        _log(connection, user.username, "login", {"second_factor": second_factor,
             "console": True}, "ok", user.agency)  # fmt: skip
    return user


def _log(
    connection: Connection, username: str, action: str, query: dict[str, object], outcome: str,
    agency: str = "",
) -> None:  # fmt: skip
    append(
        connection,
        Entry(username=username[:64], agency=agency, action=action, query=query,
              client_address=CONSOLE_ADDRESS, outcome=outcome),
    )  # fmt: skip


def _terminal(prompt: str, hidden: bool) -> str:
    return str(typer.prompt(prompt, hide_input=hidden))
