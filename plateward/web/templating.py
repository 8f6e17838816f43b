"""Rendering the pages: one Jinja2 environment with autoescaping, and the headers every page gets.

Autoescaping is on for every template whatever its name, so a plate, a reason or a username
typed by someone cannot become markup. Scripts come only from this server (``script-src
'self'``: the map's Leaflet and a few lines of our own, all under /static), nothing else is
loaded from elsewhere but the map tiles of ``web.tile_url`` when one is set, and the pages are
never cached, because they show who searched for what.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session
from plateward.settings import Settings
from plateward.web.clock import input_value, time_element
from plateward.web.nav import links_for
from plateward.web.state import app_state

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

BASE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def content_security_policy(settings: Settings) -> str:
    """Only this server's scripts, styles and images, plus the tile server's images if any."""
    images = "'self'"
    tiles = settings.web.tile_url
    if tiles and not tiles.startswith("/"):
        parts = urlsplit(tiles)
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + images + ";"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def page_headers(settings: Settings) -> dict[str, str]:
    return {"Content-Security-Policy": content_security_policy(settings), **BASE_HEADERS}


@pass_context
def _when(context: Context, moment: dt.datetime | None, seconds: bool = True) -> Markup:
    return time_element(moment, context["time_zone"], seconds)


@pass_context
def _local_input(context: Context, moment: dt.datetime | None) -> str:
    return input_value(moment, context["time_zone"])


def _as_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block: '<' escaped so it cannot end it."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["when"] = _when
_environment.filters["local_input"] = _local_input
_environment.filters["as_json"] = _as_json


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page. Templates also get ``request``, ``signed_in`` (a complete session or None),
    ``links`` (the navigation this person may follow), ``may`` (the permission table as a
    function of an action name) and ``time_zone``."""
    settings = app_state(request).settings
    session: Session | None = context.setdefault("signed_in", None)
    context["links"] = links_for(session)
    context["time_zone"] = settings.web.time_zone
    context["may"] = lambda action: (
        session is not None and allowed(session.user.role, Action(action))
    )
    body = _environment.get_template(template).render(request=request, **context)
    return HTMLResponse(body, status_code=status_code, headers=page_headers(settings))
