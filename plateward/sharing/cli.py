"""``plateward sharing``: request another agency's reads; approve, deny or revoke (policy G.4).

Each command acts as an administrator's account (``--token``). A request the rules refuse is
refused with the rule named, and the refused attempt is logged.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from sqlalchemy import Engine

from plateward.access.roles import Action
from plateward.access.users import User
from plateward.agency.registry import agency_id_of
from plateward.audit.actor import actor_for
from plateward.console_run import CONSOLE_ADDRESS, JsonOption, TokenOption, run_as
from plateward.errors import InvalidInput
from plateward.moments import parse_day, parse_moment
from plateward.settings import Settings
from plateward.sharing.agreements import (
    Agreement,
    SharingRefused,
    decide_agreement,
    list_agreements,
    log_refusal,
    recheck_agreements,
    request_agreement,
    revoke_agreement,
)
from plateward.sharing.policy import sharing_policy
from plateward.sharing.rules import SEARCH_KINDS
from plateward.store.cli import DbOption

sharing_app = typer.Typer(
    help="Sharing agreements between agencies (policy G.3, G.4; Civil Code 1798.90.55).",
    no_args_is_help=True,
)


@sharing_app.command("request")
def sharing_request(
    ctx: typer.Context,
    owner: Annotated[str, typer.Option(help="The agency whose reads you ask for.")],
    purpose: Annotated[str, typer.Option(help="What investigations the reads are for.")],
    until: Annotated[str, typer.Option(help="Last day the agreement runs (YYYY-MM-DD).")],
    kind: Annotated[
        list[str], typer.Option("--kind", help=f"Search kinds allowed: {', '.join(SEARCH_KINDS)}.")
    ],
    camera: Annotated[
        list[str] | None, typer.Option("--camera", help="Only these cameras (default: all).")
    ] = None,
    reads_from: Annotated[
        str | None, typer.Option(help="Only reads captured from this time.")
    ] = None,
    reads_until: Annotated[
        str | None, typer.Option(help="Only reads captured before this time.")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Ask another agency to share its reads with yours; its administrator decides."""

    def work(engine: Engine, settings: Settings, user: User) -> Agreement:
        query = {"owner": owner, "purpose": purpose, "kinds": kind, "cameras": camera or "all"}
        try:
            with engine.begin() as connection:
                return request_agreement(
                    connection, user, sharing_policy(settings), owner=owner, purpose=purpose,
                    cameras=camera or (), kinds=kind, ends_on=_ends_on(until),
                    reads_from=parse_moment("--reads-from", reads_from),
                    reads_until=parse_moment("--reads-until", reads_until), today=_today(),
                    client_address=CONSOLE_ADDRESS,
                )  # fmt: skip
        except SharingRefused as refused:
            with engine.begin() as connection:
                log_refusal(connection, user, CONSOLE_ADDRESS, query, refused)
            raise

    agreement = run_as(ctx, db, token, Action.MANAGE_SHARING, work)
    typer.echo(f"sharing agreement {agreement.id} requested from {agreement.owner}")


@sharing_app.command("approve")
def sharing_approve(
    ctx: typer.Context,
    agreement_id: Annotated[int, typer.Argument(help="The agreement's number.")],
    note: Annotated[str | None, typer.Option(help="A note on the decision.")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Approve a request for your agency's reads (the rules are checked again)."""
    _decide(ctx, db, token, agreement_id, approve=True, note=note)


@sharing_app.command("deny")
def sharing_deny(
    ctx: typer.Context,
    agreement_id: Annotated[int, typer.Argument(help="The agreement's number.")],
    note: Annotated[str, typer.Option(help="Why it is denied.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Deny a request for your agency's reads."""
    _decide(ctx, db, token, agreement_id, approve=False, note=note)


@sharing_app.command("revoke")
def sharing_revoke(
    ctx: typer.Context,
    agreement_id: Annotated[int, typer.Argument(help="The agreement's number.")],
    reason: Annotated[str, typer.Option(help="Why it ends now.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """End an approved agreement now (either agency's administrator)."""

    def work(engine: Engine, _settings: Settings, user: User) -> Agreement:
        with engine.begin() as connection:
            return revoke_agreement(connection, user, agreement_id, reason=reason,
                                    client_address=CONSOLE_ADDRESS)  # fmt: skip

    agreement = run_as(ctx, db, token, Action.MANAGE_SHARING, work)
    typer.echo(f"sharing agreement {agreement.id}: revoked")


@sharing_app.command("list")
def sharing_list(
    ctx: typer.Context, json_output: JsonOption = False, token: TokenOption = None,
    db: DbOption = None,
) -> None:  # fmt: skip
    """The agreements your agency owns or receives, newest first."""

    def work(engine: Engine, _settings: Settings, user: User) -> list[Agreement]:
        with engine.connect() as connection:
            return list_agreements(connection, agency_id=agency_id_of(connection, user.agency))

    today = _today()
    for agreement in run_as(ctx, db, token, Action.VIEW_SHARING, work):
        if json_output:
            typer.echo(json.dumps(agreement.as_json(today)))
        else:
            cameras = ", ".join(agreement.cameras) or "all cameras"
            typer.echo(
                f"{agreement.id:>4}  {agreement.owner} -> {agreement.receiver}"
                f"  {agreement.standing(today):<9} until {agreement.ends_on.isoformat()}"
                f"  {cameras}; {agreement.kinds_text()}; purpose: {agreement.purpose}"
            )


@sharing_app.command("recheck")
def sharing_recheck(ctx: typer.Context, token: TokenOption = None, db: DbOption = None) -> None:
    """End every current agreement the rules or registrations no longer allow."""

    def work(engine: Engine, settings: Settings, user: User) -> int:
        with engine.begin() as connection:
            ended = recheck_agreements(
                connection, sharing_policy(settings), actor_for(user, CONSOLE_ADDRESS), _today()
            )
        for agreement, refusal in ended:
            typer.echo(f"sharing agreement {agreement.id}: ended ({refusal.rule})")
        return len(ended)

    count = run_as(ctx, db, token, Action.MANAGE_SHARING, work)
    typer.echo(f"{count} agreement(s) ended")


def _decide(
    ctx: typer.Context, db: str | None, token: str | None, agreement_id: int, *, approve: bool,
    note: str | None,
) -> None:  # fmt: skip
    def work(engine: Engine, settings: Settings, user: User) -> Agreement:
        with engine.begin() as connection:
            return decide_agreement(
                connection, user, sharing_policy(settings), agreement_id, approve=approve,
                note=note, today=_today(), client_address=CONSOLE_ADDRESS,
            )  # fmt: skip

    agreement = run_as(ctx, db, token, Action.MANAGE_SHARING, work)
    typer.echo(f"sharing agreement {agreement.id}: {agreement.status}")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _ends_on(text: str) -> dt.date:
    ends_on = parse_day("--until", text)
    if ends_on is None:
        raise InvalidInput("--until: give the day the agreement ends, as YYYY-MM-DD")
    return ends_on
