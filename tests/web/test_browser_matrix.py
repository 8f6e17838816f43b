"""The role x page matrix walked in Chromium: every page without parameters, as every role
(and an untrained deputy), shows or refuses exactly what the permission table says, the bar
offers exactly the pages the role may open, and each page shown passes axe-core.

The pages come from the application (``page_for`` on each route), the expectations from
``access/roles.py`` and the training gate, so a new page is walked without being listed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from fastapi.routing import APIRoute

from plateward.access.roles import NEEDS_TRAINING, PERMISSIONS, Action, Role
from plateward.settings import Settings
from plateward.web.app import create_app

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _flatten(routes: Sequence[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _flatten(route.original_router.routes)


def get_pages(settings: Settings) -> list[tuple[str, Action | None]]:
    app = create_app(settings)
    found = []
    for route in _flatten(app.routes):
        if "GET" not in route.methods:
            continue
        if route.path.startswith("/api/") or "{" in route.path or route.path == "/healthz":
            continue
        checks = [d.call for d in route.dependant.dependencies if hasattr(d.call, "action")]
        if checks:
            found.append((route.path, checks[0].action))  # type: ignore[attr-defined]
    app.state.plateward.db.dispose()
    return found


@SQLITE_ONLY
def test_every_page_as_every_role_in_the_browser(
    browser: Any, server: str, agency: dict[str, str], settings: Settings,
    check_page: Callable[..., None],
) -> None:  # fmt: skip
    pages = get_pages(settings)
    assert len(pages) >= 10
    people = [(Role(role), agency[role], True) for role in (r.value for r in Role)]
    people.append((Role.USER, agency["untrained"], False))
    checked_by_axe: set[str] = set()
    for role, username, trained in people:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(f"{server}/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", agency["password"])
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        bar = page.eval_on_selector_all("nav[aria-label=Main] a", "as => as.map(a => a.pathname)")
        for path, action in pages:
            response = page.goto(f"{server}{path}")
            where = (username, path)
            allowed = action is None or role in PERMISSIONS[action]
            needs_training = action in NEEDS_TRAINING and not trained
            if not allowed:
                assert response.status == 403, where
                assert f"may not {action.value}" in page.inner_text(".error"), where
            elif needs_training:
                assert response.status == 403, where
                assert "training required" in page.inner_text(".error"), where
            else:
                assert response.status == 200, where
                assert page.locator("h1").count() == 1, where
                if path not in checked_by_axe:
                    check_page(page)
                    checked_by_axe.add(path)
            if path in bar:
                assert allowed, f"{username} is offered {path} but may not open it"
            elif action is not None and allowed and re.fullmatch(r"/[a-z/-]*", path):
                from plateward.web.nav import NAV_LINKS

                assert path not in {link.href for link in NAV_LINKS}, where
        context.close()
    assert checked_by_axe >= {path for path, _ in pages}
