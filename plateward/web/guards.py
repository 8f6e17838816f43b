"""What a page checks before it does anything: a live session, the role, the anti-forgery token.

Pages answer people, not programs, so a missing session is a redirect to the sign-in page and a
refusal is a page saying why (``pages.py`` turns the two exceptions into those). Every POST
from a page carries the session's CSRF token, as a form field or an ``X-CSRF-Token`` header;
SameSite=Strict cookies already stop most forgery, and the token covers browsers and proxies
that do not honour it, since a forged search would be logged under the victim's name.
"""

from __future__ import annotations

import datetime as dt
import hmac

from fastapi import Request

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Lifetimes, Session, session_for_token
from plateward.access.training import today_utc, training_refusal
from plateward.settings import Settings
from plateward.web.cookies import SESSION_COOKIE
from plateward.web.state import app_state

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SignInNeeded(Exception):
    """No usable session: send the browser to ``location`` (the sign-in or code page)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class Refused(Exception):
    """The request is understood and refused; shown as a page with this status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def lifetimes(settings: Settings) -> Lifetimes:
    return Lifetimes(
        idle=_minutes(settings.web.session_idle_minutes),
        absolute=_minutes(60 * settings.web.session_lifetime_hours),
    )


def current_session(request: Request) -> Session | None:
    """The cookie's session, complete or awaiting its second factor; None if there is none."""
    if hasattr(request.state, "plateward_session"):  # looked up once per request
        found: Session | None = request.state.plateward_session
        return found
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    state = app_state(request)
    with state.db.begin() as connection:
        found = session_for_token(connection, token, lifetimes(state.settings))
    request.state.plateward_session = found
    return found


def signed_in(request: Request) -> Session:
    """A dependency: the complete session, else a redirect to where signing in continues."""
    session = current_session(request)
    if session is None:
        raise SignInNeeded("/login")
    if not session.second_factor_passed:
        raise SignInNeeded("/login/code")
    return session


def refuse_unless_allowed(request: Request, session: Session, action: Action) -> None:
    """The API's ``require`` checks, for pages: the role, then current training (policy F).

    A page thus refuses exactly what the API refuses, and says why in the same words.
    """
    if not allowed(session.user.role, action):
        raise Refused(403, f"Your role ({session.user.role.value}) may not {action.value}.")
    with app_state(request).db.connect() as connection:
        refusal = training_refusal(connection, session.user, action, today_utc())
    if refusal:
        raise Refused(403, f"Not allowed to {action.value}: {refusal}.")


async def submitted_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    # Starlette caches the parsed form, so the route's own Form() fields read the same one.
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


def check_csrf(expected: str, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise Refused(403, "This form has expired or did not come from Plateward; reload the page.")


def _minutes(count: int) -> dt.timedelta:
    return dt.timedelta(minutes=count)
