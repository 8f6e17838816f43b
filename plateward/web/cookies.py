"""The two cookies the pages set: the session, and the sign-in form's anti-forgery token.

Both are HttpOnly (no script reads them) and SameSite=Strict (no other site's page can make the
browser send them). They are Secure unless ``web.secure_cookies`` is off or the request was
plain http addressed to this machine itself (localhost, 127.0.0.1, ::1): such traffic never
crosses a network, and browsers would otherwise refuse the cookie to a deputy signing in on the
server's own console. The host is the one the browser typed, not the client's address, so a
reverse proxy on the same machine that forwards the public name keeps the cookie Secure.
"""

from __future__ import annotations

import ipaddress

from fastapi import Request, Response

from plateward.settings import Settings

SESSION_COOKIE = "plateward_session"
LOGIN_COOKIE = "plateward_login"
LOGIN_PATH = "/login"


def secure(request: Request, settings: Settings) -> bool:
    if not settings.web.secure_cookies:
        return False
    return not (request.url.scheme == "http" and _is_loopback(request.url.hostname or ""))


def set_session_cookie(
    response: Response, request: Request, settings: Settings, token: str
) -> None:
    """No Max-Age: the cookie goes when the browser closes; the server ends it sooner."""
    response.set_cookie(
        SESSION_COOKIE, token, path="/", httponly=True, samesite="strict",
        secure=secure(request, settings),
    )  # fmt: skip


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict",
        secure=secure(request, settings),
    )  # fmt: skip


def set_login_cookie(response: Response, request: Request, settings: Settings, token: str) -> None:
    """Scoped to the sign-in pages and an hour, the time a form may sit open before it is sent."""
    response.set_cookie(
        LOGIN_COOKIE, token, path=LOGIN_PATH, max_age=3600, httponly=True, samesite="strict",
        secure=secure(request, settings),
    )  # fmt: skip


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
