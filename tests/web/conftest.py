"""People and reads for the web pages, an httpx sign-in, and Debian's Chromium driven by Playwright.

Fixtures rather than helpers, because the suite runs with ``--import-mode=importlib``, where
test modules cannot import one another. The browser is the system's Chromium, never one that
Playwright downloads: its absence skips the browser tests, except in CI where it fails them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from plateward.access.users import add_user
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_log
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.reads import NewRead, store_reads

PASSWORD = "quartz meadow lantern 58"
WHEN = dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def people(settings: Settings, server: str, train: Callable[..., None]) -> dict[str, str]:
    """Deputies trained and not, an auditor (password ``PASSWORD``), three reads on one camera."""
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
        for username, role in (("deputy1", "user"), ("auditor1", "auditor")):
            person = add_user(connection, username=username, full_name=f"{role} one", role=role,
                              agency_id=agency, password=PASSWORD)  # fmt: skip
            train(connection, person.id)
        add_user(connection, username="deputy2", full_name="untrained deputy", role="user",
                 agency_id=agency, password=PASSWORD)  # fmt: skip
        store_reads(
            connection,
            1,
            [
                NewRead(uuid.uuid4(), WHEN, "7ABC123", 0.95, 38.58, -121.49),
                NewRead(uuid.uuid4(), WHEN + dt.timedelta(hours=1), "7ABC123", 0.9, 38.60, -121.4),
                NewRead(uuid.uuid4(), WHEN, "5XYZ789", 0.9, 38.58, -121.49),
            ],
        )
    engine.dispose()
    return {
        "deputy": "deputy1",
        "untrained": "deputy2",
        "auditor": "auditor1",
        "password": PASSWORD,
    }


@pytest.fixture
def log_rows(settings: Settings) -> Callable[[], list[dict[str, Any]]]:
    """The access log so far, after checking its hash chain is intact."""

    def rows() -> list[dict[str, Any]]:
        engine = open_database(settings.database_url())
        with engine.connect() as connection:
            found = [dict(r._mapping) for r in connection.execute(select(access_log))]
            assert verify_log(connection).intact
        engine.dispose()
        return found

    return rows


@pytest.fixture
def http_sign_in(
    server: str,
) -> Iterator[Callable[[str, str], tuple[httpx.Client, httpx.Response]]]:
    """Sign in as a browser would, with httpx: fetch the form, post it with its token."""
    clients: list[httpx.Client] = []

    def sign_in(username: str, password: str) -> tuple[httpx.Client, httpx.Response]:
        client = httpx.Client(base_url=server, timeout=30)
        clients.append(client)
        form = client.get("/login")
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": form_token(form.text)},
        )
        return client, response

    yield sign_in
    for client in clients:
        client.close()


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


@pytest.fixture
def token_in() -> Callable[[str], str]:
    return form_token


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests (apt-get chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own browser context: no cookies from another test."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
