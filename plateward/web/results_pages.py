"""A search's results: pages of them, the plate-crop thumbnails, a read opened with its images,
and the CSV or GeoJSON export, all from the session's result set (``result_sets.py``).

What each route checks and logs mirrors the API:
- a results page shows what the logged search returned, to the session that ran it;
- thumbnails are the plate crops of those reads, shown only to roles that may ``view_image``
  with current training; they are part of the search result the log entry counts;
- opening a read logs ``read.view``, and each full-size image ``image.view``, under the
  search's justification, exactly as ``GET /api/v1/reads/{id}`` and ``/images/{sha}`` do;
- an export needs ``export`` (and training), logs ``export.csv`` or ``export.geojson`` with the
  search's justification, and streams UTC times like ``plateward export``.
"""

from __future__ import annotations

import io
import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, select

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session
from plateward.errors import NotFound
from plateward.search.inquiry import Inquiry, run_inquiry
from plateward.search.justification import Justification
from plateward.search.plates import plate_text
from plateward.search.scope import scoped
from plateward.sharing.visibility import scope_for
from plateward.store.export import ExportFilter, write_csv, write_geojson
from plateward.store.images import media_type_of
from plateward.store.schema import cameras
from plateward.web.clock import local
from plateward.web.guards import Refused, check_csrf, refuse_unless_allowed, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.plate_marks import marked_plate
from plateward.web.result_sets import (
    ReadRow,
    ResultSet,
    load_result,
    map_points,
    read_rows,
)
from plateward.web.state import app_state
from plateward.web.templating import page_headers, render

router = APIRouter(include_in_schema=False)

Searcher = Annotated[Session, Depends(page_for(Action.SEARCH))]
Viewer = Annotated[Session, Depends(page_for(Action.VIEW_IMAGE))]
Exporter = Annotated[Session, Depends(page_for(Action.EXPORT))]

MAP_KINDS = {"search.grid", "search.polygon", "search.timeline", "search.stakeout"}
MAX_MAP_POINTS = 5000
POINTS_PER_REQUEST = 250
MAX_POINTS_PER_REQUEST = 1000


def result_for(request: Request, session: Session, result_id: str) -> ResultSet:
    with app_state(request).db.connect() as connection:
        try:
            return load_result(connection, result_id, session)
        except NotFound as exc:
            raise Refused(404, exc.message) from None


def may_see_images(session: Session) -> bool:
    """Whether thumbnails and images are shown, on pages that already passed a data check.

    Every page calling this required ``search`` through ``page_for``, training included, and
    the training a role needs is the same for every data action (``roles.NEEDS_TRAINING``),
    so only the role is left to check.
    """
    return allowed(session.user.role, Action.VIEW_IMAGE)


@router.get("/results/{result_id}")
def results(request: Request, session: Searcher, result_id: str, page: int = 1) -> Response:
    result = result_for(request, session, result_id)
    if result.kind in MAP_KINDS or result.kind == "search.cloned":
        refuse_unless_allowed(request, session, _action_of(result.kind))
    state = app_state(request)
    per_page = state.settings.web.page_rows
    pages = max(1, math.ceil(len(result.entries) / per_page))
    page = min(max(page, 1), pages)
    shown = result.entries[(page - 1) * per_page : page * per_page]
    with state.db.connect() as connection, scoped(scope_for(connection, session.user, result.kind)):
        # Paging shows the reads the logged search found, while they are still this person's
        # to see (an agreement may have ended since): the search's own scope, applied again.
        rows = read_rows(connection, shown)
        sites = camera_sites(connection) if result.kind in MAP_KINDS else []
    context: dict[str, Any] = {
        "result": result, "rows": rows, "page": page, "pages": pages, "per_page": per_page,
        "images": may_see_images(session),
        "may_export": allowed(session.user.role, Action.EXPORT), "marked": _marker(result),
    }  # fmt: skip
    if result.kind in MAP_KINDS:
        context["map_data"] = map_data(request, result, sites)
        return render(request, "map_results.html", signed_in=session, **context)
    if result.kind == "search.cloned":
        return render(request, "cloned_results.html", signed_in=session, **context)
    return render(request, "results.html", signed_in=session, **context)


@router.get("/results/{result_id}/map-points")
def map_reads(
    request: Request, session: Searcher, result_id: str,
    start: Annotated[int, Query(ge=0)] = 0,
    count: Annotated[int, Query(ge=1, le=MAX_POINTS_PER_REQUEST)] = POINTS_PER_REQUEST,
) -> Response:  # fmt: skip
    """The reads a map result draws, fetched by its map after the page has painted, a few
    hundred at a time, each answer naming the next.

    A plate seen thousands of times has thousands of points, each a read fetched by its
    primary key from wherever its month put it: half of the results page's time when they
    were part of it, and asked for again on every page of the table. In slices, the first
    points show at once and no request waits on a thousand scattered pages. Same checks and
    scope as the page; the search's log entry already counts these reads.
    """
    result = result_for(request, session, result_id)
    if result.kind not in MAP_KINDS:
        raise Refused(404, f"results {result_id}: not a map search")
    refuse_unless_allowed(request, session, _action_of(result.kind))
    state = app_state(request)
    mapped = _mapped(result)
    end = min(start + count, mapped)
    with state.db.connect() as connection, scoped(scope_for(connection, session.user, result.kind)):
        points = map_points(connection, result.entries[start:end])
    zone = state.settings.web.time_zone
    groups = result.extra.get("groups", {})
    drawn = [
        {
            "id": str(p.id), "plate": p.plate, "lat": p.latitude, "lon": p.longitude,
            "at": local(p.captured_at, zone).strftime("%Y-%m-%d %H:%M"), "camera": p.camera,
            "group": groups.get(str(p.id)),
        }
        for p in points
    ]  # fmt: skip
    following = None
    if end < mapped:
        following = f"/results/{result.id}/map-points?start={end}&count={count}"
    headers = {**page_headers(state.settings), "Cache-Control": "private, no-store"}
    return JSONResponse({"reads": drawn, "next": following}, headers=headers)


@router.get("/results/{result_id}/crops/{read_id}")
def crop(request: Request, session: Viewer, result_id: str, read_id: uuid.UUID) -> Response:
    """A result's plate crop, shown as a thumbnail (covered by the search's log entry)."""
    result = result_for(request, session, result_id)
    row = _read_in(request, session, result, read_id)
    if row.plate_image is None:
        raise Refused(404, f"read {read_id}: no plate image")
    return _image(request, row.plate_image)


@router.get("/results/{result_id}/reads/{read_id}")
def read_page(request: Request, session: Searcher, result_id: str, read_id: uuid.UUID) -> Response:
    """One read, whole, logged as ``read.view`` with the search's justification."""
    result = result_for(request, session, result_id)
    position = result.position(read_id)
    if position is None:
        raise Refused(404, f"read {read_id}: not among these results")
    inquiry = _inquiry(request, session, result, "read.view", {"read": str(read_id)})

    def fetch(connection: Connection, _why: Justification) -> list[ReadRow]:
        return read_rows(connection, [result.entries[position]])

    found = run_inquiry(app_state(request).db, inquiry, fetch, len)
    if not found:
        raise Refused(404, f"read {read_id}: no longer stored (retention)")
    per_page = app_state(request).settings.web.page_rows
    neighbours = {
        "previous": result.entries[position - 1].read_id if position > 0 else None,
        "next": result.entries[position + 1].read_id if position + 1 < len(result.entries) else None,
    }  # fmt: skip
    return render(
        request, "read.html", signed_in=session, result=result, row=found[0],
        images=may_see_images(session), back_page=position // per_page + 1,
        neighbours=neighbours, position=position, marked=_marker(result),
    )  # fmt: skip


@router.get("/results/{result_id}/reads/{read_id}/{which}")
def full_image(
    request: Request, session: Viewer, result_id: str, read_id: uuid.UUID, which: str
) -> Response:
    """The read's plate or context image at full size, logged as ``image.view``."""
    if which not in ("plate", "context"):
        raise Refused(404, f"{which}: the images are 'plate' and 'context'")
    result = result_for(request, session, result_id)
    row = _read_in(request, session, result, read_id)
    sha = row.plate_image if which == "plate" else row.context_image
    if sha is None:
        raise Refused(404, f"read {read_id}: no {which} image")
    inquiry = _inquiry(request, session, result, "image.view", {"image": sha})
    store = app_state(request).images

    def fetch(_connection: Connection, _why: Justification) -> bytes | None:
        try:
            return store.get(sha)
        except NotFound:
            return None

    data = run_inquiry(app_state(request).db, inquiry, fetch, lambda d: 0 if d is None else 1)
    if data is None:
        raise Refused(404, f"image {sha}: not stored")
    return _image_response(request, data, sha)


@router.post("/results/{result_id}/export")
def export(
    request: Request,
    session: Exporter,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    result_id: str,
    format: Annotated[str, Form(max_length=10)] = "csv",
) -> Response:
    """Every read of the result (not only the page shown), in UTC, as a file to save."""
    check_csrf(session.csrf_token, submitted)
    if format not in ("csv", "geojson"):
        raise Refused(400, f"format {format!r}: choose csv or geojson")
    result = result_for(request, session, result_id)
    selection = ExportFilter(
        plates=_one_plate(result),
        reads=result.entries.read_keys(),
    )
    writer = write_csv if format == "csv" else write_geojson
    query = {"result_of": result.kind, "query": result.query, "reads": len(result.entries)}
    inquiry = _inquiry(request, session, result, f"export.{format}", query)
    out = io.StringIO()

    def work(connection: Connection, _why: Justification) -> int:
        return writer(connection, out, selection) if result.entries else 0

    run_inquiry(app_state(request).db, inquiry, work, lambda n: n)
    name = f"plateward-{result.kind.removeprefix('search.')}-{result.created_at:%Y%m%d-%H%M%S}"
    media = "text/csv" if format == "csv" else "application/geo+json"
    return Response(
        out.getvalue(), media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


def camera_sites(connection: Connection) -> list[dict[str, Any]]:
    """Fixed cameras with a location, to draw on the map."""
    rows = connection.execute(
        select(cameras.c.code, cameras.c.name, cameras.c.latitude, cameras.c.longitude).where(
            cameras.c.latitude.is_not(None),
            cameras.c.longitude.is_not(None),
            cameras.c.key_revoked_at.is_(None),
            cameras.c.kind == "fixed",
        )
    )
    return [{"code": r.code, "name": r.name, "lat": r.latitude, "lon": r.longitude} for r in rows]


def map_data(request: Request, result: ResultSet, sites: list[dict[str, Any]]) -> dict[str, Any]:
    """What the map script draws at once (camera sites, the shape searched, the tiles) and
    where it fetches the reads from (``map_reads``)."""
    web = app_state(request).settings.web
    return {
        "kind": result.kind,
        "tiles": web.tile_url,
        "attribution": web.tile_attribution,
        "shape": result.extra.get("shape"),
        "sites": sites,
        "points": f"/results/{result.id}/map-points" if result.entries else None,
        "count": _mapped(result),
    }


ONE_PLATE_KINDS = {"search.plate", "search.timeline", "search.cloned"}
"""Searches whose every read is of the plate their query names (a cloned-plate check of every
plate names none)."""


def _one_plate(result: ResultSet) -> tuple[str, ...]:
    """The plate every read of the result has, where its search was of one plate."""
    plate = result.query.get("plate") if result.kind in ONE_PLATE_KINDS else None
    return (plate_text(str(plate)),) if plate else ()


def _mapped(result: ResultSet) -> int:
    """How many of the result's reads its map draws (the first ``MAX_MAP_POINTS``)."""
    return min(len(result.entries), MAX_MAP_POINTS)


def _marker(result: ResultSet) -> Any:
    query_plate = str(result.query.get("plate", ""))
    if result.kind == "search.tolerant" and query_plate:
        wanted = plate_text(query_plate)
        return lambda plate: marked_plate(wanted, plate)
    return lambda plate: plate


def _action_of(kind: str) -> Action:
    return Action.ANALYSE if kind in {"search.grid", "search.polygon", "search.stakeout",
                                      "search.cloned"} else Action.SEARCH  # fmt: skip


def _inquiry(
    request: Request, session: Session, result: ResultSet, action: str, query: dict[str, Any]
) -> Inquiry:
    return Inquiry(
        user=session.user, action=action, query=query, justification=result.justification,
        client_address=client_of(request),
    )  # fmt: skip


def _read_in(request: Request, session: Session, result: ResultSet, read_id: uuid.UUID) -> ReadRow:
    position = result.position(read_id)
    if position is None:
        raise Refused(404, f"read {read_id}: not among these results")
    with (
        app_state(request).db.connect() as connection,
        scoped(scope_for(connection, session.user, "read.view")),
    ):
        found = read_rows(connection, [result.entries[position]])
    if not found:
        raise Refused(404, f"read {read_id}: no longer stored (retention)")
    return found[0]


def _image(request: Request, sha: str) -> Response:
    try:
        data = app_state(request).images.get(sha)
    except NotFound:
        raise Refused(404, f"image {sha}: not stored") from None
    return _image_response(request, data, sha)


def _image_response(request: Request, data: bytes, sha: str) -> Response:
    headers = {**page_headers(app_state(request).settings), "Cache-Control": "private, no-store"}
    return Response(data, media_type=media_type_of(data, sha, len(data)), headers=headers)
