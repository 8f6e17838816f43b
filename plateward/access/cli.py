"""``plateward user`` and ``plateward token``: bootstrap accounts and give them API tokens.

Each command acts as an administrator's account (``--token`` or ``PLATEWARD_TOKEN``), except on a
fresh installation: until an administrator holds an API token, the console may create accounts
and tokens (the first administrator and theirs), logged as the operating-system account that
ran the command (``os:<login>``). Each change is logged in the access log in its own
transaction, under whoever made it; the entry names the account, never its password, token or
second-factor secret.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy import Engine, select

from plateward.access.account_log import log_account_change
from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action, Role
from plateward.access.schema import api_tokens, users
from plateward.access.users import add_user, issue_token, user_by_name
from plateward.agency.registry import agency_id_of
from plateward.audit.actor import Actor, actor_for, console_actor
from plateward.errors import PlatewardError
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

user_app = typer.Typer(help="Create accounts (one per person, never shared).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for people and service accounts.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The person's own username.")],
    role: Annotated[
        str, typer.Option(help="user, investigator, administrator, auditor or internal_affairs.")
    ],
    agency: Annotated[str, typer.Option(help="The person's registered agency.")],
    full_name: Annotated[str, typer.Option(help="The person's name.")] = "",
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Add an account; the password is read from a prompt, or from standard input if piped.

    Needs an administrator's token, except on a fresh installation (no administrator holds a
    token yet), where the first administrator is made from the console.
    """
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    upgrade(engine)
    actor = _administrator(engine, token)
    if sys.stdin.isatty():
        password = typer.prompt("New account's password", hide_input=True,
                                confirmation_prompt=True)  # fmt: skip
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        with engine.begin() as connection:
            agency_id = agency_id_of(connection, agency)
            user = add_user(
                connection, username=username, full_name=full_name, role=role,
                agency_id=agency_id, password=password,
            )  # fmt: skip
            log_account_change(connection, actor, "user.add", {
                "username": user.username, "full_name": user.full_name,
                "role": user.role.value, "agency": user.agency,
            })  # fmt: skip
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"user {user.username} ({user.role.value}, {user.agency}) added")


@token_app.command("add")
def token_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Issue an API token for a user and print it (shown only this once).

    Needs an administrator's token, except for the first administrator's first token.
    """
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    actor = _administrator(engine, token)
    try:
        with engine.begin() as connection:
            user = user_by_name(connection, username)
            issued = issue_token(connection, user.id, name)
            log_account_change(connection, actor, "user.token.add", {
                "username": user.username, "agency": user.agency, "token_name": name,
            })  # fmt: skip
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(issued)


@user_app.command("totp")
def user_totp(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    remove: Annotated[
        bool, typer.Option("--remove", help="Turn the second factor off (a lost phone).")
    ] = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Turn on a TOTP second factor for web sign-in and print its otpauth:// URI (shown once).

    A new secret replaces any old one and ends the person's web sessions. Give the URI to the
    person only (as a QR code or typed into an authenticator app): it is the second factor.
    """
    from plateward.access.totp import disable_totp, enable_totp, provisioning_uri

    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    upgrade(engine)
    actor = _administrator(engine, token)
    try:
        with engine.begin() as connection:
            user = user_by_name(connection, username)
            whose = {"username": user.username, "agency": user.agency}
            if remove:
                had = disable_totp(connection, user.id)
                log_account_change(connection, actor, "user.totp.remove", whose,
                                   changed=int(had))  # fmt: skip
            else:
                secret = enable_totp(connection, user.id)
                log_account_change(connection, actor, "user.totp.enable", whose)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    if remove:
        typer.echo(f"user {username}: second factor {'removed' if had else 'was not set'}")
    else:
        typer.echo(provisioning_uri(secret, username))


def _administrator(engine: Engine, token: str | None) -> Actor:
    """Who changes accounts: an administrator's account, or on a fresh installation (no
    administrator holds a live token yet) the person at the console, logged as ``os:<login>``."""
    if token is None and is_fresh_installation(engine):
        return console_actor()
    try:
        return actor_for(console_user(engine, token, Action.MANAGE_USERS), CONSOLE_ADDRESS)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


def is_fresh_installation(engine: Engine) -> bool:
    with engine.connect() as connection:
        found = connection.execute(
            select(api_tokens.c.id)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(
                users.c.role == Role.ADMINISTRATOR.value,
                users.c.disabled_at.is_(None),
                api_tokens.c.revoked_at.is_(None),
            )
            .limit(1)
        ).first()
    return found is None
