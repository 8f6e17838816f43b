"""``plateward health``: each camera's health and the notices of silent or slow cameras.

For administrators, acting as the account whose API token is given (``--token`` or
``PLATEWARD_TOKEN``). ``check`` runs the server's own check once: for a deployment that turns
the server's check off (``camera_health.check_interval_s = 0``) and runs it from a scheduler.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from plateward.access.roles import Action
from plateward.governance.console import TokenOption, run_as, settings_of
from plateward.governance.health.checks import (
    CameraHealth,
    acknowledge_notice,
    camera_health,
    list_notices,
    run_check,
)
from plateward.store.cli import DbOption

health_app = typer.Typer(
    help="Camera health: last reads, read rates, heartbeats and notices (policy D.3).",
    no_args_is_help=True,
)


@health_app.command("cameras")
def cameras(ctx: typer.Context, token: TokenOption = None, db: DbOption = None) -> None:
    """Each camera: state, last read, last heartbeat, reads per hour against the usual rate."""
    settings = settings_of(ctx, db).camera_health
    now = dt.datetime.now(dt.UTC)
    found = run_as(
        ctx,
        db,
        token,
        Action.VIEW_CAMERA_HEALTH,
        lambda c, _user, _actor: camera_health(c, settings, now),
    )
    for health in found:
        typer.echo(_line(health))


@health_app.command("notices")
def notices(
    ctx: typer.Context,
    everything: Annotated[bool, typer.Option("--all", help="Cleared notices too.")] = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Notices of silent or slow cameras, newest first."""
    found = run_as(
        ctx,
        db,
        token,
        Action.VIEW_CAMERA_HEALTH,
        lambda c, _user, _actor: list_notices(c, include_cleared=everything),
    )
    for notice in found:
        state = f"cleared {notice.cleared_at:%Y-%m-%d %H:%M}" if notice.cleared_at else "open"
        if notice.acknowledged_by:
            state += f", acknowledged by {notice.acknowledged_by}"
        typer.echo(
            f"{notice.id}\t{notice.camera}\t{notice.kind}\traised {notice.raised_at:%Y-%m-%d %H:%M}"
            f"\t{state}\t{notice.detail}"
        )


@health_app.command("check")
def check(ctx: typer.Context, token: TokenOption = None, db: DbOption = None) -> None:
    """Check every camera now: raise notices for new problems, clear those that recovered."""
    settings = settings_of(ctx, db).camera_health
    result = run_as(
        ctx, db, token, Action.VIEW_CAMERA_HEALTH, lambda c, _user, _actor: run_check(c, settings)
    )
    if result.skipped:
        typer.echo("another server process is checking right now; nothing done")
        return
    typer.echo(
        f"checked {result.checked} cameras: {len(result.raised)} notices raised,"
        f" {len(result.cleared)} cleared"
    )
    for notice in result.raised:
        typer.echo(f"raised\t{notice.camera}\t{notice.kind}\t{notice.detail}")
    for notice in result.cleared:
        typer.echo(f"cleared\t{notice.camera}\t{notice.kind}")


@health_app.command("ack")
def ack(
    ctx: typer.Context,
    notice_id: Annotated[int, typer.Argument(help="The notice's number.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Acknowledge a notice: you have seen it; it stays open until the camera recovers."""
    notice = run_as(
        ctx,
        db,
        token,
        Action.VIEW_CAMERA_HEALTH,
        lambda c, _user, actor: acknowledge_notice(c, notice_id, actor=actor),
    )
    typer.echo(f"notice {notice.id} ({notice.camera} {notice.kind}): acknowledged")


def _line(health: CameraHealth) -> str:
    usual = "?" if health.usual_per_hour is None else f"{health.usual_per_hour:g}"
    beat = (
        f"heartbeat {health.last_heartbeat_at:%Y-%m-%d %H:%M}"
        if health.last_heartbeat_at
        else "no heartbeat"
    )
    read = f"last read {health.last_read_at:%Y-%m-%d %H:%M}" if health.last_read_at else "no reads"
    where = f"vehicle {health.vehicle}" if health.vehicle else health.name
    return "\t".join(
        [
            health.camera,
            health.state,
            where,
            read,
            beat,
            f"{health.reads_per_hour:g}/h (usual {usual}/h)",
            "; ".join(health.problems.values()),
        ]
    )
