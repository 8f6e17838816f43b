"""The ``plateward`` command: the root Typer app; each part of the system adds its commands.

Errors that Plateward raises on purpose are printed as ``error: <input>: <message>`` on stderr
with exit status 1; a traceback means a bug.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plateward.errors import PlatewardError
from plateward.settings import Settings, load_settings

app = typer.Typer(
    name="plateward",
    help="Plateward: automated licence plate recognition with accountability built in.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="TOML configuration file (else PLATEWARD_CONFIG, else ./plateward.toml)."
    ),
]


def settings_from(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@app.callback()
def main(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Load the settings once for whichever command runs."""
    try:
        ctx.obj = load_settings(config)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _add_parts() -> None:
    """Each part of the system brings its own commands, registered here in one place."""
    from plateward.access.cli import token_app, user_app
    from plateward.access.training_cli import training_app
    from plateward.agency.cli import agency_app
    from plateward.alert.cli import alert_app
    from plateward.audit.cli import audit_app
    from plateward.audit.history_cli import audit_history, audit_import_history
    from plateward.evidence.cli import evidence_app
    from plateward.governance.breaches.cli import breach_app
    from plateward.governance.equipment.cli import equipment_app, maintenance_app
    from plateward.governance.health.cli import health_app
    from plateward.governance.records.cli import records_app
    from plateward.hotlist.cli import hotlist_app
    from plateward.ingest.edge_cli import edge
    from plateward.ingest.transfer_cli import transfer_app
    from plateward.retention.cli import hold_app, retention_app
    from plateward.search.cli import search_app
    from plateward.sharing.cli import sharing_app
    from plateward.store.camera_sources_cli import camera_heartbeats, camera_timezone, source_app
    from plateward.store.cli import camera_app, db_app
    from plateward.training.cli import reader_app
    from plateward.web.cli import serve

    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(camera_app, name="camera")
    camera_app.add_typer(source_app, name="source")
    camera_app.command("timezone")(camera_timezone)
    camera_app.command("heartbeats")(camera_heartbeats)
    app.command("edge")(edge)
    app.add_typer(transfer_app)  # plateward import ..., plateward export ...
    app.add_typer(search_app, name="search")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(training_app, name="training")
    app.add_typer(audit_app, name="audit")
    app.add_typer(hotlist_app, name="hotlist")
    app.add_typer(alert_app, name="alert")
    app.add_typer(reader_app, name="reader")
    app.add_typer(records_app, name="records")
    app.add_typer(breach_app, name="breach")
    app.add_typer(equipment_app, name="equipment")
    app.add_typer(maintenance_app, name="maintenance")
    app.add_typer(health_app, name="health")
    audit_app.command("import-history")(audit_import_history)
    audit_app.command("history")(audit_history)
    app.add_typer(agency_app, name="agency")
    app.add_typer(sharing_app, name="sharing")
    app.add_typer(retention_app, name="retention")
    app.add_typer(hold_app, name="hold")
    app.add_typer(evidence_app, name="evidence")


_add_parts()


@app.command("read")
def read(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Images, folders, videos or stream URLs.")],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per read.")] = False,
) -> None:
    """Read the plates in images, folders, video files and live streams."""
    from plateward.recognition.cli import read_command

    raise typer.Exit(read_command(paths, json_output, settings_from(ctx)))


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    labels: Annotated[Path, typer.Argument(help="Labeled CSV (openalpr-dev or crop format).")],
    json_output: Annotated[
        bool, typer.Option("--json", help="End with one JSON summary line.")
    ] = False,
    misses: Annotated[
        Path | None, typer.Option("--misses", help="Write every miss to this CSV.")
    ] = None,
) -> None:
    """Score the engine on a labeled set: detection recall, exact match, CER, latency."""
    from plateward.recognition.cli import eval_command

    raise typer.Exit(eval_command(labels, json_output, misses, settings_from(ctx)))


@app.command("demo")
def demo(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Post each sample once, then stop the server.")
    ] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between the demo camera's images.")
    ] = 5.0,
    port: Annotated[int | None, typer.Option(help="TCP port for the server.")] = None,
) -> None:
    """Start the server on SQLite with a demo camera feeding it reads of sample images."""
    from plateward.demo import run_demo

    settings = settings_from(ctx)
    if port:
        settings = settings.model_copy(
            update={"server": settings.server.model_copy(update={"port": port})}
        )
    try:
        status = run_demo(settings, once=once, interval_s=interval)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(status)
