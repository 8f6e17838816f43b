"""The web pages, added to the application in one call: routes, static files, refusal pages.

The API answers refusals in JSON; these handlers answer the pages' own two exceptions with a
redirect to sign in or with a page that says why, so a person never sees a JSON error.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from plateward.web import (
    alert_pages,
    home_page,
    hotlist_pages,
    login_pages,
    search_page,
    transparency_page,
)
from plateward.web.guards import Refused, SignInNeeded, current_session
from plateward.web.templating import STATIC, render


def install_pages(app: FastAPI) -> None:
    app.include_router(login_pages.router)
    app.include_router(home_page.router)
    app.include_router(search_page.router)
    app.include_router(alert_pages.router)
    app.include_router(hotlist_pages.router)
    app.include_router(transparency_page.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(SignInNeeded, _sign_in)
    app.add_exception_handler(Refused, _refused)


async def _sign_in(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    return RedirectResponse(exc.location, status_code=303)


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    session = current_session(request)
    shown = session if session is not None and session.second_factor_passed else None
    return render(
        request, "refused.html", status_code=exc.status, signed_in=shown, message=exc.message
    )
