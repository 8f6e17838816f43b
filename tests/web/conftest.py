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


AGENCY_PASSWORD = "cobalt prairie falcon 42"
CENTRE = (38.58, -121.49)
"""Where the agency's fixed cameras stand; the reads of the map tests are around it."""
STAFF = {
    "user": "deputy1",
    "investigator": "invest1",
    "administrator": "admin1",
    "auditor": "auditor1",
    "internal_affairs": "ia1",
}


def _jpeg(text: str, size: tuple[int, int]) -> bytes:
    import cv2
    import numpy as np

    width, height = size
    image = np.full((height, width, 3), 235, np.uint8)
    cv2.rectangle(image, (2, 2), (width - 3, height - 3), (40, 40, 40), 2)
    scale = height / 60
    cv2.putText(image, text, (int(8 * scale), int(42 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                1.2 * scale, (20, 20, 20), max(1, int(3 * scale)))  # fmt: skip
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return bytes(encoded)


@pytest.fixture
def agency(settings: Settings, server: str, train: Callable[..., None]) -> dict[str, Any]:
    """An agency at work: one trained person per role (plus an untrained deputy), three cameras
    and reads with plate and context images: two of 7ABC123, a look-alike 7A8C123, sixty of
    6DEF456 (two pages), and 8CLN001 read 40 km apart five minutes apart (a clone)."""
    from plateward.store.images import ImageStore

    engine = open_database(settings.database_url())
    store = ImageStore(settings.data_dir / "images", settings.server.max_image_bytes)
    lat, lon = CENTRE
    with engine.begin() as connection:
        agency_id = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(connection, agency_id=agency_id, code="POLE-1", name="Main St at 5th",
                   latitude=lat, longitude=lon)  # fmt: skip
        add_camera(connection, agency_id=agency_id, code="POLE-2", name="River Rd bridge",
                   latitude=lat + 0.02, longitude=lon + 0.03)  # fmt: skip
        add_camera(connection, agency_id=agency_id, code="POLE-9", name="Highway 99 north",
                   latitude=lat + 0.36, longitude=lon + 0.05)  # fmt: skip
        for role, username in STAFF.items():
            person = add_user(connection, username=username, full_name=f"{role} one".title(),
                              role=role, agency_id=agency_id, password=AGENCY_PASSWORD)  # fmt: skip
            train(connection, person.id)
        add_user(connection, username="deputy2", full_name="Untrained Deputy", role="user",
                 agency_id=agency_id, password=AGENCY_PASSWORD)  # fmt: skip
        images: dict[str, tuple[bytes, bytes]] = {}
        for plate in ("7ABC123", "7A8C123", "6DEF456", "8CLN001", "5XYZ789"):
            images[plate] = (_jpeg(plate, (200, 60)), _jpeg(f"car {plate}", (640, 360)))

        def read(plate: str, when: dt.datetime, dlat: float = 0, dlon: float = 0,
                 confidence: float = 0.93) -> NewRead:  # fmt: skip
            # Stored for each read, as ingest does: one file, marked shared by the second.
            crop = store.put(connection, images[plate][0], f"{plate} crop", captured_at=when)
            context = store.put(connection, images[plate][1], f"{plate} context",
                                captured_at=when)  # fmt: skip
            return NewRead(
                uuid.uuid4(), when, plate, confidence, lat + dlat, lon + dlon, raw_text=plate,
                alternatives=[{"plate": plate[:-1] + "8", "confidence": 0.41}], region="us-ca",
                plate_image=crop, context_image=context,
            )  # fmt: skip

        first = [
            read("7ABC123", WHEN), read("7ABC123", WHEN + dt.timedelta(hours=1), 0.001),
            read("7A8C123", WHEN + dt.timedelta(hours=2)), read("5XYZ789", WHEN, 0.0005),
            read("8CLN001", WHEN),
        ]  # fmt: skip
        first += [read("6DEF456", WHEN - dt.timedelta(minutes=10 * i), 0.0001 * i)
                  for i in range(60)]  # fmt: skip
        store_reads(connection, 1, first)
        store_reads(connection, 2, [read("7ABC123", WHEN + dt.timedelta(hours=3), 0.02, 0.03)])
        store_reads(connection, 3, [read("8CLN001", WHEN + dt.timedelta(minutes=5), 0.36, 0.05)])
    engine.dispose()
    return {"password": AGENCY_PASSWORD, **STAFF, "untrained": "deputy2"}


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS_ENV = "PLATEWARD_SCREENSHOTS"
"""Set to 1 to retake the screenshots in docs/screenshots (committed; retake when pages change)."""


@pytest.fixture
def check_page() -> Callable[..., None]:
    """Run axe-core in the page and fail on "serious" or "critical" violations; optionally save
    a screenshot for docs/ (only with PLATEWARD_SCREENSHOTS=1, so test runs leave docs alone).

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern, so the pages keep ``script-src 'self'`` while they are checked.
    """
    source = AXE.read_text(encoding="utf-8")

    def check(page: Any, screenshot: str | None = None) -> None:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
        )
        bad = [v for v in found if v["impact"] in ("serious", "critical")]
        assert not bad, f"axe on {page.url}: {bad}"
        if screenshot and os.environ.get(SCREENSHOTS_ENV) == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            target = SCREENSHOTS / f"{screenshot}.png"
            page.screenshot(path=str(target), full_page=False)
            _shrink(target)

    return check


def _shrink(path: Path) -> None:
    """Screenshots are committed: three quarters of 1366x768 in 64 colours, a few dozen KB."""
    from PIL import Image

    with Image.open(path) as shot:
        small = shot.convert("RGB").resize((shot.width * 3 // 4, shot.height * 3 // 4))
    small.quantize(64, dither=Image.Dither.NONE).save(path, optimize=True)


@pytest.fixture
def laptop(browser: Any) -> Iterator[Any]:
    """A page in a 1366x768 window (the patrol-car laptop) that records script and CSP errors."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    context.set_default_timeout(30_000)  # a shared 2-core machine can be slow; a hang still fails
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()
