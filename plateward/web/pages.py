"""The web pages, added to the application in one call: routes, static files, refusal pages.

Each page module holds one job's pages and an ``APIRouter`` named ``router``; adding a part's
pages is one line in ``PAGE_MODULES`` (and one in ``nav.py`` for its link; docs/web.md).

The API answers refusals in JSON; these handlers answer the pages' own two exceptions with a
redirect to sign in or with a page that says why, and render 404s and other HTTP errors of
page paths as pages, so a person never sees a JSON error.
"""

from __future__ import annotations

import logging
import secrets
from types import ModuleType

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from plateward.access.sessions import Session
from plateward.web import (
    access_log_pages,
    admin_camera_pages,
    admin_user_pages,
    alert_pages,
    audit_pages,
    breach_pages,
    evidence_pages,
    health_pages,
    home_page,
    hotlist_pages,
    imported_history_pages,
    login_pages,
    maintenance_pages,
    map_pages,
    records_pages,
    results_pages,
    retention_pages,
    search_page,
    sharing_pages,
    training_pages,
    transparency_page,
)
from plateward.web.guards import Refused, SignInNeeded, current_session
from plateward.web.templating import STATIC, render

logger = logging.getLogger(__name__)

PAGE_MODULES: tuple[ModuleType, ...] = (
    login_pages,
    home_page,
    search_page,
    results_pages,
    map_pages,
    admin_user_pages,
    admin_camera_pages,
    training_pages,
    audit_pages,
    access_log_pages,
    alert_pages,
    hotlist_pages,
    records_pages,
    breach_pages,
    maintenance_pages,
    health_pages,
    evidence_pages,
    retention_pages,
    sharing_pages,
    transparency_page,
    imported_history_pages,
)


def install_pages(app: FastAPI) -> None:
    for module in PAGE_MODULES:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(SignInNeeded, _sign_in)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)


async def _sign_in(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    return RedirectResponse(exc.location, status_code=303)


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return render(
        request, "refused.html", status_code=exc.status, signed_in=_shown(request),
        message=exc.message,
    )  # fmt: skip


async def _http_error(request: Request, exc: Exception) -> Response:
    """JSON for the API, as FastAPI answers it; a page for everything else."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(("/api/", "/static/")) or request.url.path in (
        "/openapi.json", "/docs", "/redoc"
    ):  # fmt: skip
        return await http_exception_handler(request, exc)
    heading = "Page not found" if exc.status_code == 404 else "Something is wrong with this request"
    message = (
        f"There is no page at {request.url.path}." if exc.status_code == 404 else str(exc.detail)
    )
    return render(
        request, "error.html", status_code=exc.status_code, signed_in=_shown(request),
        heading=heading, message=message,
    )  # fmt: skip


def _server_error(request: Request, exc: Exception) -> Response:
    """A bug: a page with a reference for the administrator; the traceback goes to the log."""
    reference = secrets.token_hex(6)
    logger.error("unhandled error %s on %s %s", reference, request.method, request.url.path,
                 exc_info=exc)  # fmt: skip
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": f"internal error (reference {reference})"}, 500)
    return render(
        request, "error.html", status_code=500, signed_in=None, heading="Something went wrong",
        message=f"Plateward hit an error it did not expect. Tell the system administrator the"
        f" reference {reference}.",
    )  # fmt: skip


def _shown(request: Request) -> Session | None:
    session = current_session(request)
    return session if session is not None and session.second_factor_passed else None
