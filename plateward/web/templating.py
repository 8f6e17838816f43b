"""Rendering the pages: one Jinja2 environment with autoescaping, and the headers every page gets.

Autoescaping is on for every template whatever its name, so a plate, a reason or a username
typed by someone cannot become markup. The pages load nothing from elsewhere and run only
the app's own scripts (the alert console's live list), which the Content-Security-Policy states
so a browser refuses anything injected; they are never cached, because they show who searched
for what.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self';"
        " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def links_for(session: Session | None) -> list[tuple[str, str]]:
    """The pages this person may open: a link is shown only where the role check would pass."""
    if session is None:
        return []
    links = [("/", "Home")]
    if allowed(session.user.role, Action.SEARCH):
        links.append(("/search", "Search"))
    if allowed(session.user.role, Action.RECEIVE_ALERTS):
        links.append(("/alerts", "Alerts"))
    if allowed(session.user.role, Action.VIEW_HOTLISTS):
        links.append(("/hotlists", "Hot lists"))
    return links


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page; templates also get ``request``, ``signed_in`` (a session or None) and ``links``."""
    session: Session | None = context.setdefault("signed_in", None)
    context["links"] = links_for(session)
    body = _environment.get_template(template).render(request=request, **context)
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)
