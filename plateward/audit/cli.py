"""``plateward audit``: check the access log against its checkpoints; draw, review and report semi-annual audits.

Audit work acts as a named account (``--token`` or ``PLATEWARD_TOKEN``, ``access/console.py``)
holding the ``review_audit`` role, and is logged under its name like an API call; a scheduled
job uses a service account's token. ``verify``, ``keygen`` and ``checkpoint`` need no account:
they show no entry, and an outside auditor runs ``verify`` on a copy of the database.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Literal, NoReturn

import typer
from sqlalchemy import Engine

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.audit.actor import Actor, actor_for, record
from plateward.audit.checkpoints import generate_key
from plateward.audit.due import AuditStatus, PeriodStatus, audit_status
from plateward.audit.expected import file_heads, noted_root
from plateward.audit.periods import parse_period
from plateward.audit.publish import publish_checkpoint
from plateward.audit.report import render_csv, render_html
from plateward.audit.reviews import (
    AuditItem,
    audit_detail,
    close_audit,
    parse_verdict,
    review_item,
)
from plateward.audit.sampling import sample_audit
from plateward.audit.verify import ExpectedHead, verify_log
from plateward.errors import PlatewardError
from plateward.settings import Settings
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

audit_app = typer.Typer(help="Audit the use of ALPR data.", no_args_is_help=True)


def settings_of(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    checkpoint: Annotated[
        str | None,
        typer.Option(
            "--checkpoint",
            help=(
                "A checkpoint file you kept (JSON lines or one signed note), or a root hash"
                " you noted (HEX, or SIZE:HEX); else the server's checkpoint file."
            ),
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="Verifier key file (else audit.public_key)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Check the access log against signed checkpoints kept outside it; exit 1 naming what
    disagrees (a changed, deleted, inserted or reordered entry, a cut-off tail, a rollback)."""
    settings = with_db(ctx.obj, db)
    try:
        heads, source = _expected_heads(settings, checkpoint, public_key)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        report = verify_log(connection, heads)
    engine.dispose()
    if not report.intact:
        for problem in report.problems:
            typer.echo(f"access log: {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"access log intact: {report.entries} entries, tree size {report.size}, root"
        f" {report.root.hex()}; {report.heads_checked} checkpoint(s) from {source} agree"
    )
    if report.cut:
        typer.echo(f"leaves below {report.cut} were removed by recorded retention cuts")
    if not heads:
        typer.echo(
            "warning: no checkpoint to hold the log to, so a rewritten or cut-off log would"
            " pass: set audit.signing_key on the server, or give --checkpoint",
            err=True,
        )


@audit_app.command("keygen")
def audit_keygen(
    ctx: typer.Context,
    key: Annotated[
        Path | None, typer.Option("--key", help="Where to write it (else audit.signing_key).")
    ] = None,
) -> None:
    """Create the Ed25519 key that signs the access log's checkpoints (never overwrites one).

    Keep it outside the data directory, readable by the server's account only; give the
    printed verifier key to auditors and witnesses.
    """
    settings = settings_of(ctx)
    path = key or settings.audit.signing_key
    if path is None:
        typer.echo("error: give --key PATH or set audit.signing_key", err=True)
        raise typer.Exit(2)
    if path.resolve().is_relative_to(settings.data_dir.resolve()):
        typer.echo(f"error: {path}: inside data_dir {settings.data_dir}; keep the key apart",
                   err=True)  # fmt: skip
        raise typer.Exit(2)
    if path.exists():
        typer.echo(f"error: {path}: already exists; a new key would orphan its checkpoints",
                   err=True)  # fmt: skip
        raise typer.Exit(1)
    signing = generate_key(path, settings.audit.origin)
    typer.echo(f"signing key written to {path} (owner-only), verifier key to {path}.pub:")
    typer.echo(signing.verifier.text())


@audit_app.command("checkpoint")
def audit_checkpoint(ctx: typer.Context, db: DbOption = None) -> None:
    """Sign a checkpoint of the access log now, if it grew since the last one.

    The server does this every minute and when it stops; this is for a log written to from the
    console while no server runs.
    """
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    upgrade(engine)
    try:
        published = publish_checkpoint(engine, settings.audit)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if published is None:
        typer.echo("access log unchanged since its last checkpoint: nothing to sign")
        return
    typer.echo(f"signed {published.checkpoint.describe()}")


def _expected_heads(
    settings: Settings, checkpoint: str | None, public_key: Path | None
) -> tuple[list[ExpectedHead], str]:
    if checkpoint is not None and not Path(checkpoint).is_file():
        return [noted_root(checkpoint)], "the command line"
    path = Path(checkpoint) if checkpoint is not None else settings.audit.checkpoint_path()
    if path is None or not path.is_file():
        if path is not None:
            typer.echo(f"warning: {path}: no checkpoint file yet", err=True)
        return [], "nowhere"
    return file_heads(path, public_key or settings.audit.public_key_path()), str(path)


AuditArgument = Annotated[int, typer.Argument(help="The audit's number.")]


@audit_app.command("sample")
def audit_sample(
    ctx: typer.Context,
    period: Annotated[str, typer.Option(help="Half-year to audit: 2026H1 (Jan-Jun) or 2026H2.")],
    size: Annotated[int, typer.Option(help="How many inquiries to sample.")],
    seed: Annotated[
        int | None, typer.Option(help="Seed of the draw; omitted, one is derived and printed.")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Draw a reproducible random sample of a half-year's inquiries as a new audit (policy H)."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    upgrade(engine)
    try:
        chosen = parse_period(period)
        actor = _actor(engine, token)
        with engine.begin() as connection:
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
    notes: Annotated[
        str | None, typer.Option(help="What was found; required unless compliant.")
    ] = None,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Record your verdict on one sampled inquiry."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    try:
        judged = parse_verdict(verdict)
        actor = _actor(engine, token)
        with engine.begin() as connection:
            item = review_item(
                connection, audit_id=audit_id, entry_id=entry_id, verdict=judged, notes=notes,
                actor=actor,
            )  # fmt: skip
    except PlatewardError as exc:
        _fail(exc)
    typer.echo(f"audit {audit_id}: entry {entry_id} ({item.username}) {judged.value}")


@audit_app.command("close")
def audit_close(
    ctx: typer.Context,
    audit_id: AuditArgument,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Close an audit once every sampled inquiry has a verdict."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    try:
        actor = _actor(engine, token)
        with engine.begin() as connection:
            summary = close_audit(connection, audit_id=audit_id, actor=actor)
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
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Write an audit's report: findings per user and every sampled inquiry."""
    engine = open_database(with_db(ctx.obj, db).database_url())
    try:
        actor = _actor(engine, token)
        with engine.begin() as connection:
            detail = audit_detail(connection, audit_id)
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


def _actor(engine: Engine, token: str | None) -> Actor:
    """The auditor at the console, as a named account with the review_audit role."""
    return actor_for(console_user(engine, token, Action.REVIEW_AUDIT), CONSOLE_ADDRESS)


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
