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
PAGE_ACTIONS: dict[tuple[str, str], Action] = {
    ("GET", "/search"): Action.SEARCH,
    ("POST", "/search"): Action.SEARCH,
    ("GET", "/alerts"): Action.RECEIVE_ALERTS,
    ("GET", "/alerts/{alert_id}"): Action.RECEIVE_ALERTS,
    ("POST", "/alerts/{alert_id}/verify"): Action.VERIFY_ALERTS,
    ("POST", "/alerts/{alert_id}/dispose"): Action.VERIFY_ALERTS,
    ("GET", "/hotlists"): Action.VIEW_HOTLISTS,
    ("POST", "/hotlists"): Action.EDIT_HOTLISTS,
    ("GET", "/hotlists/{name}"): Action.VIEW_HOTLISTS,
    ("POST", "/hotlists/{name}/entries"): Action.EDIT_HOTLISTS,
    ("POST", "/hotlists/{name}/expire"): Action.EDIT_HOTLISTS,
    ("POST", "/hotlists/{name}/import"): Action.EDIT_HOTLISTS,
}
"""The pages that show ALPR data or hot lists, and the action each needs (as the API's)."""
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/search"): {"plate": "7ABC123", "case_number": "26-004211"},
    ("POST", "/alerts/{alert_id}/verify"): {"check": "plate", "result": "match"},
    ("POST", "/alerts/{alert_id}/dispose"): {"disposition": "no_action"},
    ("POST", "/hotlists"): {"name": "BOLO", "source": "agency_list"},
    ("POST", "/hotlists/{name}/entries"): {"plate": "8XYZ999", "reason": "bolo"},
    ("POST", "/hotlists/{name}/expire"): {"entry": "1"},
}
"""What each form posts: valid, so a refusal can only come from the guard."""
UPLOADS = {
    ("POST", "/hotlists/{name}/import"): {"file": ("list.csv", b"plate,reason\n9ABC999,bolo\n")}
}
SAMPLES = {"alert_id": "1", "name": "NCIC"}
NO_ALPR_DATA = {
    "/", "/login", "/login/code", "/logout",
    "/transparency", "/transparency/checkpoint", "/transparency/consistency",
    "/docs", "/openapi.json",
}  # fmt: skip
"""Pages that show none: who is signed in, signing in and out, the public transparency page."""

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
    routes = set(page_routes(settings))
    assert PAGE_ACTIONS, "no data pages found to check"
    unlisted = {r for r in routes - set(PAGE_ACTIONS) if r[1] not in NO_ALPR_DATA}
    assert unlisted == set(), "pages not listed here"


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
        _an_alert_to_look_at(connection, agency)
    engine.dispose()
    assert any(lacking.values()), "nobody lacks training: the untrained case tests nothing"
    pages = [(m, p) for m, p in page_routes(settings) if (m, p) in PAGE_ACTIONS]
    checked = 0
    let_through: list[str] = []
    for role in Role:
        for trained in (True, False):
            client, signed_in = http_sign_in(_name(role, trained), PASSWORD)
            assert signed_in.status_code == 303, signed_in.text
            csrf = token_in(client.get("/").text)
            for method, path in pages:
                action = PAGE_ACTIONS[(method, path)]
                concrete = path.format(**SAMPLES)
                if method == "POST":
                    response = client.post(
                        concrete, data={**FORMS.get((method, path), {}), "csrf_token": csrf},
                        files=UPLOADS.get((method, path)),
                    )  # fmt: skip
                else:
                    response = client.request(method, concrete)
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
                    assert response.status_code not in (401, 403, 422), where
                    if (method, path) == ("POST", "/search"):
                        let_through.append(_name(role, trained))
                checked += 1
    assert checked == 2 * len(Role) * len(pages)
    # A refused person's inquiry never ran: the log holds the searches of the others only.
    inquiries = [r["username"] for r in log_rows() if r["action"].startswith("search.")]
    assert sorted(inquiries) == sorted(let_through)


def _an_alert_to_look_at(connection: Any, agency: int) -> None:
    """Alert 1, on list NCIC (entry 1), for the alert and hot list pages to open."""
    import datetime as dt
    import uuid

    from plateward.alert.raising import raise_alerts
    from plateward.audit.actor import Actor
    from plateward.hotlist.entries import entry_values
    from plateward.hotlist.lists import ListSettings, add_entry, create_list
    from plateward.hotlist.matcher import ListRule, Matcher, Watch
    from plateward.store.cameras import add_camera
    from plateward.store.reads import NewRead, store_reads

    now = dt.datetime.now(dt.UTC)
    actor = Actor("setup", "CCSO")
    add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
    hotlist = create_list(connection, actor, name="NCIC", source="ncic_extract",
                          agency_id=agency, settings=ListSettings())  # fmt: skip
    entry = add_entry(connection, actor, "NCIC", entry_values(
        {"plate": "7ABC123", "reason": "stolen_vehicle"}, "e", now,
        default_expires_at=now + dt.timedelta(days=1)))  # fmt: skip
    read = NewRead(uuid.uuid4(), now, "7ABC123", 0.9, 38.5, -121.5)
    store_reads(connection, 1, [read])
    matcher = Matcher([ListRule(hotlist.id, agency)],
                      [Watch(entry["id"], hotlist.id, "7ABC123", None, None, None)])  # fmt: skip
    assert raise_alerts(connection, camera_id=1, agency_id=agency, reads=[read],
                        matcher=matcher) == [1]  # fmt: skip


def _name(role: Role, trained: bool) -> str:
    return f"page_{'trained' if trained else 'untrained'}_{role.value}"
