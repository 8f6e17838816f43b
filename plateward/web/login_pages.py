"""Signing in and out: /login (password), /login/code (TOTP, when the person has one), /logout.

Every attempt goes into the access log ("login", or "login.failed" with the step that failed),
in the same transaction that counts the failure towards the lockout; the failure that locks the
account also leaves a "user.locked" entry (written by ``sign_in`` or ``check_code``). Nothing
tells a wrong username from a wrong password. A session is created only after the password is
right, and a new one again after the second factor, so a token seen before sign-in is never
worth anything.

The sign-in form itself is protected from forgery (someone else's page signing a deputy into
the forger's account) by a double-submit token: a cookie scoped to /login and the same value
in the form.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from plateward.access.sessions import Session, end_session, start_session
from plateward.access.totp import check_code, has_totp
from plateward.access.users import LockedOut, User, sign_in, user_by_name
from plateward.audit.log import Entry, append
from plateward.errors import NotFound
from plateward.web.cookies import (
    LOGIN_COOKIE,
    clear_session_cookie,
    set_login_cookie,
    set_session_cookie,
)
from plateward.web.guards import (
    Refused,
    check_csrf,
    current_session,
    lifetimes,
    submitted_csrf,
)
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

MAX_USERNAME_CHARS = 64
WRONG = (
    "Wrong username or password. After five wrong tries in a row an account is locked for"
    " 15 minutes."
)
"""The one answer to every failed password step, locked or not, known name or not: a
different one would tell an attacker which usernames exist."""
WRONG_CODE = "That code is not right. Use the current code from your authenticator app."


LOGIN_TOKEN_BYTES = 32
_LOGIN_TOKEN = re.compile(f"[A-Za-z0-9_-]{{{len(secrets.token_urlsafe(LOGIN_TOKEN_BYTES))}}}")
"""What ``secrets.token_urlsafe(LOGIN_TOKEN_BYTES)`` gives."""


def _login_token(request: Request) -> str:
    """The sign-in form's token: the one this browser already holds, if we could have issued
    it, else a new one.

    Each visit to /login used to issue a new token, so any second GET (a form open in another
    tab, or an image of a page left open that is redirected here once its session ended) made
    the first form's token stale: "This sign-in form has expired" for someone who had done
    nothing wrong. Keeping the held token makes the form's token the same in every tab; it
    still guards what it is for, since a forging site can neither read nor set this cookie.
    """
    held = request.cookies.get(LOGIN_COOKIE, "")
    return held if _LOGIN_TOKEN.fullmatch(held) else secrets.token_urlsafe(LOGIN_TOKEN_BYTES)


@router.get("/login")
def login_form(request: Request) -> Response:
    session = current_session(request)
    if session is not None:
        return _see_other("/" if session.second_factor_passed else "/login/code")
    token = _login_token(request)
    response = render(request, "login.html", form_token=token, error=None, username="")
    set_login_cookie(response, request, app_state(request).settings, token)
    return response


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise Refused(403, "This sign-in form has expired; reload the page and sign in again.")
    state = app_state(request)
    name = username.strip()[:MAX_USERNAME_CHARS]
    error, status = None, 200
    with state.db.begin() as connection:
        try:
            user = sign_in(connection, name, password, client_address=_client(request))
        except LockedOut:
            user, error, status = None, WRONG, 401
            _log_failure(connection, request, name, "password", "locked")
        if user is None and error is None:
            error, status = WRONG, 401
            _log_failure(connection, request, name, "password", "denied")
        if user is not None:
            second_factor = has_totp(connection, user.id)
            token, _ = start_session(
                connection, user.id, second_factor_passed=not second_factor,
                lifetimes=lifetimes(state.settings),
            )  # fmt: skip
            if not second_factor:
                _log_success(connection, request, user, second_factor=False)
    if user is None:
        return render(
            request, "login.html", status_code=status, form_token=expected, error=error,
            username=name,
        )  # fmt: skip
    response = _see_other("/login/code" if second_factor else "/")
    set_session_cookie(response, request, state.settings, token)
    return response


@router.get("/login/code")
def code_form(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _see_other("/login")
    if session.second_factor_passed:
        return _see_other("/")
    return render(request, "code.html", pending=session, error=None)


@router.post("/login/code")
def code(
    request: Request,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    code: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    session = current_session(request)
    if session is None:
        return _see_other("/login")
    check_csrf(session.csrf_token, submitted)
    if session.second_factor_passed:
        return _see_other("/")
    state = app_state(request)
    user = session.user
    with state.db.begin() as connection:
        try:
            right = check_code(connection, user.id, code, client_address=_client(request))
        except LockedOut:
            _log_failure(connection, request, user.username, "second_factor", "locked")
            end_session(connection, session.id)
            locked = True
        else:
            locked = False
            if right:
                # A new session for the signed-in state: the pending one's token retires.
                end_session(connection, session.id)
                token, _ = start_session(
                    connection, user.id, second_factor_passed=True,
                    lifetimes=lifetimes(state.settings),
                )  # fmt: skip
                _log_success(connection, request, user, second_factor=True)
            else:
                _log_failure(connection, request, user.username, "second_factor", "denied")
    if locked:
        form_token = _login_token(request)
        again = render(
            request, "login.html", status_code=401, error=WRONG, username=user.username,
            form_token=form_token,
        )  # fmt: skip
        clear_session_cookie(again, request, state.settings)
        set_login_cookie(again, request, state.settings, form_token)
        return again
    if not right:
        return render(request, "code.html", status_code=401, pending=session, error=WRONG_CODE)
    done = _see_other("/")
    set_session_cookie(done, request, state.settings, token)
    return done


@router.post("/logout")
def logout(request: Request, submitted: Annotated[str | None, Depends(submitted_csrf)]) -> Response:
    state = app_state(request)
    session: Session | None = current_session(request)
    if session is not None:
        check_csrf(session.csrf_token, submitted)
        with state.db.begin() as connection:
            end_session(connection, session.id)
    response = _see_other("/login")
    clear_session_cookie(response, request, state.settings)
    return response


def _log_success(connection: Connection, request: Request, user: User, second_factor: bool) -> None:
    append(
        connection,
        Entry(
            username=user.username, agency=user.agency, action="login",
            query={"second_factor": second_factor}, client_address=_client(request),
        ),
    )  # fmt: skip


def _log_failure(
    connection: Connection, request: Request, username: str, step: str, outcome: str
) -> None:
    """Logged under the name typed, which may be no one's: guessing names shows in the log."""
    try:
        agency = user_by_name(connection, username).agency
    except NotFound:
        agency = ""
    append(
        connection,
        Entry(
            username=username, agency=agency, action="login.failed", query={"step": step},
            client_address=_client(request), outcome=outcome,
        ),
    )  # fmt: skip


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)
