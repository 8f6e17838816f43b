"""Every page refuses exactly whom the API refuses, and says why: the role x page matrix.

The pages are found by walking the application, and each page's action is read from its
``page_for(...)`` dependency, as tests/access/test_authorization.py reads ``require(...)`` from
the API's routes: a page added without one fails here unless it is one of the few that show
nothing but signing in. Every page is then requested (GET, and POST with a valid CSRF token and
a real inquiry) as every role, trained and untrained; the expected outcome comes from the
permission table and the training catalog, never from the page. A browser walk of the same
matrix is in test_browser_matrix.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
from fastapi.routing import APIRoute

from plateward.access.roles import NEEDS_TRAINING, PERMISSIONS, Action, Role
from plateward.access.training import missing_training, today_utc
from plateward.access.users import add_user, user_by_name
from plateward.settings import Settings
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.web.app import create_app

PASSWORD = "basalt orchard heron 31"
OPEN_PAGES = {
    "/", "/login", "/login/code", "/logout",
    "/transparency", "/transparency/print", "/transparency/checkpoint", "/transparency/consistency",
    "/docs", "/openapi.json",
}  # fmt: skip
"""Pages with no ``page_for``: they show who is signed in, sign people in and out, are public
(the published usage and privacy policy, with the access log's checkpoint), or show the API's description, which
``server.api_docs`` opens to signed-in people only (``test_api_docs.py``)."""
INQUIRY = {
    "plate": "7ABC123", "case_number": "26-004211", "latitude": "38.58", "longitude": "-121.49",
    "radius_m": "200", "start": "2026-11-01T00:00", "end": "2026-11-03T00:00",
}  # fmt: skip
"""What a POST carries: a real inquiry for the searches, harmless to every other form."""

SignIn = Callable[[str, str], tuple[httpx.Client, httpx.Response]]
Rows = Callable[[], list[dict[str, Any]]]


def page_routes(settings: Settings) -> list[tuple[str, str, Action | None, bool]]:
    """(method, path, action, guarded) for every page route of the real application."""
    app = create_app(settings)
    found = []
    for route in _flatten(app.routes):
        if route.path.startswith("/api/") or route.path == "/healthz":
            continue
        checks = [d.call for d in route.dependant.dependencies if hasattr(d.call, "action")]
        action = checks[0].action if checks else None  # type: ignore[attr-defined]
        for method in sorted(route.methods):
            found.append((method, route.path, action, bool(checks)))
    app.state.plateward.db.dispose()
    return found


def _flatten(routes: Sequence[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _flatten(route.original_router.routes)


def concrete(path: str) -> str:
    """Made-up parameters: the refusal must come before any lookup."""
    samples = {"read_id": str(uuid.uuid4()), "result_id": "x" * 43, "which": "plate"}
    return re.sub(r"\{(\w+)\}", lambda m: samples.get(m.group(1), "1"), path)


def test_every_page_declares_what_it_needs(settings: Settings) -> None:
    routes = page_routes(settings)
    unguarded = {path for _, path, _, guarded in routes if not guarded}
    assert unguarded == OPEN_PAGES, "pages without page_for(...)"
    actions = {action for _, _, action, _ in routes if action is not None}
    assert {Action.SEARCH, Action.ANALYSE, Action.EXPORT, Action.MANAGE_USERS,
            Action.READ_ACCESS_LOG, Action.REVIEW_AUDIT} <= actions  # fmt: skip


def test_every_page_as_every_role(
    settings: Settings, server: str, train: Callable[..., None], http_sign_in: SignIn,
    log_rows: Rows, token_in: Callable[[str], str],
) -> None:  # fmt: skip
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in Role:
            for trained in (True, False):
                person = add_user(connection, username=_name(role, trained), full_name=role.value,
                                  role=role.value, agency_id=agency, password=PASSWORD)  # fmt: skip
                if trained:
                    train(connection, person.id)
        lacking = {
            (role, trained): [
                m.course.title
                for m in missing_training(
                    connection, user_by_name(connection, _name(role, trained)), today_utc()
                )
            ]
            for role in Role
            for trained in (True, False)
        }
    engine.dispose()
    assert any(lacking.values()), "nobody lacks training: the untrained case tests nothing"
    pages = [(m, p, a) for m, p, a, guarded in page_routes(settings) if guarded]
    checked = 0
    let_through: list[str] = []
    for role in Role:
        for trained in (True, False):
            client, signed_in = http_sign_in(_name(role, trained), PASSWORD)
            assert signed_in.status_code == 303, signed_in.text
            csrf = token_in(client.get("/").text)
            for method, path, action in pages:
                url = concrete(path)
                if method == "POST":
                    response = client.post(url, data={**INQUIRY, "csrf_token": csrf})
                else:
                    response = client.request(method, url)
                where = (method, path, role.value, trained, response.status_code)
                if action is None:
                    assert response.status_code != 403, where
                    continue
                missing = lacking[(role, trained)] if action in NEEDS_TRAINING else []
                if role not in PERMISSIONS[action]:
                    assert response.status_code == 403, where
                    assert f"may not {action.value}" in response.text, where
                elif missing:
                    assert response.status_code == 403, where
                    assert "training required" in response.text, where
                    assert all(title in response.text for title in missing), where
                else:
                    assert response.status_code != 403, (*where, response.text[:300])
                    if method == "POST" and action in (Action.SEARCH, Action.ANALYSE):
                        let_through.append(_name(role, trained))
                checked += 1
    assert checked > 2 * len(Role) * 20
    # A refused person's inquiry never ran: the log's inquiries are the others' only.
    inquiries = {r["username"] for r in log_rows() if r["action"].startswith("search.")}
    assert inquiries == set(let_through)
    assert inquiries, "no search got through: the matrix tests nothing"


def test_navigation_follows_the_permission_table(
    settings: Settings, server: str, train: Callable[..., None], http_sign_in: SignIn
) -> None:
    from plateward.web.nav import NAV_LINKS

    routes = {(p, a) for m, p, a, _ in page_routes(settings) if m == "GET"}
    for link in NAV_LINKS:
        assert (link.href, link.action) in routes, f"{link.href}: no GET page with that action"
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in Role:
            train(connection, add_user(connection, username=_name(role, True), full_name="x",
                                       role=role.value, agency_id=agency,
                                       password=PASSWORD).id)  # fmt: skip
    engine.dispose()
    for role in Role:
        client, _ = http_sign_in(_name(role, True), PASSWORD)
        bar = client.get("/").text.split('<nav aria-label="Main">')[1].split("</nav>")[0]
        shown = set(re.findall(r'href="([^"]+)"', bar))
        expected = {
            link.href
            for link in NAV_LINKS
            if link.action is None or role in PERMISSIONS[link.action]
        }
        assert shown == expected, role


def _name(role: Role, trained: bool) -> str:
    return f"page_{'trained' if trained else 'untrained'}_{role.value}"
