"""``plateward import`` and ``plateward export``: reads in from other systems, reads out as files.

Both act as a named account (``--token`` or ``PLATEWARD_TOKEN``): an import needs
``import_reads``, an export ``export`` and current training, as on the API. An export hands
ALPR data to someone outside the database, so like a search it needs a purpose: ``--case``
and/or ``--reason``, validated by the same ``Justification`` the searches use; without one it
is refused, exit status 2. Both are logged in the access log in their own transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TextIO

import typer
from sqlalchemy import Connection

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.audit.actor import actor_for
from plateward.audit.log import append_change
from plateward.errors import InvalidInput, PlatewardError
from plateward.hotlist.current import CurrentLists
from plateward.ingest.formats.records import BadRecord
from plateward.ingest.imports import FORMATS, ImportOptions, ImportReport, import_reads
from plateward.search.inquiry import Inquiry, run_inquiry
from plateward.search.justification import Justification
from plateward.search.purpose import check_case_format
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.export import ExportFilter, write_csv, write_geojson
from plateward.store.images import ImageStore
from plateward.store.migrate import upgrade
from plateward.web.collector import settle_collector

transfer_app = typer.Typer(no_args_is_help=True)
import_app = typer.Typer(
    help="Import reads from other ALPR systems (OpenALPR/Rekor, Plate Recognizer, Genetec,"
    " Flock, Verkada) or from a Plateward CSV.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export reads as CSV or GeoJSON (needs --case or --reason).", no_args_is_help=True
)
transfer_app.add_typer(import_app, name="import")
transfer_app.add_typer(export_app, name="export")

CameraOption = Annotated[
    str | None,
    typer.Option(
        "--camera", help="Code of the camera the reads go to (a file of one camera's reads)."
    ),
]
CameraMapOption = Annotated[
    Path | None,
    typer.Option(
        "--camera-map",
        exists=True,
        dir_okay=False,
        help="CSV of 'source,camera' lines: the vendor's camera ids and the cameras they are.",
    ),
]
SkipBadOption = Annotated[
    bool,
    typer.Option(
        "--skip-bad", help="Report bad records and import the rest (else nothing is imported)."
    ),
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(
        "--timezone", help="Zone of times written without a UTC offset, e.g. America/Chicago."
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="Text encoding (else detected): utf-8, cp1252, utf-16..."),
]
GpsTrackOption = Annotated[
    Path | None,
    typer.Option(
        "--gps-track",
        exists=True,
        dir_okay=False,
        help="The vehicle's GPS track (GPX, or CSV of time,latitude,longitude) for reads"
        " without a position.",
    ),
]
VideoStartOption = Annotated[
    str | None,
    typer.Option("--video-start", help="When the video began (forensic CSV): ISO 8601 time."),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Processes that read the records (default: one per core for a file of JSON lines"
        " over 8 MB, else 1).",
    ),
]

IMPORTS = {
    "openalpr": (
        (
            "OpenALPR and Rekor Scout: alpr_group, alpr_alert, alpr_results (agent, CLI, web"
            " service, Cloud API, legacy alprd) as JSON lines, an array or one object."
        ),
        "JSON records: one object, JSON lines, or a JSON array.",
    ),
    "platerecognizer": (
        (
            "Plate Recognizer: Stream and Snapshot webhooks, Snapshot (cloud or SDK) answers,"
            " Stream JSON lines; one read per result."
        ),
        "JSON records: one object, JSON lines, or a JSON array.",
    ),
    "platerecognizer-csv": (
        "Plate Recognizer Stream's CSV output (its csv_file setting).",
        "Stream's CSV file.",
    ),
    "openalpr-forensic": (
        (
            "OpenALPR Forensic Plate Finder CSV (plate results or plate groups); needs"
            " --video-start."
        ),
        "The plate results or plate groups CSV of one video.",
    ),
    "genetec": (
        "Genetec AutoVu reads exported from Security Center's Reads report as CSV.",
        "The exported CSV (columns by their headings).",
    ),
    "flock": (
        "Flock Safety LPR alert webhooks and plate-lookup results.",
        "JSON records: one object, JSON lines, or a JSON array.",
    ),
    "verkada": ("Verkada license plate (lpr) webhooks.", "JSON records."),
    "csv": (
        "A CSV in the columns of plateward export csv (each row to the camera it names).",
        "CSV from `plateward export csv`.",
    ),
}


def _import_command(name: str, summary: str, file_help: str) -> None:
    def command(
        ctx: typer.Context,
        file: Path,
        camera: CameraOption = None,
        camera_map: CameraMapOption = None,
        timezone: TimezoneOption = None,
        encoding: EncodingOption = None,
        gps_track: GpsTrackOption = None,
        video_start: VideoStartOption = None,
        skip_bad: SkipBadOption = False,
        workers: WorkersOption = None,
        db: DbOption = None,
        token: TokenOption = None,
    ) -> None:
        options = ImportOptions(
            camera=camera,
            camera_map=camera_map,
            timezone=timezone,
            encoding=encoding,
            gps_track=gps_track,
            video_start=video_start,
            workers=workers,
        )
        _import(ctx, name, file, options, skip_bad, db, token)

    command.__doc__ = summary
    # The annotations are strings (``from __future__``) evaluated later in this module's
    # globals; the file argument's help differs per format, so it is set as an object.
    command.__annotations__["file"] = Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help=file_help)
    ]
    import_app.command(name)(command)


for _format, (_about, _argument_help) in IMPORTS.items():
    _import_command(_format, _about, _argument_help)


def _import(
    ctx: typer.Context,
    name: str,
    file: Path,
    options: ImportOptions,
    skip_bad: bool,
    db: str | None,
    token: str | None,
) -> None:
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    images = ImageStore(settings.data_dir / "images", settings.server.max_image_bytes)

    def skipped(exc: BadRecord) -> None:
        typer.echo(f"skipped: {exc.message}", err=True)

    try:
        upgrade(engine)
        user = console_user(engine, token, Action.IMPORT_READS)

        def record(connection: Connection, done: ImportReport) -> None:
            append_change(
                connection, actor_for(user, CONSOLE_ADDRESS), f"import.{name}",
                {"file": file.name, "camera": options.camera, "stored": done.stored,
                 "duplicates": done.duplicates, "skipped": done.skipped},
                reason="reads imported from another system", result_count=done.stored,
            )  # fmt: skip

        # Millions of records' short-lived objects: the server's collector settings apply
        # (web/collector.py; 17 against 25 us a record to read, parse and validate).
        settle_collector()
        report = import_reads(
            engine, FORMATS[name], file, options=options, images=images,
            skip_bad=skip_bad, on_skip=skipped, lists=CurrentLists(engine, settings.hotlist),
            on_done=record,
        )  # fmt: skip
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        typer.echo(f"{file}: nothing was imported", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(_summary(file, report))


def _summary(file: Path, report: ImportReport) -> str:
    parts = [f"{report.stored} read(s) stored", f"{report.duplicates} already stored"]
    if report.ignored:
        parts.append(f"{report.ignored} record(s) without reads (heartbeats, previews) ignored")
    if report.skipped:
        parts.append(f"{report.skipped} bad record(s) skipped")
    if report.images_stored:
        parts.append(f"{report.images_stored} image(s) stored")
    if report.images_dropped:
        parts.append(f"{report.images_dropped} image link(s) to images not held here dropped")
    if report.alerts:
        parts.append(f"{report.alerts} hot list alert(s) raised")
    cameras = ", ".join(f"{code} ({count})" for code, count in sorted(report.cameras.items()))
    target = f"camera(s) {cameras}" if cameras else "no camera"
    return f"{file} ({report.encoding}) -> {target}: " + ", ".join(parts)


StartOption = Annotated[
    str | None,
    typer.Option(help="Captured at or after: 2026-01-31, or 2026-01-31T08:00:00-08:00."),
]
EndOption = Annotated[str | None, typer.Option(help="Captured before (same forms as --start).")]
CamerasOption = Annotated[
    list[str] | None, typer.Option("--camera", help="Only this camera (repeat for more).")
]
OutputOption = Annotated[
    str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
]
CaseOption = Annotated[str | None, typer.Option("--case", help="Case number the export is for.")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why the export is needed.")]


@export_app.command("csv")
def export_csv(
    ctx: typer.Context,
    start: StartOption = None,
    end: EndOption = None,
    camera: CamerasOption = None,
    output: OutputOption = "-",
    case: CaseOption = None,
    reason: ReasonOption = None,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Reads as CSV, in the columns plateward import csv reads back."""
    _export(ctx, write_csv, start, end, camera, output, case, reason, db, token)


@export_app.command("geojson")
def export_geojson(
    ctx: typer.Context,
    start: StartOption = None,
    end: EndOption = None,
    camera: CamerasOption = None,
    output: OutputOption = "-",
    case: CaseOption = None,
    reason: ReasonOption = None,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Reads as a GeoJSON FeatureCollection of Points, for mapping tools."""
    _export(ctx, write_geojson, start, end, camera, output, case, reason, db, token)


Writer = Callable[[Connection, TextIO, ExportFilter], int]


def _export(
    ctx: typer.Context,
    writer: Writer,
    start: str | None,
    end: str | None,
    cameras: list[str] | None,
    output: str,
    case: str | None,
    reason: str | None,
    db: str | None,
    token: str | None,
) -> None:
    try:
        justification = Justification(case, reason)
        selection = ExportFilter(
            start=_moment(start, "--start"),
            end=_moment(end, "--end"),
            cameras=tuple(cameras or ()),
        )
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        user = console_user(engine, token, Action.EXPORT)
        check_case_format(justification.case_number, settings.access.case_pattern_for(user.agency))
    except PlatewardError as exc:
        engine.dispose()
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    # An export is an inquiry: logged, as the named account, in the export's transaction.
    inquiry = Inquiry(
        user=user,
        action=f"export.{ctx.info_name}",
        query={"start": start, "end": end, "cameras": list(cameras or ()), "output": output},
        justification=justification,
        client_address=CONSOLE_ADDRESS,
    )

    def export(connection: Connection, _why: Justification) -> int:
        if output == "-":
            return writer(connection, sys.stdout, selection)
        return _to_file(Path(output), lambda out: writer(connection, out, selection))

    try:
        count = run_inquiry(engine, inquiry, export, lambda n: n)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    purpose = ", ".join(
        p
        for p in (
            f"case {justification.case_number}" if justification.case_number else "",
            f"reason {justification.reason!r}" if justification.reason else "",
        )
        if p
    )
    typer.echo(f"exported {count} read(s) to {output} ({purpose})", err=True)


def _to_file(path: Path, write: Callable[[TextIO], int]) -> int:
    """Write beside the target and rename at the end, so a failed export leaves no half file."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            count = write(out)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _moment(text: str | None, option: str) -> dt.datetime | None:
    """A date (midnight UTC) or a time with its offset: a bare local time is ambiguous."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option} {value!r}: not an ISO 8601 date or time") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{option} {value!r}: add a UTC offset, e.g. Z or -08:00")
    return moment
