"""The alert console in Chromium: a read posted by a camera appears live, is checked, and a
stop is refused until both checks of policy A.7 are recorded."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from plateward.audit.actor import Actor
from plateward.hotlist.entries import entry_values
from plateward.hotlist.lists import ListSettings, add_entry, create_list
from plateward.settings import Settings
from plateward.store.cameras import add_camera
from plateward.store.database import open_database
from plateward.store.schema import agencies
from tests.web.browsing import follow, sign_in

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def camera_and_list(settings: Settings) -> str:
    """A camera of CCSO (its key) and a BOLO list holding 7XYZ321."""
    engine = open_database(settings.database_url())
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        agency = connection.execute(
            select(agencies.c.id).where(agencies.c.code == "CCSO")
        ).scalar_one()
        key = add_camera(connection, agency_id=agency, code="POLE-9", name="Fifth St",
                         latitude=38.58, longitude=-121.49)  # fmt: skip
        actor = Actor("sgt.ortiz", "CCSO")
        create_list(connection, actor, name="BOLO", source="agency_list", agency_id=agency,
                    settings=ListSettings())  # fmt: skip
        add_entry(connection, actor, "BOLO", entry_values(
            {"plate": "7XYZ321", "reason": "stolen_vehicle", "case_number": "26-004211",
             "vehicle_make": "HOND", "vehicle_color": "BLU"}, "entry", now,
            default_expires_at=now + dt.timedelta(days=1)))  # fmt: skip
    engine.dispose()
    return key


def test_a_read_appears_in_the_open_console_and_is_verified_before_a_stop(
    page: Any, server: str, settings: Settings, people: dict[str, str],
    check_page: Callable[..., None],
) -> None:  # fmt: skip
    key = camera_and_list(settings)
    sign_in(page, server, people["deputy"], people["password"])
    page.click("nav >> text=Alerts")
    page.wait_for_selector("#live-status:has-text('Live')")
    read = {"id": str(uuid.uuid4()), "captured_at": dt.datetime.now(dt.UTC).isoformat(),
            "plate": "7XYZ321", "confidence": 0.94, "latitude": 38.58, "longitude": -121.49,
            "plate_image": PNG_1PX}  # fmt: skip
    posted = time.monotonic()
    answer = httpx.post(f"{server}/api/v1/reads", json={"reads": [read]},
                        headers={"Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
    assert answer.json()["alerts"] == 1
    row = page.wait_for_selector("#alert-rows tr.new", timeout=5000)
    assert time.monotonic() - posted < 1.0, "the alert took more than a second to appear"
    assert "7XYZ321" in row.inner_text() and "Stolen vehicle" in row.inner_text()
    assert "New alert: 7XYZ321" in page.inner_text("#announce")
    check_page(page, "alerts")
    row.query_selector("a").click()

    assert page.inner_text("#entry-plate").strip() == "7XYZ321"
    assert page.inner_text("#case") == "26-004211"
    # The crop loads after the page; read its size once it is in (0 would be a broken image).
    page.wait_for_function("() => document.querySelector('img.crop').complete")
    assert page.locator("img.crop").evaluate("img => img.naturalWidth") == 1
    check_page(page, "alert")
    page.select_option("select[name=disposition]", "stop")
    page.click("text=Close the alert")
    assert "not verified" in page.inner_text("#error")
    assert "unverified" in page.inner_text("#status")

    page.check("input[value=match]")
    page.click("text=Record step 1")
    assert "plate matched" in page.inner_text("#status")
    page.check("input[value=confirmed]")
    page.fill("input[name=reference]", "CLETS-889")
    page.click("text=Record step 2")
    assert "verified" in page.inner_text("#status")
    page.select_option("select[name=disposition]", "stop")
    page.click("text=Close the alert")
    assert "closed" in page.inner_text("#status")
    assert page.inner_text("#disposition").startswith("Stop made (deputy1")


def test_an_untrained_deputy_is_turned_away_from_the_console(
    page: Any, server: str, people: dict[str, str]
) -> None:
    sign_in(page, server, people["untrained"], people["password"])
    response = page.goto(f"{server}/alerts")
    assert response.status == 403
    assert "training" in page.inner_text("main").lower()


def test_an_investigator_imports_a_list_and_reads_its_report(
    page: Any, server: str, settings: Settings, people: dict[str, str], tmp_path: Path,
    check_page: Callable[..., None], train: Callable[..., None],
) -> None:  # fmt: skip
    """The import form shows the report, rejected lines included; refusals stay on the page."""
    camera_and_list(settings)
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = connection.execute(
            select(agencies.c.id).where(agencies.c.code == "CCSO")
        ).scalar_one()
        from plateward.access.users import add_user

        person = add_user(connection, username="inv1", full_name="Investigator One",
                          role="investigator", agency_id=agency, password=people["password"])  # fmt: skip
        train(connection, person.id)
    engine.dispose()
    upload = tmp_path / "ncic.csv"
    upload.write_bytes("LIC,LIS,MKE,OCA\r\n8ABC123,CA,STOLEN VEHICLE,26-1\r\n"
                       "9DEF456,CA,IMMIGRATION VIOLATOR,\r\n".encode("latin-1"))  # fmt: skip
    sign_in(page, server, "inv1", people["password"])
    page.click("nav >> text=Hot lists")
    check_page(page, "hotlists")
    page.click("#lists >> text=BOLO")
    page.set_input_files("input[type=file]", str(upload))
    follow(page, "form[enctype='multipart/form-data'] button[type=submit]")
    report = page.inner_text("#report")
    assert "applied" in report and "added 1" in report and "rejected 1" in report
    assert "immigration enforcement is not a permitted use" in report
    assert [t.strip() for t in page.locator("#entries td.plate").all_inner_texts()] == [
        "7XYZ321", "8ABC123"]  # fmt: skip
    check_page(page, "hotlist")
    page.fill("form[action$='/entries'] input[name=plate]", "*")
    page.select_option("select[name=reason]", "bolo")
    page.click("text=Add the entry")
    assert "at least one known" in page.inner_text("#error")
