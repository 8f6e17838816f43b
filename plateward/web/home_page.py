"""The home page: the sign-in form for a visitor, else who is signed in and where they may go.

A visitor who is not signed in gets the sign-in page itself at ``/`` (not a redirect), so the
address people are given is the one they sign in at. The links are the navigation
(``nav.py``), grouped; a person whose training has lapsed is told here, before a search fails,
and the governance duties a role answers for are flagged (``governance_home.py``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from plateward.access.roles import NEEDS_TRAINING, allowed
from plateward.access.training import missing_training, today_utc
from plateward.web.governance_home import home_flags
from plateward.web.guards import current_session
from plateward.web.login_pages import login_form
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_form(request)
    if not session.second_factor_passed:
        return RedirectResponse("/login/code", status_code=303)
    missing = ""
    with app_state(request).db.connect() as connection:
        if any(allowed(session.user.role, action) for action in NEEDS_TRAINING):
            lacking = missing_training(connection, session.user, today_utc())
            missing = "; ".join(m.describe() for m in lacking)
        flags = home_flags(connection, session.user, today_utc())
    return render(request, "home.html", signed_in=session, missing=missing, flags=flags)
