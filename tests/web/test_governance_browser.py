"""The governance workflows in Chromium: Internal Affairs works a records request, the
administrator authorizes a repair, and a deputy cannot see the queue.

SQLite only: the pages are the same on both back-ends, and tests/web/test_governance_pages.py
runs them over HTTP on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from plateward.access.users import add_user
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from tests.web.browsing import follow, sign_in

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PASSWORD = "copper willow signal 64"


@pytest.fixture
def staff(settings: Settings, server: str) -> None:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(
            connection,
            agency_id=agency,
            code="UNIT-4471",
            name="Car 4471 left",
            kind="vehicle",
            vehicle_id="4471",
        )
        for username, role in (
            ("deputy1", "user"),
            ("ia1", "internal_affairs"),
            ("ia2", "internal_affairs"),
            ("admin1", "administrator"),
        ):
            add_user(
                connection,
                username=username,
                full_name=username,
                role=role,
                agency_id=agency,
                password=PASSWORD,
            )
    engine.dispose()


@pytest.fixture
def open_as(browser: Any, server: str, staff: None) -> Iterator[Any]:
    """``open_as(username)``: a signed-in page in a browser context of its own."""
    contexts: list[Any] = []

    def signed_in(username: str) -> Any:
        context = browser.new_context()
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, server, username, PASSWORD)
        return page

    yield signed_in
    for context in contexts:
        context.close()


@SQLITE_ONLY
def test_internal_affairs_works_a_request_a_deputy_took_at_the_counter(
    open_as: Any, server: str, tmp_path: Path, check_page: Callable[..., None]
) -> None:
    deputy = open_as("deputy1")
    deputy.click("nav >> text=New records request")
    deputy.fill("input[name=requester_name]", "Dana Reporter")
    deputy.fill("textarea[name=requester_contact]", "dana@example.org")
    deputy.select_option("select[name=reply_by]", "email")
    deputy.fill("textarea[name=description]", "Every ALPR camera site in the county")
    deputy.click("main button[type=submit]")
    assert "Request 1 received" in deputy.inner_text("h1")
    assert "sent to Internal Affairs" in deputy.inner_text("#receipt")

    ia = open_as("ia1")
    follow(ia, "nav >> text=Records requests")
    assert ia.locator("#queue tbody tr").count() == 1
    assert "Dana Reporter" in ia.inner_text("#queue")
    ia.click("#queue >> text=1")
    assert ia.inner_text("#contact") == "dana@example.org"
    check_page(ia)
    ia.fill("#assign-form input[name=username]", "deputy1")
    ia.click("#assign-form button")
    assert "assign someone in Internal Affairs" in ia.inner_text(".error")
    ia.fill("#assign-form input[name=username]", "ia2")
    ia.click("#assign-form button")
    assert ia.inner_text("#assigned") == "ia2"
    ia.fill("#note-form textarea", "Asked the Technical Services Unit for the site list.")
    ia.click("#note-form button")
    ia.fill("#extend-form textarea", "The records must be gathered from the substations.")
    ia.click("#extend-form button")
    assert "extended from" in ia.inner_text("main")
    assert ia.locator("#extend-form").count() == 0  # once only
    letter = tmp_path / "sites.pdf"
    letter.write_bytes(b"%PDF-1.4 camera sites\n%%EOF\n")
    ia.set_input_files("#file-form input[name=file]", str(letter))
    ia.click("#file-form button")
    assert "sites.pdf" in ia.inner_text("main")
    ia.select_option("#close-form select[name=outcome]", "released")
    ia.fill("#close-form textarea", "The site list was e-mailed to the requester.")
    ia.click("#close-form button")
    assert ia.inner_text("#status") == "closed"
    assert "released" in ia.inner_text("#response")
    assert ia.locator("#close-form").count() == 0
    check_page(ia)
    history = ia.inner_text(".history")
    for kind in ("received", "assigned", "note", "extended", "file", "closed"):
        assert kind in history


@SQLITE_ONLY
def test_the_administrator_authorizes_a_repair_before_it_starts(
    open_as: Any, server: str, check_page: Callable[..., None]
) -> None:
    deputy = open_as("deputy1")
    deputy.click("nav >> text=Maintenance")
    deputy.select_option("#report-form select[name=camera]", "UNIT-4471")
    deputy.fill("#report-form textarea", "Camera housing cracked after a collision.")
    deputy.click("#report-form button")
    assert "Maintenance ticket 1" in deputy.inner_text("h1")
    assert "Waiting for the administrator to assess it" in deputy.inner_text("#waiting")
    assert deputy.locator("#authorize-form").count() == 0  # a deputy gets no admin forms

    admin = open_as("admin1")
    assert "waiting for your authorization" not in admin.inner_text("main")
    admin.goto(deputy.url)
    admin.select_option("#assess-form select", "repair")
    admin.click("#assess-form button")
    admin.goto(f"{server}/")
    assert "1 repair waiting for your authorization" in admin.inner_text("#flags")
    admin.click("#flags >> text=waiting for your authorization")
    admin.click("#tickets >> text=1")
    assert "until the administrator authorizes it (policy E.1)" in admin.inner_text("#waiting")
    assert admin.locator("#start-form").count() == 0  # the server refuses it too: pages test
    check_page(admin)
    assert admin.inner_text("#status") == "open"
    admin.fill("#authorize-form input[name=note]", "Approved: replace the housing.")
    admin.click("#authorize-form button")
    assert "by admin1" in admin.inner_text("#authorized")
    assert admin.locator("#authorize-form").count() == 0  # no second authorization
    assert admin.locator("#waiting").count() == 0
    admin.fill("#start-form input[name=performed_by]", "TSU: J. Park")
    admin.click("#start-form button")
    assert admin.inner_text("#status") == "started"
    admin.fill("#complete-form textarea", "Housing replaced, camera re-aimed.")
    admin.click("#complete-form button")
    assert admin.inner_text("#status") == "done"
    assert "TSU: J. Park" in admin.inner_text("#work")
    check_page(admin)


@SQLITE_ONLY
def test_a_deputy_cannot_see_the_records_queue(open_as: Any, server: str) -> None:
    deputy = open_as("deputy1")
    links = deputy.locator("nav a").all_inner_texts()
    assert "New records request" in links and "Records requests" not in links
    assert "Breaches" not in links and "Camera health" not in links
    deputy.goto(f"{server}/records")
    assert deputy.inner_text("h1") == "Not allowed"
    assert "may not work_records_requests" in deputy.inner_text(".error")
    deputy.goto(f"{server}/records/1")
    assert "may not work_records_requests" in deputy.inner_text(".error")


@SQLITE_ONLY
def test_internal_affairs_records_a_breach_and_drafts_its_notice(
    open_as: Any, check_page: Callable[..., None]
) -> None:
    ia = open_as("ia1")
    ia.click("nav >> text=Breaches")
    ia.click("text=Record an incident")
    ia.fill("input[name=title]", "Export on a lost USB stick")
    ia.fill("input[name=discovered_at]", "2026-11-20T09:30")
    ia.fill("input[name=discovered_by]", "Lt. Ortiz")
    ia.fill("textarea[name=what_happened]", "A USB stick holding an export of reads was lost.")
    ia.fill("textarea[name=systems_involved]", "Plateward export")
    ia.check("input[value=plate_reads]")
    ia.fill("input[name=data_from]", "2026-10-01T00:00")
    ia.fill("input[name=occurred_from]", "2026-11-21T00:00")  # after its discovery
    ia.click("main button[type=submit]")
    assert "before occurred_from" in ia.inner_text(".error")
    check_page(ia)  # the form again, with the error and what was typed
    ia.fill("input[name=occurred_from]", "")
    ia.click("main button[type=submit]")
    assert ia.inner_text("#status") == "open"
    assert "Access log verified" in ia.inner_text("#chain")
    check_page(ia)
    ia.fill("#edit-form input[name=people_affected]", "812")
    ia.fill("#edit-form textarea[name=contact]", "Records Unit, 555-0100")
    ia.click("#edit-form button")
    assert ia.inner_text("#people") == "812"
    follow(ia, "#notice-link")
    assert ia.inner_text("h1") == "Notice of Data Breach"
    assert "812 California residents" in ia.inner_text("#reminders")
    headings = ia.locator("#notice h2").all_inner_texts()
    assert headings == [
        "What Happened",
        "What Information Was Involved",
        "What We Are Doing",
        "What You Can Do",
        "For More Information",
    ]
    check_page(ia)
