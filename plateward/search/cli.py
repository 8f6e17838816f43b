"""``plateward search``: the investigative searches from the command line.

Every command acts as a named account (``--token`` or ``PLATEWARD_TOKEN``, ``access/console.py``),
checked for role and training as the API checks it, and needs ``--case`` or ``--reason`` (or
both): it is refused with exit status 2 before the database is opened when neither is a real
one; so are malformed times and shapes.
Errors from the search itself exit with status 1, the way every Plateward command does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlalchemy import Connection

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.errors import InvalidInput, PlatewardError
from plateward.search.cloned import DEFAULT_MAX_SPEED_KMH, DEFAULT_MIN_DISTANCE_M, search_cloned
from plateward.search.filters import DEFAULT_LIMIT, Filters
from plateward.search.grid import search_polygon, search_radius
from plateward.search.inquiry import Inquiry, run_inquiry
from plateward.search.justification import Justification
from plateward.search.likeness import MAX_EDITS
from plateward.search.output import (
    common_json,
    hit_json,
    pair_json,
    print_common,
    print_hits,
    print_json_lines,
    print_pairs,
)
from plateward.search.plates import plate_timeline, search_partial, search_plate
from plateward.search.purpose import check_case_format
from plateward.search.results import Area, ReadHit
from plateward.search.stakeout import search_stakeout
from plateward.search.tolerant import search_tolerant
from plateward.settings import Settings
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

T = TypeVar("T")

search_app = typer.Typer(
    help="Search stored reads. Every search needs --case and/or --reason.", no_args_is_help=True
)

CaseOption = Annotated[
    str | None, typer.Option("--case", help="Case or incident number this search is for.")
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why this search is needed, in a sentence.")
]
StartOption = Annotated[
    str | None,
    typer.Option("--start", help="From this time (inclusive), ISO 8601 with offset or Z."),
]
EndOption = Annotated[
    str | None, typer.Option("--end", help="Up to this time (exclusive), ISO 8601 with offset.")
]
CameraOption = Annotated[
    list[str] | None, typer.Option("--camera", help="Only this camera code (repeatable).")
]
RegionOption = Annotated[
    str | None, typer.Option("--region", help="Only plates of this region, e.g. us-ca.")
]
MinConfidenceOption = Annotated[
    float | None,
    typer.Option("--min-confidence", min=0.0, max=1.0, help="Only reads at least this sure."),
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="At most this many results.")]
VehicleOption = Annotated[
    list[str] | None,
    typer.Option(
        "--vehicle",
        help="Only vehicles with this attribute, KEY=VALUE (repeatable): make, model, color,"
        " body_type, direction (approaching, receding, n ... nw).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
PlateArgument = Annotated[str, typer.Argument(help="The plate, e.g. 7ABC123.")]


@search_app.command("plate")
def plate_command(
    ctx: typer.Context,
    plate: PlateArgument,
    case: CaseOption = None,
    reason: ReasonOption = None,
    start: StartOption = None,
    end: EndOption = None,
    camera: CameraOption = None,
    region: RegionOption = None,
    min_confidence: MinConfidenceOption = None,
    vehicle: VehicleOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    json_output: JsonOption = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Reads of exactly this plate, newest first."""
    why = _justify(case, reason)
    filters = _filters(start, end, camera, region, min_confidence, limit, vehicle)
    hits = _search(
        ctx,
        db,
        token,
        Action.SEARCH,
        lambda c: search_plate(c, plate, justification=why, filters=filters),
    )
    _print_hits(hits, f"plate {plate}", json_output)


@search_app.command("partial")
def partial_command(
    ctx: typer.Context,
    pattern: Annotated[str, typer.Argument(help="? = one character, * = any run: '7B3*'.")],
    case: CaseOption = None,
    reason: ReasonOption = None,
    start: StartOption = None,
    end: EndOption = None,
    camera: CameraOption = None,
    region: RegionOption = None,
    min_confidence: MinConfidenceOption = None,
    vehicle: VehicleOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    json_output: JsonOption = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Reads whose plate matches a partial pattern, newest first."""
    why = _justify(case, reason)
    filters = _filters(start, end, camera, region, min_confidence, limit, vehicle)
    hits = _search(
        ctx,
        db,
        token,
        Action.SEARCH,
        lambda c: search_partial(c, pattern, justification=why, filters=filters),
    )
    _print_hits(hits, f"pattern {pattern}", json_output)


@search_app.command("tolerant")
def tolerant_command(
    ctx: typer.Context,
    plate: PlateArgument,
    max_edits: Annotated[
        int, typer.Option("--max-edits", min=0, max=MAX_EDITS, help="Other edits allowed.")
    ] = MAX_EDITS,
    case: CaseOption = None,
    reason: ReasonOption = None,
    start: StartOption = None,
    end: EndOption = None,
    camera: CameraOption = None,
    region: RegionOption = None,
    min_confidence: MinConfidenceOption = None,
    vehicle: VehicleOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    json_output: JsonOption = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Reads of plates like this one (look-alike characters, small edits), most alike first."""
    why = _justify(case, reason)
    filters = _filters(start, end, camera, region, min_confidence, limit, vehicle)
    hits = _search(
        ctx,
        db,
        token,
        Action.SEARCH,
        lambda c: search_tolerant(
            c, plate, justification=why, filters=filters, max_edits=max_edits
        ),
    )
    _print_hits(hits, f"plates like {plate}", json_output)


@search_app.command("grid")
def grid_command(
    ctx: typer.Context,
    lat: Annotated[float | None, typer.Option("--lat", help="Centre latitude.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Centre longitude.")] = None,
    radius_m: Annotated[
        float | None, typer.Option("--radius-m", help="Radius in metres around the centre.")
    ] = None,
    polygon: Annotated[
        str | None,
        typer.Option("--polygon", help="Instead of a circle: 'LAT,LON;LAT,LON;LAT,LON;...'."),
    ] = None,
    case: CaseOption = None,
    reason: ReasonOption = None,
    start: StartOption = None,
    end: EndOption = None,
    camera: CameraOption = None,
    region: RegionOption = None,
    min_confidence: MinConfidenceOption = None,
    vehicle: VehicleOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    json_output: JsonOption = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Reads near a point or inside a polygon, within --start/--end, oldest first."""
    why = _justify(case, reason)
    filters = _filters(start, end, camera, region, min_confidence, limit, vehicle)
    circle = (lat, lon, radius_m)
    if polygon is not None and any(v is not None for v in circle):
        _refuse("grid: give either --lat/--lon/--radius-m or --polygon, not both")
    if polygon is not None:
        vertices = _polygon(polygon)
        hits = _search(
            ctx,
            db,
            token,
            Action.ANALYSE,
            lambda c: search_polygon(c, vertices, justification=why, filters=filters),
        )
        _print_hits(hits, "inside polygon", json_output)
        return
    if lat is None or lon is None or radius_m is None:
        _refuse("grid: give --lat, --lon and --radius-m, or --polygon")
    la, lo, r = lat, lon, radius_m
    hits = _search(
        ctx,
        db,
        token,
        Action.ANALYSE,
        lambda c: search_radius(c, la, lo, r, justification=why, filters=filters),
    )
    _print_hits(hits, f"within {r:g} m of {la}, {lo}", json_output)


@search_app.command("stakeout")
def stakeout_command(
    ctx: typer.Context,
    area: Annotated[
        list[str],
        typer.Option(
            "--area", help="'LAT,LON,RADIUS_M,START,END' (repeat for each scene, 2 or more)."
        ),
    ],
    min_areas: Annotated[
        int, typer.Option("--min-areas", min=2, help="Seen in at least this many areas.")
    ] = 2,
    case: CaseOption = None,
    reason: ReasonOption = None,
    camera: CameraOption = None,
    region: RegionOption = None,
    min_confidence: MinConfidenceOption = None,
    vehicle: VehicleOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    json_output: JsonOption = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Plates seen in several areas, each area in its own time window."""
    why = _justify(case, reason)
    filters = _filters(None, None, camera, region, min_confidence, limit, vehicle)
    areas = [_area(text, i) for i, text in enumerate(area, 1)]
    found = _search(
        ctx,
        db,
        token,
        Action.ANALYSE,
        lambda c: search_stakeout(
            c, areas, justification=why, filters=filters, min_areas=min_areas
        ),
    )
    if json_output:
        print_json_lines([common_json(f) for f in found])
    else:
        print_common(found, f"plates seen in {min_areas}+ of {len(areas)} areas")


@search_app.command("timeline")
def timeline_command(
    ctx: typer.Context,
    plate: PlateArgument,
    case: CaseOption = None,
    reason: ReasonOption = None,
    start: StartOption = None,
    end: EndOption = None,
    camera: CameraOption = None,
    region: RegionOption = None,
    min_confidence: MinConfidenceOption = None,
    vehicle: VehicleOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    json_output: JsonOption = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Every read of a plate in the order it was seen."""
    why = _justify(case, reason)
    filters = _filters(start, end, camera, region, min_confidence, limit, vehicle)
    hits = _search(
        ctx,
        db,
        token,
        Action.SEARCH,
        lambda c: plate_timeline(c, plate, justification=why, filters=filters),
    )
    _print_hits(hits, f"timeline of {plate}", json_output)


@search_app.command("cloned")
def cloned_command(
    ctx: typer.Context,
    plate: Annotated[
        str | None, typer.Argument(help="One plate; without it, every plate in --start/--end.")
    ] = None,
    max_speed_kmh: Annotated[
        float, typer.Option("--max-speed-kmh", min=1.0, help="Faster than this is impossible.")
    ] = DEFAULT_MAX_SPEED_KMH,
    min_distance_m: Annotated[
        float, typer.Option("--min-distance-m", min=0.0, help="Reads closer are never flagged.")
    ] = DEFAULT_MIN_DISTANCE_M,
    case: CaseOption = None,
    reason: ReasonOption = None,
    start: StartOption = None,
    end: EndOption = None,
    camera: CameraOption = None,
    region: RegionOption = None,
    min_confidence: MinConfidenceOption = None,
    vehicle: VehicleOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    json_output: JsonOption = False,
    db: DbOption = None,
    token: TokenOption = None,
) -> None:
    """Consecutive reads of a plate too far apart, too quickly, for one vehicle."""
    why = _justify(case, reason)
    filters = _filters(start, end, camera, region, min_confidence, limit, vehicle)
    pairs = _search(
        ctx,
        db,
        token,
        Action.ANALYSE,
        lambda c: search_cloned(
            c,
            plate,
            justification=why,
            filters=filters,
            max_speed_kmh=max_speed_kmh,
            min_distance_m=min_distance_m,
        ),
    )
    if json_output:
        print_json_lines([pair_json(p) for p in pairs])
    else:
        print_pairs(pairs, f"possible cloned plates (over {max_speed_kmh:g} km/h)")


def _justify(case: str | None, reason: str | None) -> Justification:
    try:
        return Justification(case, reason)
    except InvalidInput as exc:
        _refuse(exc.message)


def _filters(
    start: str | None,
    end: str | None,
    camera: list[str] | None,
    region: str | None,
    min_confidence: float | None,
    limit: int,
    vehicle: list[str] | None = None,
) -> Filters:
    try:
        return Filters(
            start=_moment("--start", start),
            end=_moment("--end", end),
            cameras=tuple(camera or ()),
            region=region,
            min_confidence=min_confidence,
            limit=limit,
            **_vehicle(vehicle or []),
        )
    except InvalidInput as exc:
        _refuse(exc.message)


VEHICLE_KEYS = ("make", "model", "color", "body_type", "direction")


def _vehicle(pairs: list[str]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        key = key.strip().lower().replace("-", "_").replace("colour", "color")
        if key not in VEHICLE_KEYS or not value.strip():
            _refuse(
                f"--vehicle {pair!r}: expected KEY=VALUE with KEY one of {', '.join(VEHICLE_KEYS)}"
            )
        wanted[key] = value.strip()
    return wanted


def _moment(option: str, text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        _refuse(f"{option} {text!r}: not an ISO 8601 time, e.g. 2026-05-01T08:00:00-07:00")
    if moment.tzinfo is None:
        _refuse(f"{option} {text!r}: give a UTC offset or Z, e.g. 2026-05-01T08:00:00-07:00")
    return moment


def _polygon(text: str) -> list[tuple[float, float]]:
    vertices: list[tuple[float, float]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        try:
            lat, lon = (float(v) for v in part.split(","))
        except ValueError:
            _refuse(f"--polygon: {part.strip()!r} is not 'LAT,LON'")
        vertices.append((lat, lon))
    return vertices


def _area(text: str, number: int) -> Area:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 5:
        _refuse(f"--area {number} {text!r}: expected 'LAT,LON,RADIUS_M,START,END'")
    try:
        lat, lon, radius = float(parts[0]), float(parts[1]), float(parts[2])
    except ValueError:
        _refuse(f"--area {number} {text!r}: latitude, longitude and radius must be numbers")
    start = _moment(f"--area {number} start", parts[3])
    end = _moment(f"--area {number} end", parts[4])
    assert start is not None and end is not None
    return Area(lat, lon, radius, start, end, label=str(number))


def _search(
    ctx: typer.Context, db: str | None, token: str | None, action: Action,
    run: Callable[[Connection], T],
) -> T:  # fmt: skip
    """Run a search as the named account at this console, logged in the same transaction.

    The account is checked as the API checks it (role, training); the entry names it, with
    the command's options as the query and "cli" as the address.
    """
    settings = ctx.obj
    assert isinstance(settings, Settings)
    url = with_db(settings, db).database_url()
    params = ctx.params
    try:
        engine = open_database(url)
        try:
            upgrade(engine)
            user = console_user(engine, token, action)
            check_case_format(params.get("case"), settings.access.case_pattern_for(user.agency))
            inquiry = Inquiry(
                user=user,
                action=f"search.{ctx.info_name}",
                query={
                    k: v
                    for k, v in params.items()
                    if k not in ("db", "json_output", "case", "reason", "token")
                    and v not in (None, [], ())
                },
                justification=_justify(params.get("case"), params.get("reason")),
                client_address=CONSOLE_ADDRESS,
            )
            return run_inquiry(engine, inquiry, lambda c, _why: run(c), _count)
        finally:
            engine.dispose()
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


def _count(found: object) -> int:
    return len(found) if isinstance(found, list | tuple) else 1


def _print_hits(hits: list[ReadHit], title: str, json_output: bool) -> None:
    if json_output:
        print_json_lines([hit_json(h) for h in hits])
    else:
        print_hits(hits, title)


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
