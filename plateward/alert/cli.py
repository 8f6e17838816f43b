"""``plateward alert``: the alerts and the misread figures from the console."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from plateward.access.console import TokenOption, console_user
from plateward.access.roles import Action
from plateward.alert.schema import alerts
from plateward.alert.verification import misreads_by_camera
from plateward.alert.views import alert_json, select_alerts, user_agency_id, visible_to
from plateward.audit.log import Entry, append
from plateward.errors import PlatewardError
from plateward.hotlist.cli import JsonOption
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

alert_app = typer.Typer(help="Hot list alerts and their verification (policy A.7).",
                        no_args_is_help=True)  # fmt: skip


@alert_app.command("list")
def list_command(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only alerts not yet closed.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    json_output: JsonOption = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Your agency's alerts, newest first, with where each stands (logged as alert.list)."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        upgrade(engine)
        user = console_user(engine, token, Action.RECEIVE_ALERTS)
        with engine.begin() as connection:
            query = select_alerts().where(visible_to(connection, user_agency_id(connection, user)))
            if open_only:
                query = query.where(alerts.c.status != "closed")
            rows = connection.execute(query.order_by(alerts.c.id.desc()).limit(limit)).all()
            append(connection, Entry(
                username=user.username, agency=user.agency, action="alert.list",
                query={"open": open_only, "limit": limit}, reason="hot list alerts (policy A.7)",
                result_count=len(rows), client_address="cli"))  # fmt: skip
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    for row in rows:
        alert = alert_json(row, settings.alerts.link_base_url)
        if json_output:
            typer.echo(json.dumps(alert))
            continue
        typer.echo(
            f"{alert['id']:>7} {alert['raised_at'][:19]} {alert['plate']:<10}"
            f" {alert['reason_label']:<18} {alert['list']:<16} {alert['camera']:<12}"
            f" {alert['status']}"
        )


@alert_app.command("misreads")
def misreads_command(ctx: typer.Context, token: TokenOption = None, db: DbOption = None) -> None:
    """Per camera: alerts, plate checks done and misreads found (Civil Code 1798.90.51)."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        upgrade(engine)
        console_user(engine, token, Action.RECEIVE_ALERTS)
        with engine.connect() as connection:
            figures = misreads_by_camera(connection)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    for row in figures:
        rate = "-" if row["misread_rate"] is None else f"{row['misread_rate']:.1%}"
        typer.echo(
            f"{row['camera']:<16} {row['alerts']:>6} alerts {row['plate_checked']:>6} checked"
            f" {row['misreads']:>5} misread ({rate})"
        )
