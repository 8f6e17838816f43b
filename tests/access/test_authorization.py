"""Every API route, called as every role, as nobody, with a revoked token, and untrained.

The expected outcome comes from the permission table (access/roles.py), never from the
routes, and the routes are found by walking the application, so a route added without
``require(...)`` fails here instead of serving ALPR data to anyone. The untrained people hold
each role without a single certificate: where the role allows a data action
(``NEEDS_TRAINING``) they must be refused with the courses they lack, and everywhere else
answered exactly as their trained colleagues are, since training unlocks nothing else.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import update

from plateward.access.roles import NEEDS_TRAINING, PERMISSIONS, Action, Role
from plateward.access.schema import api_tokens
from plateward.access.training_courses import list_courses
from plateward.access.users import add_user, issue_token
from plateward.settings import Settings
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.web.app import create_app

PASSWORD = "granite harbour violet 77"
CAMERA_ROUTES = {
    ("POST", "/api/v1/reads"),
    ("GET", "/api/v1/edge/hotlists"),
    ("POST", "/api/v1/heartbeats"),
    ("POST", "/api/v1/vendors/{system}"),
    ("GET", "/api/v1/vendors/{system}"),
}
"""Routes cameras call with their own keys (tests/ingest/test_api.py, tests/ingest/
test_vendor_api.py, tests/hotlist and tests/governance/test_health.py cover them)."""
PUBLIC_ROUTES: set[tuple[str, str]] = set()


def api_routes(settings: Settings) -> list[tuple[str, str, Action | None]]:
    app = create_app(settings)
    found = []
    for route in _flatten(app.routes):
        if not route.path.startswith("/api/"):
            continue
        actions = [
            d.call.action  # type: ignore[union-attr]
            for d in route.dependant.dependencies
            if hasattr(d.call, "action")
        ]
        for method in sorted(route.methods):
            found.append((method, route.path, actions[0] if actions else None))
    app.state.plateward.db.dispose()
    return found


def _flatten(routes: Sequence[Any]) -> Iterator[APIRoute]:
    """APIRoutes, also those inside included routers (which FastAPI keeps as wrappers)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _flatten(route.original_router.routes)


def concrete(path: str) -> str:
    """A path with made-up parameters: the check must come before any lookup."""
    samples = {"read_id": str(uuid.uuid4()), "sha256": "0" * 64}
    return re.sub(r"\{(\w+)\}", lambda m: samples.get(m.group(1), "1"), path)


@pytest.fixture
def tokens(settings: Settings, server: str, train: Callable[..., None]) -> dict[str, str]:
    engine = open_database(settings.database_url())
    out: dict[str, str] = {}
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in Role:
            user = add_user(connection, username=f"authz_{role.value}", full_name=role.value,
                            role=role.value, agency_id=agency, password=PASSWORD)  # fmt: skip
            train(connection, user.id)  # the table is about roles; training has its own tests
            out[role.value] = issue_token(connection, user.id, "authz")
        for role in Role:
            novice = add_user(connection, username=f"authz_untrained_{role.value}",
                              full_name=role.value, role=role.value, agency_id=agency,
                              password=PASSWORD)  # fmt: skip
            out[f"untrained_{role.value}"] = issue_token(connection, novice.id, "authz")
        revoked = issue_token(connection, user.id, "old")
        connection.execute(update(api_tokens).where(api_tokens.c.name == "old")
                           .values(revoked_at=api_tokens.c.created_at))  # fmt: skip
        out["revoked"] = revoked
    engine.dispose()
    return out


def call(server: str, method: str, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params: dict[str, Any] = {"case_number": "26-000417"}
    url = f"{server}{concrete(path)}"
    if path.endswith("/stream"):
        # An open stream never ends: its status is the answer; a refusal's body is read.
        with httpx.stream(method, url, params=params, headers=headers, timeout=30) as response:
            if response.status_code != 200:
                response.read()
            return response
    return httpx.request(method, url, params=params, headers=headers,
                         json={} if method in ("POST", "PUT", "PATCH") else None, timeout=30)  # fmt: skip


def test_every_route_is_guarded(settings: Settings) -> None:
    unguarded = [
        (method, path)
        for method, path, action in api_routes(settings)
        if action is None and (method, path) not in CAMERA_ROUTES | PUBLIC_ROUTES
    ]
    assert unguarded == [], "API routes without require(...)"


def test_every_route_as_every_role(settings: Settings, server: str, tokens: dict[str, str]) -> None:
    checked = 0
    for method, path, action in api_routes(settings):
        if action is None:
            continue
        for who in (None, "revoked"):
            response = call(server, method, path, tokens[who] if who else None)
            assert response.status_code == 401, (method, path, who, response.text)
        for role in Role:
            response = call(server, method, path, tokens[role.value])
            if role in PERMISSIONS[action]:
                assert response.status_code not in (401, 403), (method, path, role, response.text)
            else:
                assert response.status_code == 403, (method, path, role, response.text)
            checked += 1
    assert checked >= 10 * len(Role)


def test_every_route_as_every_untrained_role(
    settings: Settings, server: str, tokens: dict[str, str]
) -> None:
    """Untrained: refused naming each missing course for data actions, else as if trained."""
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        catalog = list_courses(connection, active_only=True)
    engine.dispose()
    required = {role: [c.title for c in catalog if role in c.required_for] for role in Role}
    assert any(required.values()), "the catalog requires no course of anyone"
    refused_for_training = 0
    for method, path, action in api_routes(settings):
        if action is None:
            continue
        for role in Role:
            untrained = call(server, method, path, tokens[f"untrained_{role.value}"])
            where = (method, path, role, untrained.text)
            if role in PERMISSIONS[action] and action in NEEDS_TRAINING and required[role]:
                assert untrained.status_code == 403, where
                detail = untrained.json()["detail"]
                assert detail.startswith("training required: "), where
                assert all(title in detail for title in required[role]), where
                refused_for_training += 1
                continue
            trained = call(server, method, path, tokens[role.value])
            assert untrained.status_code == trained.status_code, where
            if trained.status_code in (401, 403):
                assert untrained.json() == trained.json(), where
    assert refused_for_training >= len(NEEDS_TRAINING)
