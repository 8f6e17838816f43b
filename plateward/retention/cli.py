"""``plateward retention`` and ``plateward hold``: destruction runs, dry runs, legal holds.

A run acts as an administrator's account; a dry run as anyone who may see the retention
records (auditors included). Both are logged; a real run also leaves its destruction record.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Annotated

import typer
from sqlalchemy import Engine

from plateward.access.roles import Action
from plateward.access.users import User
from plateward.console_run import CONSOLE_ADDRESS, JsonOption, TokenOption, run_as
from plateward.errors import InvalidInput
from plateward.moments import parse_moment
from plateward.retention.holds import (
    Hold,
    hold_plate,
    hold_reads,
    list_holds,
    release_hold,
)
from plateward.retention.periods import CLASS_DAYS, CLASS_LABELS, Cutoffs, check_as_of
from plateward.retention.preview import log_dry_run, preview
from plateward.retention.records import Destroyed, Run, list_runs
from plateward.retention.run import Runner, run_retention
from plateward.settings import Settings
from plateward.store.cli import DbOption
from plateward.store.images import ImageStore

retention_app = typer.Typer(
    help="Retention periods and the destruction of data past them (policy B).",
    no_args_is_help=True,
)
hold_app = typer.Typer(help="Legal holds: reads kept past their period for a case.",
                       no_args_is_help=True)  # fmt: skip

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Apply the rules as of this time (ISO 8601 with offset)."),
]


@retention_app.command("run")
def retention_run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be destroyed.")
    ] = False,
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Destroy everything past its retention period and not held (or, with --dry-run, count it)."""
    action = Action.VIEW_RETENTION if dry_run else Action.MANAGE_RETENTION

    def work(engine: Engine, settings: Settings, user: User) -> tuple[Run | None, list[Destroyed]]:
        now = dt.datetime.now(dt.UTC)
        when = check_as_of(parse_moment("--as-of", as_of), now, dry_run=dry_run)
        if dry_run:
            with engine.begin() as connection:
                found = preview(connection, Cutoffs.of(settings.retention, when))
                log_dry_run(connection, user, CONSOLE_ADDRESS, when, found)
            return None, found
        store = ImageStore(settings.data_dir / "images", settings.server.max_image_bytes)
        runner = Runner(user.username, user.agency, "command", CONSOLE_ADDRESS)
        run = run_retention(engine, store, settings.retention, runner, as_of=when, now=now)
        return run, list(run.destroyed)

    run, found = run_as(ctx, db, token, action, work)
    if json_output:
        typer.echo(json.dumps({
            "run": None if run is None else run.id, "dry_run": dry_run,
            "status": None if run is None else run.status,
            "destroyed": [d.as_json() for d in found],
        }))  # fmt: skip
        return
    typer.echo("would destroy (dry run):" if run is None else f"run {run.id}: {run.status}")
    for item in found:
        typer.echo(destroyed_line(item))


@retention_app.command("runs")
def retention_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    json_output: JsonOption = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """The destruction records: each run, who or what ran it, and what it destroyed."""

    def work(engine: Engine, _settings: Settings, _user: User) -> list[Run]:
        with engine.connect() as connection:
            return list_runs(connection, limit=limit)

    for run in run_as(ctx, db, token, Action.VIEW_RETENTION, work):
        if json_output:
            typer.echo(json.dumps(run.as_json()))
            continue
        typer.echo(
            f"run {run.id}  {run.status}  started {run.started_at.isoformat()}  as of"
            f" {run.as_of.isoformat()}  by {run.ran_by} ({run.trigger})"
        )
        for item in run.destroyed:
            if item.removed or item.files_removed:
                typer.echo("  " + destroyed_line(item))


@retention_app.command("periods")
def retention_periods(ctx: typer.Context) -> None:
    """The retention period of each class of data (retention.* settings)."""
    settings = ctx.obj
    assert isinstance(settings, Settings)
    for data_class, label in CLASS_LABELS.items():
        days = getattr(settings.retention, CLASS_DAYS[data_class])
        typer.echo(f"{label}: {days} days")


@hold_app.command("reads")
def hold_reads_command(
    ctx: typer.Context,
    read_ids: Annotated[list[str], typer.Argument(help="The reads' ids.")],
    case: Annotated[str, typer.Option(help="The case the reads are held for.")],
    reason: Annotated[str | None, typer.Option(help="Why they are held.")] = None,
    until: Annotated[str | None, typer.Option(help="Hold until (else until released).")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Hold reads for a case: they outlive their retention period until released."""

    def work(engine: Engine, _settings: Settings, user: User) -> Hold:
        ids = [_uuid(r) for r in read_ids]
        with engine.begin() as connection:
            return hold_reads(
                connection, user, ids, case_number=case, reason=reason,
                expires_at=parse_moment("--until", until), client_address=CONSOLE_ADDRESS,
            )  # fmt: skip

    hold = run_as(ctx, db, token, Action.HOLD_DATA, work)
    typer.echo(f"hold {hold.id}: {hold.read_count} read(s) held for case {hold.case_number}")


@hold_app.command("plate")
def hold_plate_command(
    ctx: typer.Context,
    plate: Annotated[str, typer.Argument(help="The plate whose reads are held.")],
    case: Annotated[str, typer.Option(help="The case the reads are held for.")],
    captured_from: Annotated[str, typer.Option("--from", help="Reads captured from this time.")],
    captured_until: Annotated[str, typer.Option("--to", help="...and before this time.")],
    reason: Annotated[str | None, typer.Option(help="Why they are held.")] = None,
    until: Annotated[str | None, typer.Option(help="Hold until (else until released).")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Hold every read of a plate by your agency's cameras in a time range, for a case."""

    def work(engine: Engine, _settings: Settings, user: User) -> Hold:
        start, end = parse_moment("--from", captured_from), parse_moment("--to", captured_until)
        assert start is not None and end is not None
        with engine.begin() as connection:
            return hold_plate(
                connection, user, plate, captured_from=start, captured_until=end,
                case_number=case, reason=reason, expires_at=parse_moment("--until", until),
                client_address=CONSOLE_ADDRESS,
            )  # fmt: skip

    hold = run_as(ctx, db, token, Action.HOLD_DATA, work)
    typer.echo(f"hold {hold.id}: plate {hold.plate} held for case {hold.case_number}")


@hold_app.command("release")
def hold_release_command(
    ctx: typer.Context,
    hold_id: Annotated[int, typer.Argument(help="The hold's number.")],
    reason: Annotated[str, typer.Option(help="Why it is released.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Release a hold: its reads go when their periods say."""

    def work(engine: Engine, _settings: Settings, user: User) -> Hold:
        with engine.begin() as connection:
            return release_hold(connection, user, hold_id, reason=reason,
                                client_address=CONSOLE_ADDRESS)  # fmt: skip

    hold = run_as(ctx, db, token, Action.HOLD_DATA, work)
    typer.echo(f"hold {hold.id}: released")


@hold_app.command("list")
def hold_list_command(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option(help="Only this case's holds.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Released and expired ones too.")] = False,
    json_output: JsonOption = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Legal holds, newest first (active ones unless --all)."""
    now = dt.datetime.now(dt.UTC)

    def work(engine: Engine, _settings: Settings, _user: User) -> list[Hold]:
        with engine.connect() as connection:
            return list_holds(connection, active_at=None if every else now, case_number=case)

    for hold in run_as(ctx, db, token, Action.VIEW_RETENTION, work):
        if json_output:
            typer.echo(json.dumps(hold.as_json(now)))
        else:
            what = (
                f"plate {hold.plate} {hold.captured_from:%Y-%m-%d %H:%M}Z to"
                f" {hold.captured_until:%Y-%m-%d %H:%M}Z"
                if hold.kind == "plate" else f"{hold.read_count} read(s)"
            )  # fmt: skip
            typer.echo(
                f"hold {hold.id}  {hold.standing(now):<8} case {hold.case_number}  {what}"
                f"  by {hold.placed_by} {hold.placed_at:%Y-%m-%d}"
            )


def destroyed_line(item: Destroyed) -> str:
    span = ""
    if item.oldest_at is not None and item.newest_at is not None:
        span = f", {item.oldest_at:%Y-%m-%d %H:%M}Z to {item.newest_at:%Y-%m-%d %H:%M}Z"
    extra = ""
    if item.files_removed:
        extra += f", {item.files_removed} file(s)"
    if item.partitions_emptied:
        extra += f", {item.partitions_emptied} month(s) emptied whole"
    return f"{CLASS_LABELS[item.data_class]}: {item.removed}{span}{extra}"


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise InvalidInput(f"read {text!r}: not a read id (a UUID)") from None
