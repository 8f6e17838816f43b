"""The public transparency page: the published usage and privacy policy, from the system itself.

Open to everyone, signed in or not (Civil Code 1798.90.51 and .53 ask for a published usage
and privacy policy). ``/transparency`` is the page; ``/transparency/print`` the same policy laid
out for paper (no navigation, every section on its own, dates in full). What each section says
is gathered by ``published_policy.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from plateward.web.guards import current_session
from plateward.web.published_policy import PolicyCache
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/transparency")
def transparency(request: Request) -> Response:
    return _page(request, "transparency.html")


@router.get("/transparency/print")
def transparency_print(request: Request) -> Response:
    return _page(request, "transparency_print.html")


def _page(request: Request, template: str) -> Response:
    state = app_state(request)
    cache = getattr(request.app.state, "published_policy", None)
    if cache is None:
        cache = request.app.state.published_policy = PolicyCache()
    with state.db.connect() as connection:
        policy = cache.get(connection, state.settings)
    session = current_session(request)
    shown = session if session is not None and session.second_factor_passed else None
    return render(request, template, signed_in=shown, policy=policy)
