"""``plateward audit``: check the access log's chain; draw, review and report semi-annual audits.

Audit commands name the auditor with ``--by``; that account must hold the ``review_audit``
role, and its work is logged under its name like an API call. Only ``sample`` and ``report``
may run without ``--by`` (a scheduled job), and are then logged as ``system:<OS login>``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Literal, NoReturn

import typer
from sqlalchemy import Connection

from plateward.access.roles import Action
from plateward.audit.actor import Actor, named_actor, record, system_actor
from plateward.audit.due import AuditStatus, PeriodStatus, audit_status
from plateward.audit.periods import parse_period
from plateward.audit.report import render_csv, render_html
from plateward.audit.reviews import (
    AuditItem,
    audit_detail,
    close_audit,
    parse_verdict,
    review_item,
)
from plateward.audit.sampling import sample_audit
from plateward.audit.verify import verify_chain
from plateward.errors import PlatewardError
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

audit_app = typer.Typer(help="Audit the use of ALPR data.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, db: DbOption = None) -> None:
    """Check that no access log entry was changed, deleted or reordered; exit 1 if one was."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        verdict = verify_chain(connection)
    if verdict.intact:
        typer.echo(f"access log intact: {verdict.entries} entries, last hash {verdict.last_hash}")
        return
    typer.echo(f"access log broken at entry {verdict.first_bad}: {verdict.problem}", err=True)
    raise typer.Exit(1)


ByOption = Annotated[
    str | None, typer.Option("--by", help="Your username (role auditor or internal_affairs).")
]
AuditArgument = Annotated[int, typer.Argument(help="The audit's number.")]


@audit_app.command("sample")
def audit_sample(
    ctx: typer.Context,
    period: Annotated[str, typer.Option(help="Half-year to audit: 2026H1 (Jan-Jun) or 2026H2.")],
    size: Annotated[int, typer.Option(help="How many inquiries to sample.")],
    seed: Annotated[
        int | None, typer.Option(help="Seed of the draw; omitted, one is derived and printed.")
    ] = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Draw a reproducible random sample of a half-year's inquiries as a new audit (policy H)."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    upgrade(engine)
    try:
        chosen = parse_period(period)
        with engine.begin() as connection:
            actor = _actor(connection, by)
            sample = sample_audit(connection, period=chosen, size=size, seed=seed, actor=actor)
            detail = audit_detail(connection, sample.audit_id)
    except PlatewardError as exc:
        _fail(exc)
    origin = "derived from the period" if sample.seed_was_default else "given"
    typer.echo(f"audit {sample.audit_id}: period {sample.period}, seed {sample.seed} ({origin})")
    if sample.short:
        typer.echo(
            f"only {len(sample.entry_ids)} inquiries in {sample.period}, fewer than the"
            f" {sample.requested} asked for: the audit covers all of them"
        )
    else:
        typer.echo(f"sampled {len(sample.entry_ids)} of {sample.population} inquiries")
    for item in detail.items:
        typer.echo(_item_line(item))


@audit_app.command("review")
def audit_review(
    ctx: typer.Context,
    audit_id: AuditArgument,
    entry_id: Annotated[int, typer.Argument(help="The access log entry's number.")],
    verdict: Annotated[str, typer.Option(help="compliant, not_compliant or follow_up.")],
    by: Annotated[str, typer.Option("--by", help="Your username (auditor or internal_affairs).")],
    notes: Annotated[
        str | None, typer.Option(help="What was found; required unless compliant.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record your verdict on one sampled inquiry."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    try:
        judged = parse_verdict(verdict)
        with engine.begin() as connection:
            item = review_item(
                connection, audit_id=audit_id, entry_id=entry_id, verdict=judged, notes=notes,
                actor=_actor(connection, by),
            )  # fmt: skip
    except PlatewardError as exc:
        _fail(exc)
    typer.echo(f"audit {audit_id}: entry {entry_id} ({item.username}) {judged.value}")


@audit_app.command("close")
def audit_close(
    ctx: typer.Context,
    audit_id: AuditArgument,
    by: Annotated[str, typer.Option("--by", help="Your username (auditor or internal_affairs).")],
    db: DbOption = None,
) -> None:
    """Close an audit once every sampled inquiry has a verdict."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    try:
        with engine.begin() as connection:
            summary = close_audit(connection, audit_id=audit_id, actor=_actor(connection, by))
    except PlatewardError as exc:
        _fail(exc)
    typer.echo(f"audit {audit_id}: closed with {summary.items} entries reviewed")


@audit_app.command("report")
def audit_report(
    ctx: typer.Context,
    audit_id: AuditArgument,
    format: Annotated[
        Literal["html", "csv"], typer.Option("--format", help="html or csv.")
    ] = "html",
    output: Annotated[
        Path | None, typer.Option("--output", help="File to write; else standard output.")
    ] = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Write an audit's report: findings per user and every sampled inquiry."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    try:
        with engine.begin() as connection:
            detail = audit_detail(connection, audit_id)
            actor = _actor(connection, by)
            record(connection, actor, "audit.report", {"audit": audit_id}, len(detail.items))
    except PlatewardError as exc:
        _fail(exc)
    text = render_html(detail) if format == "html" else render_csv(detail)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    typer.echo(f"audit {audit_id}: {format} report written to {output}")


@audit_app.command("status")
def audit_status_command(
    ctx: typer.Context,
    today: Annotated[
        str | None, typer.Option(help="Judge as of this date (YYYY-MM-DD); else today, UTC.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Say whether the current and the previous half-year's audits are done, due or overdue."""
    try:
        day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    except ValueError:
        typer.echo(f"error: --today {today!r}: write the date as YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    engine = open_database(with_db(ctx.obj, db).database_url())
    upgrade(engine)
    with engine.connect() as connection:
        status = audit_status(connection, day)
    for line in _status_lines(status):
        typer.echo(line)


def _status_lines(status: AuditStatus) -> list[str]:
    def line(label: str, period: PeriodStatus) -> str:
        span = f"{period.starts_on} to {period.ends_on}"
        audits = ", ".join(str(i) for i in period.audit_ids) or "none"
        done = f"closed audit {period.closed_audit_id}" if period.closed_audit_id else "not closed"
        state = period.state.value.replace("_", " ")
        when = f"; due by {period.due_by}" if state in ("due", "overdue") else ""
        return f"{label} {period.period} ({span}): {state}{when}; audits: {audits}; {done}"

    return [line("previous", status.previous), line("current ", status.current)]


def _actor(connection: Connection, by: str | None) -> Actor:
    return system_actor() if by is None else named_actor(connection, by, Action.REVIEW_AUDIT)


def _item_line(item: AuditItem) -> str:
    why = item.case_number or ""
    if item.reason:
        why = f"{why} {item.reason}".strip()
    query = json.dumps(item.query, sort_keys=True)
    return "\t".join(
        [str(item.entry_id), item.at.isoformat(), item.username, item.action, query, why]
    )


def _fail(exc: PlatewardError) -> NoReturn:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(1) from None
