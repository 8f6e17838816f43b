"""``plateward agency``: register agencies, complete their registration, list them.

Registering and editing act as an administrator's account (``--token``); while the database has
no administrator yet, the first agency can be registered without one (it must exist before the
first administrator can be added to it), logged as the operating-system account.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from sqlalchemy import Engine, select

from plateward.access.console import console_user
from plateward.access.roles import Action, Role
from plateward.access.schema import users
from plateward.agency.registry import Agency, edit_agency, list_agencies, register_agency
from plateward.audit.actor import Actor, actor_for, console_actor
from plateward.console_run import CONSOLE_ADDRESS, JsonOption, TokenOption, run_as, run_console
from plateward.errors import InvalidInput
from plateward.settings import Settings
from plateward.sharing.agreements import recheck_agreements
from plateward.sharing.policy import sharing_policy
from plateward.store.cli import DbOption

agency_app = typer.Typer(
    help="The agency registry: kind, state, federal or not, ORI (policy G.4).",
    no_args_is_help=True,
)

KindOption = Annotated[str | None, typer.Option(help="law_enforcement, other_public or private.")]
StateOption = Annotated[str | None, typer.Option(help="Two-letter state, e.g. CA.")]
FederalOption = Annotated[
    bool | None, typer.Option("--federal/--not-federal", help="A federal agency or not.")
]
OriOption = Annotated[str | None, typer.Option(help="The agency's ORI (9 characters).")]


@agency_app.command("add")
def agency_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. CCSO.")],
    name: Annotated[str, typer.Option(help="The agency's name.")],
    kind: Annotated[str, typer.Option(help="law_enforcement, other_public or private.")],
    state: Annotated[str, typer.Option(help="Two-letter state, e.g. CA.")],
    federal: Annotated[bool, typer.Option("--federal", help="A federal agency.")] = False,
    ori: OriOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Register an agency; users and cameras then name it with --agency."""

    def work(engine: Engine, _settings: Settings) -> Agency:
        actor = _actor(engine, token)
        with engine.begin() as connection:
            return register_agency(
                connection, actor, code=code, name=name, kind=kind, state=state,
                federal=federal, ori=ori,
            )  # fmt: skip

    agency = run_console(ctx, db, work)
    typer.echo(f"agency {agency.describe()} registered")


@agency_app.command("edit")
def agency_edit(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The agency's code.")],
    name: Annotated[str | None, typer.Option(help="The agency's name.")] = None,
    kind: KindOption = None,
    state: StateOption = None,
    federal: FederalOption = None,
    ori: OriOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Change or complete an agency's registration; agreements it no longer allows end."""

    def work(engine: Engine, settings: Settings) -> tuple[Agency, int]:
        actor = _actor(engine, token)
        with engine.begin() as connection:
            agency = edit_agency(
                connection, actor, code, name=name, kind=kind, state=state, federal=federal,
                ori=ori,
            )  # fmt: skip
            ended = recheck_agreements(connection, sharing_policy(settings), actor, _today())
        return agency, len(ended)

    agency, ended = run_console(ctx, db, work)
    typer.echo(f"agency {agency.describe()}")
    if ended:
        typer.echo(f"{ended} sharing agreement(s) ended: the rules no longer allow them")


@agency_app.command("list")
def agency_list(
    ctx: typer.Context, json_output: JsonOption = False, token: TokenOption = None,
    db: DbOption = None,
) -> None:  # fmt: skip
    """Every registered agency, with what the registry knows of it."""

    def work(engine: Engine, _settings: Settings, _user: object) -> list[Agency]:
        with engine.connect() as connection:
            return list_agencies(connection)

    found = run_as(ctx, db, token, Action.VIEW_SHARING, work)
    for agency in found:
        if json_output:
            typer.echo(json.dumps({
                "code": agency.code, "name": agency.name, "kind": agency.kind,
                "state": agency.state, "federal": agency.federal, "ori": agency.ori,
                "confirmed": agency.confirmed,
            }))  # fmt: skip
        else:
            typer.echo(agency.describe())


def _actor(engine: Engine, token: str | None) -> Actor:
    """The administrator acting; at set-up (no administrator yet), the console's own account."""
    if token:
        return actor_for(console_user(engine, token, Action.MANAGE_AGENCIES), CONSOLE_ADDRESS)
    with engine.connect() as connection:
        admin = connection.execute(
            select(users.c.id).where(users.c.role == Role.ADMINISTRATOR.value).limit(1)
        ).first()
    if admin is not None:
        raise InvalidInput(
            "this command acts as an administrator's account: give --token or set"
            " PLATEWARD_TOKEN (only a database without administrators takes it unnamed)"
        )
    return console_actor()


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
