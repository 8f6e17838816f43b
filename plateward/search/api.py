"""The searches over HTTP: /api/v1/search/... for investigators' tools and the web pages.

Each route checks the caller's role, refuses a missing or placeholder justification with 400
before touching any read, runs the search and writes the access log entry in one transaction,
so a search whose log entry cannot be written returns nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.errors import InvalidInput
from plateward.search.cloned import search_cloned
from plateward.search.filters import Filters
from plateward.search.geo import MAX_POLYGON_VERTICES
from plateward.search.grid import search_polygon, search_radius
from plateward.search.inquiry import jsonable, run_inquiry
from plateward.search.inquiry_http import Why, inquiry_from
from plateward.search.justification import Justification
from plateward.search.plates import plate_timeline, search_partial, search_plate
from plateward.search.results import Area
from plateward.search.stakeout import search_stakeout
from plateward.search.tolerant import search_tolerant
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1/search", tags=["search"])
T = TypeVar("T")

Searcher = Annotated[User, Depends(require(Action.SEARCH))]
Analyst = Annotated[User, Depends(require(Action.ANALYSE))]


class Narrowing(BaseModel):
    start: dt.datetime | None = Field(None, description="From (inclusive), with UTC offset.")
    end: dt.datetime | None = Field(None, description="Until (exclusive), with UTC offset.")
    camera: list[str] = Field(default_factory=list, description="Camera codes.")
    region: str | None = None
    min_confidence: float | None = None
    limit: int = 1000
    make: str | None = Field(None, description="Vehicle make, e.g. toyota.")
    model: str | None = Field(None, description="Vehicle model, e.g. camry.")
    color: str | None = Field(None, description="Vehicle colour, e.g. silver.")
    body_type: str | None = Field(None, description="sedan, suv, pickup, van, truck, ...")
    direction: str | None = Field(
        None, description="approaching, receding, or a compass point n, ne, ... nw."
    )


class AreaIn(BaseModel):
    latitude: float
    longitude: float
    radius_m: float
    start: dt.datetime
    end: dt.datetime
    label: str = ""


class StakeoutIn(Why):
    areas: list[AreaIn]
    min_areas: int = 2
    limit: int = 1000


class PolygonIn(Why):
    vertices: list[tuple[float, float]] = Field(
        max_length=MAX_POLYGON_VERTICES + 1, description="(latitude, longitude) pairs."
    )
    start: dt.datetime
    end: dt.datetime
    limit: int = 1000


@router.get("/plate")
async def plate(
    request: Request, user: Searcher, plate: str, why: Annotated[Why, Query()],
    narrowing: Annotated[Narrowing, Query()],
) -> dict[str, Any]:  # fmt: skip
    """Every read of exactly this plate, newest first."""
    return await _run(request, user, "search.plate", {"plate": plate, **_q(narrowing)}, why,
                      lambda c, j: search_plate(c, plate, justification=j, filters=_f(narrowing)))  # fmt: skip


@router.get("/partial")
async def partial(
    request: Request, user: Searcher, pattern: str, why: Annotated[Why, Query()],
    narrowing: Annotated[Narrowing, Query()],
) -> dict[str, Any]:  # fmt: skip
    """Reads whose plate matches a pattern: ? one character, * any run (policy A.6)."""
    return await _run(request, user, "search.partial", {"pattern": pattern, **_q(narrowing)}, why,
                      lambda c, j: search_partial(c, pattern, justification=j, filters=_f(narrowing)))  # fmt: skip


@router.get("/tolerant")
async def tolerant(
    request: Request, user: Searcher, plate: str, why: Annotated[Why, Query()],
    narrowing: Annotated[Narrowing, Query()],
) -> dict[str, Any]:  # fmt: skip
    """Reads of plates like this one (look-alike characters, one or two edits), best first."""
    return await _run(request, user, "search.tolerant", {"plate": plate, **_q(narrowing)}, why,
                      lambda c, j: search_tolerant(c, plate, justification=j, filters=_f(narrowing)))  # fmt: skip


@router.get("/timeline")
async def timeline(
    request: Request, user: Searcher, plate: str, why: Annotated[Why, Query()],
    narrowing: Annotated[Narrowing, Query()],
) -> dict[str, Any]:  # fmt: skip
    """Every read of a plate in the order seen: where and when."""
    return await _run(request, user, "search.timeline", {"plate": plate, **_q(narrowing)}, why,
                      lambda c, j: plate_timeline(c, plate, justification=j, filters=_f(narrowing)))  # fmt: skip


@router.get("/grid")
async def grid(
    request: Request, user: Analyst, latitude: float, longitude: float, radius_m: float,
    why: Annotated[Why, Query()], narrowing: Annotated[Narrowing, Query()],
) -> dict[str, Any]:  # fmt: skip
    """Reads within a radius of a point in a time window (policy A.4.f grid search)."""
    query = {"latitude": latitude, "longitude": longitude, "radius_m": radius_m, **_q(narrowing)}
    return await _run(request, user, "search.grid", query, why,
                      lambda c, j: search_radius(c, latitude, longitude, radius_m, justification=j,
                                                 filters=_f(narrowing)))  # fmt: skip


@router.post("/polygon")
async def polygon(request: Request, user: Analyst, body: PolygonIn) -> dict[str, Any]:
    """Reads inside a polygon in a time window."""
    narrowing = Narrowing(start=body.start, end=body.end, limit=body.limit)
    query = {"vertices": body.vertices, **_q(narrowing)}
    return await _run(request, user, "search.polygon", query, body,
                      lambda c, j: search_polygon(c, body.vertices, justification=j,
                                                  filters=_f(narrowing)))  # fmt: skip


@router.post("/stakeout")
async def stakeout(request: Request, user: Analyst, body: StakeoutIn) -> dict[str, Any]:
    """Plates seen in at least ``min_areas`` of several place-and-time windows."""
    areas = [Area(**a.model_dump()) for a in body.areas]
    query = {"areas": [a.model_dump(mode="json") for a in body.areas], "min_areas": body.min_areas}
    return await _run(request, user, "search.stakeout", query, body,
                      lambda c, j: search_stakeout(c, areas, justification=j, min_areas=body.min_areas,
                                                   filters=Filters(limit=body.limit)))  # fmt: skip


@router.get("/cloned")
async def cloned(
    request: Request, user: Analyst, why: Annotated[Why, Query()],
    narrowing: Annotated[Narrowing, Query()], plate: str | None = None,
    max_speed_kmh: float = 200.0,
) -> dict[str, Any]:  # fmt: skip
    """Pairs of reads of one plate too far apart for the time between them."""
    query = {"plate": plate, "max_speed_kmh": max_speed_kmh, **_q(narrowing)}
    return await _run(request, user, "search.cloned", query, why,
                      lambda c, j: search_cloned(c, plate, justification=j, filters=_f(narrowing),
                                                 max_speed_kmh=max_speed_kmh))  # fmt: skip


async def _run(
    request: Request,
    user: User,
    action: str,
    query: dict[str, Any],
    why: Why,
    search: Callable[[Connection, Justification], Sequence[T]],
) -> dict[str, Any]:
    state = app_state(request)
    inquiry = inquiry_from(request, user, action, query, why)

    def in_transaction() -> list[dict[str, Any]]:
        found = run_inquiry(state.db, inquiry, search, len,
                            time_limit_s=state.settings.server.search_time_limit_s)  # fmt: skip
        return [jsonable(dataclasses.asdict(hit)) for hit in found]  # type: ignore[call-overload]

    try:
        results = await run_in_threadpool(in_transaction)
    except InvalidInput as exc:
        raise HTTPException(422, exc.message) from None
    return {"count": len(results), "results": results}


def _f(narrowing: Narrowing) -> Filters:
    try:
        return Filters(
            start=narrowing.start,
            end=narrowing.end,
            cameras=tuple(narrowing.camera),
            region=narrowing.region,
            min_confidence=narrowing.min_confidence,
            limit=narrowing.limit,
            make=narrowing.make,
            model=narrowing.model,
            color=narrowing.color,
            body_type=narrowing.body_type,
            direction=narrowing.direction,
        )
    except InvalidInput as exc:
        raise HTTPException(422, exc.message) from None


def _q(narrowing: Narrowing) -> dict[str, Any]:
    return {k: v for k, v in narrowing.model_dump(mode="json").items() if v not in (None, [])}
