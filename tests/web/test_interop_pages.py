"""Pages for what came from other vendors' systems: vendor cameras and heartbeats on the cameras
page, and a previous system's imported access history."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from plateward.access.users import add_user
from plateward.audit.actor import Actor
from plateward.audit.imported import import_history
from plateward.settings import Settings
from plateward.store.camera_sources import add_source, record_heartbeat
from plateward.store.cameras import add_camera, camera_by_code, ensure_agency
from plateward.store.database import open_database

SAMPLES = Path(__file__).resolve().parents[1] / "ingest" / "samples"
FLOCK_AUDIT = SAMPLES / "flock_audit.csv"
PASSWORD = "quartz meadow lantern 58"


def _rows(html: str, table: str) -> list[list[str]]:
    """The cells' text of a table's body rows."""
    found = re.search(rf'<table[^>]*id="{table}".*?<tbody>(.*?)</tbody>', html, re.DOTALL)
    assert found, f"no table {table} in the page"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.DOTALL)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL) for row in rows]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row] for row in cells]


@pytest.fixture
def vendor_site(settings: Settings, server: str, train: Callable[..., None]) -> str:
    """An agent's camera POLE-1 that posted a group and a heartbeat, its second stream mapped
    to POLE-2 (last heard from an hour ago), an administrator ``admin1``; returns the server."""
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        key = add_camera(connection, agency_id=agency, code="POLE-1", name="Main St NB",
                         latitude=38.5, longitude=-121.5)  # fmt: skip
        add_camera(connection, agency_id=agency, code="POLE-2", name="Main St SB",
                   latitude=38.6, longitude=-121.4)  # fmt: skip
        admin = add_user(connection, username="admin1", full_name="Admin One",
                         role="administrator", agency_id=agency, password=PASSWORD)  # fmt: skip
        train(connection, admin.id)
    group: dict[str, Any] = json.loads((SAMPLES / "openalpr_group.json").read_text())
    heartbeat = json.loads((SAMPLES / "openalpr_heartbeat.json").read_text())
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {key}"}) as agent:
        assert agent.post("/api/v1/vendors/openalpr", json=group).status_code == 200
        assert agent.post("/api/v1/vendors/openalpr", json=heartbeat).status_code == 200
    with engine.begin() as connection:
        add_source(connection, via="POLE-1", system="openalpr",
                   source="Xm2nQ8fLk4pR7sT1vW3y:1414799425", camera="POLE-2",
                   label="Main St SB")  # fmt: skip
        # A stream heard from an hour ago: silent, whatever it said then.
        record_heartbeat(
            connection, camera_id=camera_by_code(connection, "POLE-2").id, system="openalpr",
            source="Xm2nQ8fLk4pR7sT1vW3y:1414799425",
            received_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), reported_at=None,
            streaming=True, detail={},
        )  # fmt: skip
    import_history(engine, FLOCK_AUDIT, system="flock", actor=Actor("admin1", "CCSO", "cli"))
    engine.dispose()
    return server


def test_the_cameras_page_shows_vendor_cameras_and_heartbeats(
    vendor_site: str,
    http_sign_in: Callable[[str, str], tuple[httpx.Client, httpx.Response]],
) -> None:
    client, signed_in = http_sign_in("admin1", PASSWORD)
    assert signed_in.status_code in (200, 303), signed_in.text
    page = client.get("/admin/cameras")
    assert page.status_code == 200
    assert _rows(page.text, "vendor-sources") == [
        ["POLE-1", "openalpr", "Xm2nQ8fLk4pR7sT1vW3y:1414799424", "POLE-1", "Main St NB / pole-1"],
        ["POLE-1", "openalpr", "Xm2nQ8fLk4pR7sT1vW3y:1414799425", "POLE-2", "Main St SB"],
    ]
    health = [(r[0], r[2], r[4]) for r in _rows(page.text, "camera-health")]
    assert health == [
        ("POLE-1", "Xm2nQ8fLk4pR7sT1vW3y", "not streaming"),  # one of its streams is down
        ("POLE-1", "Xm2nQ8fLk4pR7sT1vW3y:1414799424", "streaming"),
        ("POLE-2", "Xm2nQ8fLk4pR7sT1vW3y:1414799425", "silent"),
    ]
    assert "hunter2" not in page.text  # stream URLs hold camera passwords; never kept


def test_an_auditor_reads_the_imported_history_apart_from_the_log(
    settings: Settings,
    server: str,
    train: Callable[..., None],
    http_sign_in: Callable[[str, str], tuple[httpx.Client, httpx.Response]],
    log_rows: Callable[[], list[dict[str, Any]]],
) -> None:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for username, role in (("auditor1", "auditor"), ("deputy1", "user")):
            person = add_user(connection, username=username, full_name=role, role=role,
                              agency_id=agency, password=PASSWORD)  # fmt: skip
            train(connection, person.id)
    import_history(engine, FLOCK_AUDIT, system="flock", actor=Actor("admin1", "CCSO", "cli"))
    engine.dispose()

    auditor, _ = http_sign_in("auditor1", PASSWORD)
    assert 'href="/access-log/imported"' in auditor.get("/access-log").text
    everything = auditor.get("/access-log/imported")
    assert everything.status_code == 200
    assert [(r[2], r[4]) for r in _rows(everything.text, "imported")] == [
        ("J. Alvarez County Sheriff CA", "7ABC123"),
        ("*** [Federal] Example Agency", ""),  # a redacted plate is no plate
        ("K. Osei County Sheriff CA", "8XYZ987"),
    ]
    one = auditor.get("/access-log/imported", params={"plate": "7abc-123", "system": "flock"})
    [row] = _rows(one.text, "imported")
    assert row[1] == "imported flock"
    assert row[5] == "25-118822 · Stolen vehicle"
    assert row[7].startswith("flock_audit.csv line 2 by admin1")
    bad = auditor.get("/access-log/imported", params={"start": "yesterday"})
    assert bad.status_code == 400 and "give a date and time" in bad.text
    deputy, _ = http_sign_in("deputy1", PASSWORD)
    assert deputy.get("/access-log/imported").status_code == 403
    reads = [e for e in log_rows() if e["action"] == "audit.read_imported_history"]
    assert [(e["username"], e["query"], e["result_count"]) for e in reads] == [
        ("auditor1", {}, 3),
        ("auditor1", {"plate": "7abc-123", "system": "flock"}, 1),
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_both_pages_in_the_browser(
    vendor_site: str, laptop: Any, check_page: Callable[..., None]
) -> None:
    """Both pages as an administrator sees them in Chromium, checked by axe."""
    laptop.goto(f"{vendor_site}/")
    laptop.fill("input[name=username]", "admin1")
    laptop.fill("input[name=password]", PASSWORD)
    with laptop.expect_navigation():
        laptop.press("input[name=password]", "Enter")
    laptop.goto(f"{vendor_site}/admin/cameras")
    assert laptop.locator("#camera-health .tag.bad", has_text="silent").count() == 1
    check_page(laptop)
    laptop.goto(f"{vendor_site}/access-log")
    laptop.click("text=imported access history")
    laptop.fill("input[name=plate]", "8XYZ987")
    with laptop.expect_navigation():
        laptop.click("button:has-text('Filter')")
    assert laptop.locator("#imported tbody tr").count() == 1
    assert "Missing person" in laptop.inner_text("#imported")
    check_page(laptop)
    assert not laptop.problems
