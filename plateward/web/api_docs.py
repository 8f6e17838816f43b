"""The API's description (/docs, /openapi.json), served from the package, to whom the settings say.

FastAPI's own /docs loads Swagger UI from a CDN: a deputy's browser would fetch code from a
third party on a page of the ALPR system, and an air-gapped agency would get a blank page. The
assets come from the ``fastapi-offline`` package instead, and the page runs only scripts from
this server. The description lists every route and parameter, which helps an attacker map the
system, so by default only people signed in (a web session or an API token) may read it
(``server.api_docs``: ``signed_in``, ``public`` or ``off``).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from plateward.access.users import user_for_token
from plateward.web.guards import current_session
from plateward.web.state import app_state

ASSETS = Path(str(files("fastapi_offline") / "static"))

DOCS_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plateward API</title>
<link rel="stylesheet" href="/static/api-docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/api-docs/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body></html>
"""


def install_api_docs(app: FastAPI) -> None:
    app.mount("/static/api-docs", StaticFiles(directory=ASSETS), name="api-docs")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> Response:
        refusal = _refusal(request)
        if refusal is not None:
            return refusal
        return JSONResponse(app.openapi(), headers={"Cache-Control": "no-store"})

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        refusal = _refusal(request, page=True)
        if refusal is not None:
            return refusal
        return HTMLResponse(PAGE, headers=DOCS_HEADERS)


def _refusal(request: Request, page: bool = False) -> Response | None:
    """None if this caller may read the description, else the answer saying why not."""
    who = app_state(request).settings.server.api_docs
    if who == "off":
        raise HTTPException(404, "the API description is turned off (server.api_docs)")
    if who == "public" or _signed_in(request):
        return None
    if page:
        return RedirectResponse("/login", status_code=303)
    raise HTTPException(401, "sign in to read the API description (a session or an API token)")


def _signed_in(request: Request) -> bool:
    session = current_session(request)
    if session is not None and session.second_factor_passed:
        return True
    authorization = request.headers.get("authorization", "")
    if not authorization.startswith("Bearer "):
        return False
    with app_state(request).db.connect() as connection:
        return user_for_token(connection, authorization.removeprefix("Bearer ").strip()) is not None
