"""Every web page that shows ALPR data refuses exactly whom the API refuses, and says why.

The pages are found by walking the application, as tests/access/test_authorization.py walks the
API, so a page added without being listed here fails instead of showing reads to anyone. Each
data page is then opened (GET) and submitted (POST, with a real inquiry and a valid CSRF token)
as every role, trained and untrained; the expected outcome comes from the permission table and
the training catalog, never from the page.
"""

from __future__ import annotations

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
PAGE_ACTIONS: dict[str, Action] = {"/search": Action.SEARCH}
"""The pages that show ALPR data, and the action each needs (as its API counterpart does)."""
NO_ALPR_DATA = {"/", "/login", "/login/code", "/logout"}
"""Pages that show none: who is signed in, and signing in and out."""
INQUIRY = {"plate": "7ABC123", "case_number": "26-004211"}

SignIn = Callable[[str, str], tuple[httpx.Client, httpx.Response]]
Rows = Callable[[], list[dict[str, Any]]]


def page_routes(settings: Settings) -> list[tuple[str, str]]:
    app = create_app(settings)
    found = [
        (method, route.path)
        for route in _flatten(app.routes)
        if not route.path.startswith("/api/") and route.path != "/healthz"
        for method in sorted(route.methods)
    ]
    app.state.plateward.db.dispose()
    return found


def _flatten(routes: Sequence[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _flatten(route.original_router.routes)


def test_every_page_is_classified(settings: Settings) -> None:
    paths = {path for _, path in page_routes(settings)}
    assert PAGE_ACTIONS, "no data pages found to check"
    assert paths - set(PAGE_ACTIONS) - NO_ALPR_DATA == set(), "pages not listed here"


def test_data_pages_refuse_as_the_api_does(
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
    pages = [(m, p) for m, p in page_routes(settings) if p in PAGE_ACTIONS]
    checked = 0
    let_through: list[str] = []
    for role in Role:
        for trained in (True, False):
            client, signed_in = http_sign_in(_name(role, trained), PASSWORD)
            assert signed_in.status_code == 303, signed_in.text
            csrf = token_in(client.get("/").text)
            for method, path in pages:
                action = PAGE_ACTIONS[path]
                if method == "POST":
                    response = client.post(path, data={**INQUIRY, "csrf_token": csrf})
                else:
                    response = client.request(method, path)
                where = (method, path, role, trained, response.text)
                missing = lacking[(role, trained)] if action in NEEDS_TRAINING else []
                if role not in PERMISSIONS[action]:
                    assert response.status_code == 403, where
                    assert f"may not {action.value}" in response.text, where
                elif missing:
                    assert response.status_code == 403, where
                    assert "training required" in response.text, where
                    assert all(title in response.text for title in missing), where
                else:
                    assert response.status_code == 200, where
                    if method == "POST":
                        let_through.append(_name(role, trained))
                checked += 1
    assert checked == 2 * len(Role) * len(pages)
    # A refused person's inquiry never ran: the log holds the searches of the others only.
    inquiries = [r["username"] for r in log_rows() if r["action"] != "login"]
    assert sorted(inquiries) == sorted(let_through)


def _name(role: Role, trained: bool) -> str:
    return f"page_{'trained' if trained else 'untrained'}_{role.value}"
