"""The map searches: grid (a radius or a polygon), stakeout, a plate's timeline, cloned plates.

Each form works without a script: points, radii and windows are typed. With scripts, the map
(``static/plateward-map.js`` on Leaflet) fills the same fields by clicking, and the results show
the reads on the map beside their table. Every search is the API's: the same function, the same
action and query in the access log, the same role and training checks (``analyse`` for grid,
stakeout and cloned plates, ``search`` for a timeline).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.errors import InvalidInput
from plateward.search.cloned import DEFAULT_MAX_SPEED_KMH, search_cloned
from plateward.search.filters import Filters
from plateward.search.grid import search_polygon, search_radius
from plateward.search.plates import plate_text, plate_timeline
from plateward.search.results import Area, ClonePair, CommonPlate
from plateward.search.stakeout import search_stakeout
from plateward.web.clock import parse_local
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.inquiry_pages import Purpose, keep_inquiry
from plateward.web.page_access import page_for
from plateward.web.result_entries import Entry
from plateward.web.result_sets import entries_of
from plateward.web.results_pages import camera_sites
from plateward.web.search_page import LIMIT, narrowing
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Analyst = Annotated[Session, Depends(page_for(Action.ANALYSE))]
Searcher = Annotated[Session, Depends(page_for(Action.SEARCH))]
STAKEOUT_AREAS = 4
"""Area rows the stakeout form offers; blank rows are ignored."""


@router.get("/map/grid")
def grid_form(request: Request, session: Analyst) -> Response:
    return _form(request, session, "grid.html", {"shape": "circle", "radius_m": "200"})


@router.post("/map/grid")
async def grid(request: Request, session: Analyst) -> Response:
    form = await _fields(request, session)
    zone = app_state(request).settings.web.time_zone

    def run() -> str:
        why = _purpose(form).justification(request, session)
        filters = Filters(start=parse_local(form.get("start", ""), zone, "from"),
                          end=parse_local(form.get("end", ""), zone, "until"), limit=LIMIT)  # fmt: skip
        if form.get("shape") == "polygon":
            vertices = parse_vertices(form.get("vertices", ""))
            window = narrowing(filters)
            return keep_inquiry(
                request, session, action="search.polygon", justification=why,
                query={"vertices": [list(v) for v in vertices], **window},
                title=f"Grid: polygon of {len(vertices)} corners", entries=entries_of,
                search=lambda c, j: search_polygon(c, vertices, justification=j, filters=filters),
                extra=lambda _: {"shape": {"polygon": [list(v) for v in vertices]}},
            )  # fmt: skip
        lat, lon = _number(form, "latitude"), _number(form, "longitude")
        radius = _number(form, "radius_m")
        return keep_inquiry(
            request, session, action="search.grid", justification=why,
            query={"latitude": lat, "longitude": lon, "radius_m": radius, **narrowing(filters)},
            title=f"Grid: {radius:g} m around {lat:.5f}, {lon:.5f}", entries=entries_of,
            search=lambda c, j: search_radius(c, lat, lon, radius, justification=j,
                                              filters=filters),
            extra=lambda _: {"shape": {"circles": [[lat, lon, radius]]}},
        )  # fmt: skip

    return _run_or_show(request, session, "grid.html", form, run)


@router.get("/map/stakeout")
def stakeout_form(request: Request, session: Analyst) -> Response:
    return _form(request, session, "stakeout.html", {"min_areas": "2"})


@router.post("/map/stakeout")
async def stakeout(request: Request, session: Analyst) -> Response:
    form = await _fields(request, session)
    zone = app_state(request).settings.web.time_zone

    def run() -> str:
        why = _purpose(form).justification(request, session)
        areas = []
        for i in range(1, STAKEOUT_AREAS + 1):
            if not any(form.get(f"{k}{i}", "").strip() for k in ("latitude", "longitude")):
                continue
            start = parse_local(form.get(f"start{i}", ""), zone, f"area {i} from")
            end = parse_local(form.get(f"end{i}", ""), zone, f"area {i} until")
            if start is None or end is None:
                raise InvalidInput(f"area {i}: give its time window (from and until)")
            areas.append(Area(
                _number(form, f"latitude{i}"), _number(form, f"longitude{i}"),
                _number(form, f"radius_m{i}"), start, end, form.get(f"label{i}", "").strip(),
            ))  # fmt: skip
        min_areas = int(_number(form, "min_areas"))
        query = {
            "areas": [
                {"latitude": a.latitude, "longitude": a.longitude, "radius_m": a.radius_m,
                 "start": a.start.isoformat(), "end": a.end.isoformat(), "label": a.label}
                for a in areas
            ],
            "min_areas": min_areas,
        }  # fmt: skip

        def entries(found: list[CommonPlate]) -> list[Entry]:
            return [e for common in found for e in entries_of(common.reads)]

        def extra(found: list[CommonPlate]) -> dict[str, Any]:
            return {
                "shape": {"circles": [[a.latitude, a.longitude, a.radius_m] for a in areas]},
                "groups": {str(r.id): c.plate for c in found for r in c.reads},
                "plates": [{"plate": c.plate, "areas": [i + 1 for i in c.areas],
                            "reads": len(c.reads)} for c in found],
            }  # fmt: skip

        return keep_inquiry(
            request, session, action="search.stakeout", query=query, justification=why,
            title=f"Stakeout: plates in {min_areas} of {len(areas)} areas", entries=entries,
            search=lambda c, j: search_stakeout(c, areas, justification=j, min_areas=min_areas,
                                                filters=Filters(limit=LIMIT)),
            extra=extra,
        )  # fmt: skip

    return _run_or_show(request, session, "stakeout.html", form, run)


@router.get("/timeline")
def timeline_form(request: Request, session: Searcher) -> Response:
    return _form(request, session, "timeline.html", {})


@router.post("/timeline")
async def timeline(request: Request, session: Searcher) -> Response:
    form = await _fields(request, session)
    zone = app_state(request).settings.web.time_zone

    def run() -> str:
        why = _purpose(form).justification(request, session)
        plate = form.get("plate", "").strip()
        wanted = plate_text(plate)
        filters = Filters(start=parse_local(form.get("start", ""), zone, "from"),
                          end=parse_local(form.get("end", ""), zone, "until"), limit=LIMIT)  # fmt: skip
        return keep_inquiry(
            request, session, action="search.timeline", justification=why,
            query={"plate": plate, **narrowing(filters)}, title=f"Timeline of {wanted}",
            entries=entries_of, extra=lambda _: {"shape": {"path": True}},
            search=lambda c, j: plate_timeline(c, plate, justification=j, filters=filters),
        )  # fmt: skip

    return _run_or_show(request, session, "timeline.html", form, run)


@router.get("/cloned")
def cloned_form(request: Request, session: Analyst) -> Response:
    return _form(request, session, "cloned.html", {"max_speed_kmh": f"{DEFAULT_MAX_SPEED_KMH:g}"})


@router.post("/cloned")
async def cloned(request: Request, session: Analyst) -> Response:
    form = await _fields(request, session)
    zone = app_state(request).settings.web.time_zone

    def run() -> str:
        why = _purpose(form).justification(request, session)
        plate = form.get("plate", "").strip() or None
        speed = _number(form, "max_speed_kmh")
        filters = Filters(start=parse_local(form.get("start", ""), zone, "from"),
                          end=parse_local(form.get("end", ""), zone, "until"), limit=LIMIT)  # fmt: skip

        def entries(found: list[ClonePair]) -> list[Entry]:
            return [e for pair in found for e in entries_of([pair.first, pair.second])]

        def extra(found: list[ClonePair]) -> dict[str, Any]:
            return {"pairs": [
                {"plate": p.plate, "first": str(p.first.id), "second": str(p.second.id),
                 "distance_m": p.distance_m, "elapsed_s": p.elapsed_s,
                 "speed_kmh": None if p.speed_kmh == float("inf") else p.speed_kmh}
                for p in found
            ]}  # fmt: skip

        return keep_inquiry(
            request, session, action="search.cloned", justification=why,
            query={"plate": plate, "max_speed_kmh": speed, **narrowing(filters)},
            title=f"Cloned-plate check{' of ' + plate_text(plate) if plate else ''}",
            entries=entries, extra=extra,
            search=lambda c, j: search_cloned(c, plate, justification=j, filters=filters,
                                              max_speed_kmh=speed),
        )  # fmt: skip

    return _run_or_show(request, session, "cloned.html", form, run)


def parse_vertices(text: str) -> list[tuple[float, float]]:
    """Corners typed one per line (or separated by ';') as ``latitude, longitude``."""
    vertices = []
    for number, line in enumerate(text.replace(";", "\n").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.replace(",", " ").split()
        try:
            lat, lon = (float(p) for p in parts)
        except ValueError:
            raise InvalidInput(
                f"corner {number} {line.strip()!r}: write it as latitude, longitude"
            ) from None
        vertices.append((lat, lon))
    if len(vertices) < 3:
        raise InvalidInput("polygon: give at least 3 corners, one 'latitude, longitude' a line")
    return vertices


async def _fields(request: Request, session: Session) -> dict[str, str]:
    check_csrf(session.csrf_token, await submitted_csrf(request))
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 5000}


def _purpose(form: dict[str, str]) -> Purpose:
    return Purpose(form.get("case_number", ""), form.get("offense", ""), form.get("reason", ""))


def _number(form: dict[str, str], name: str) -> float:
    text = form.get(name, "").strip()
    try:
        return float(text)
    except ValueError:
        label = name.rstrip("0123456789").replace("_", " ")
        raise InvalidInput(f"{label} {text!r}: give a number") from None


def _run_or_show(
    request: Request, session: Session, template: str, form: dict[str, str],
    run: Callable[[], str],
) -> Response:  # fmt: skip
    try:
        result_id = run()
    except InvalidInput as exc:
        return _form(request, session, template, form, exc.message, 400)
    return RedirectResponse(f"/results/{result_id}", status_code=303)


def _form(
    request: Request, session: Session, template: str, form: dict[str, str],
    error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    state = app_state(request)
    with state.db.connect() as connection:
        sites = camera_sites(connection)
    web = state.settings.web
    return render(
        request, template, status_code=status, signed_in=session, form=form, error=error,
        offense_types=state.settings.access.offense_types, areas=range(1, STAKEOUT_AREAS + 1),
        map_data={"kind": "form", "tiles": web.tile_url, "attribution": web.tile_attribution,
                  "sites": sites, "reads": [], "shape": None},
    )  # fmt: skip
