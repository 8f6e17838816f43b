"""The search page: a plate, a partial pattern or a tolerant search, with the purpose (A.9).

The page runs the same ``run_inquiry`` as the API, with the same action names and the same
query shape in the access log, so an auditor cannot tell (and need not care) which one a search
came through. A plate with ``?`` or ``*`` is a partial search (policy A.6), a ticked "look-alike"
box a tolerant one, otherwise an exact one. It is a POST, so plates and case numbers stay out of
browser history and proxy logs, and carries the CSRF token, so no other site can run a search
under a deputy's name; the results then live at ``/results/<id>`` (``results_pages.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.patterns import ANY, ONE
from plateward.search.plates import partial_keys, plate_keys
from plateward.search.results import ResultKey
from plateward.search.tolerant import tolerant_keys
from plateward.vehicle import BODY_TYPES, COLORS, DIRECTIONS
from plateward.web.clock import parse_local
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.inquiry_pages import Purpose, keep_inquiry
from plateward.web.page_access import page_for
from plateward.web.result_sets import entries_of
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

LIMIT = 1000
"""The API's default limit, recorded in the log's query just as the API records it."""

Searcher = Annotated[Session, Depends(page_for(Action.SEARCH))]


@router.get("/search")
def search_form(request: Request, session: Searcher) -> Response:
    return _page(request, session, form={}, error=None)


@router.post("/search")
def search(
    request: Request,
    session: Searcher,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    plate: Annotated[str, Form(max_length=200)] = "",
    tolerant: Annotated[str, Form(max_length=10)] = "",
    start: Annotated[str, Form(max_length=40)] = "",
    end: Annotated[str, Form(max_length=40)] = "",
    camera: Annotated[str, Form(max_length=200)] = "",
    make: Annotated[str, Form(max_length=64)] = "",
    model: Annotated[str, Form(max_length=64)] = "",
    color: Annotated[str, Form(max_length=32)] = "",
    body_type: Annotated[str, Form(max_length=32)] = "",
    direction: Annotated[str, Form(max_length=32)] = "",
    case_number: Annotated[str, Form(max_length=200)] = "",
    offense: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(session.csrf_token, submitted)
    form = {"plate": plate, "tolerant": tolerant, "start": start, "end": end, "camera": camera,
            "make": make, "model": model, "color": color, "body_type": body_type,
            "direction": direction, "case_number": case_number, "offense": offense,
            "reason": reason}  # fmt: skip
    zone = app_state(request).settings.web.time_zone
    try:
        justification = Purpose(case_number, offense, reason).justification(request, session)
        text = plate.strip()
        if not text:
            raise InvalidInput("Give a plate or a pattern.")
        filters = Filters(
            start=parse_local(start, zone, "from"), end=parse_local(end, zone, "until"),
            cameras=tuple(c for c in camera.replace(",", " ").split()), limit=LIMIT,
            make=make or None, model=model or None, color=color or None,
            body_type=body_type or None, direction=direction or None,
        )  # fmt: skip
    except InvalidInput as exc:
        return _page(request, session, form=form, error=exc.message, status=400)
    partial = ONE in text or ANY in text
    # Keys, not hits: the result set keeps only which reads and their scores.
    find: Callable[..., list[ResultKey]]
    if partial:
        action, key, find, title = (
            "search.partial",
            "pattern",
            partial_keys,
            f"Pattern {text.upper()}",
        )
    elif tolerant:
        action, key, find, title = (
            "search.tolerant",
            "plate",
            tolerant_keys,
            f"Like {text.upper()}",
        )
    else:
        action, key, find, title = "search.plate", "plate", plate_keys, f"Plate {text.upper()}"
    query: dict[str, Any] = {key: text, **narrowing(filters)}
    try:
        result_id = keep_inquiry(
            request, session, action=action, query=query, title=title,
            justification=justification, entries=entries_of,
            search=lambda c, why: find(c, text, justification=why, filters=filters),
        )  # fmt: skip
    except InvalidInput as exc:
        return _page(request, session, form=form, error=exc.message, status=422)
    return RedirectResponse(f"/results/{result_id}", status_code=303)


def narrowing(filters: Filters) -> dict[str, Any]:
    """The filters as the API's query logs them: only those given, times in ISO 8601."""
    out: dict[str, Any] = {}
    if filters.start is not None:
        out["start"] = filters.start.isoformat()
    if filters.end is not None:
        out["end"] = filters.end.isoformat()
    if filters.cameras:
        out["camera"] = list(filters.cameras)
    for name in ("make", "model", "color", "body_type", "direction"):
        if getattr(filters, name) is not None:
            out[name] = getattr(filters, name)
    out["limit"] = filters.limit
    return out


def _page(
    request: Request, session: Session, *, form: dict[str, str], error: str | None,
    status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, "search.html", status_code=status, signed_in=session, form=form, error=error,
        offense_types=app_state(request).settings.access.offense_types, limit=LIMIT,
        colors=sorted(set(COLORS.values())), body_types=sorted(set(BODY_TYPES.values())),
        directions=DIRECTIONS,
    )  # fmt: skip
