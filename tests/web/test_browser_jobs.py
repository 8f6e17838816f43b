"""Each role's job done in Chromium, as a person would: keyboard and mouse, real pages, real
downloads, and axe-core on every page seen. SQLite only: the pages are the same on both
back-ends, and the httpx tests (test_result_pages.py, test_page_guards.py) run on both.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from plateward.access.totp import enable_totp, provisioning_uri
from plateward.access.users import user_by_name
from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.store.database import open_database
from tests.web.browsing import follow, sign_in

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
Check = Callable[..., None]
WHY = "26-004211"


def search(page: Any, server: str, plate: str, *, tolerant: bool = False) -> None:
    page.goto(f"{server}/search")
    page.fill("input[name=plate]", plate)
    if tolerant:
        page.check("input[name=tolerant]")
    page.fill("input[name=case_number]", WHY)
    page.click("main button[type=submit]")
    page.wait_for_url("**/results/*")


def log(settings: Settings) -> list[dict[str, Any]]:
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(access_log))]
    engine.dispose()
    return rows


def images_loaded(page: Any, selector: str) -> list[int]:
    """Each image's natural width once it has loaded (0: it failed)."""
    page.wait_for_function(
        "s => Array.from(document.querySelectorAll(s)).every(i => i.complete)", arg=selector
    )
    return page.eval_on_selector_all(selector, "els => els.map(e => e.naturalWidth)")


@SQLITE_ONLY
def test_second_factor_search_open_a_read_and_export(
    laptop: Any, server: str, agency: dict[str, str], settings: Settings, check_page: Check
) -> None:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        secret = enable_totp(connection, user_by_name(connection, agency["investigator"]).id)
    engine.dispose()
    totp = pyotp.parse_uri(provisioning_uri(secret, agency["investigator"]))
    page = laptop
    sign_in(page, server, agency["investigator"], agency["password"], lands="/login/code")
    check_page(page)
    page.fill("input[name=code]", totp.now())
    page.press("input[name=code]", "Enter")
    page.wait_for_url(f"{server}/")
    check_page(page, "home")
    search(page, server, "7abc123")
    assert page.inner_text("#result-count") == "3 reads"
    assert images_loaded(page, "img.thumb") and all(w > 0 for w in images_loaded(page, "img.thumb"))
    # Times in the agency's zone (Los Angeles, PST in November), the UTC instant on hover.
    first_time = page.locator("#reads time").first
    assert first_time.inner_text().endswith("PST")
    assert first_time.get_attribute("title").endswith("UTC")
    check_page(page, "search-results")
    page.click("#reads tbody tr:nth-child(3) td.plate a")
    page.wait_for_url("**/reads/*")
    assert page.inner_text("h1") == "Read 7ABC123"
    widths = images_loaded(page, ".images img")
    assert widths == [200, 640], widths  # plate and context image at full size
    check_page(page, "read")
    page.click("text=Back to the results")
    with page.expect_download() as download:
        page.click("text=Export CSV")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [r["plate"] for r in rows] == ["7ABC123"] * 3
    assert all(r["captured_at"].endswith("+00:00") for r in rows)  # exports keep UTC
    with page.expect_download() as download:
        page.click("text=Export GeoJSON")
    features = json.loads(download.value.path().read_text(encoding="utf-8"))["features"]
    assert len(features) == 3 and features[0]["geometry"]["type"] == "Point"
    entries = [e for e in log(settings) if e["username"] == agency["investigator"]]
    actions = [e["action"] for e in entries]
    assert actions == ["login", "search.plate", "read.view", "image.view", "image.view",
                       "export.csv", "export.geojson"]  # fmt: skip
    assert all(e["case_number"] == WHY for e in entries[1:])
    assert entries[-2]["result_count"] == 3
    assert not page.problems, page.problems  # no script error, no CSP refusal


@SQLITE_ONLY
def test_tolerant_search_marks_what_differs_and_results_page(
    laptop: Any, server: str, agency: dict[str, str], check_page: Check
) -> None:
    page = laptop
    sign_in(page, server, agency["user"], agency["password"])
    search(page, server, "7ABC123", tolerant=True)
    marked = page.locator("td.plate mark")
    assert marked.count() == 1 and marked.inner_text() == "8"
    check_page(page)
    search(page, server, "6DEF456")
    assert page.inner_text("#result-count") == "60 reads"
    assert page.locator("#reads tbody tr").count() == 50
    follow(page, "text=Next")
    assert page.locator("#reads tbody tr").count() == 10
    assert "Page 2 of 2" in page.inner_text(".pager")
    # A deputy may not export (policy: investigators and administrators).
    assert page.locator("text=Export CSV").count() == 0


@SQLITE_ONLY
def test_keyboard_alone_and_a_phone(
    browser: Any, server: str, agency: dict[str, str], check_page: Check
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/")
    page.keyboard.type(agency["user"])  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(agency["password"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(f"{server}/search")
    # The plate field takes the focus by itself; typing before it has would lose keys.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'plate'")
    page.keyboard.type("7ABC123")
    page.focus("input[name=case_number]")
    page.keyboard.type(WHY)
    page.keyboard.press("Enter")
    page.wait_for_url("**/results/*")
    assert page.inner_text("#result-count") == "3 reads"
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not wide, "the results page scrolls sideways on a phone"
    check_page(page)
    context.close()


@SQLITE_ONLY
def test_grid_search_drawn_on_the_map(
    laptop: Any, server: str, agency: dict[str, str], check_page: Check
) -> None:
    page = laptop
    sign_in(page, server, agency["investigator"], agency["password"])
    page.goto(f"{server}/map/grid")
    page.wait_for_selector("#map.leaflet-container")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("input[name=latitude]") != ""
    # The click's point is where the map was centred; type the exact camera site instead.
    page.fill("input[name=latitude]", "38.58")
    page.fill("input[name=longitude]", "-121.49")
    page.fill("input[name=radius_m]", "300")
    page.fill("input[name=start]", "2026-11-01T00:00")
    page.fill("input[name=end]", "2026-11-03T00:00")
    page.fill("textarea[name=reason]", "robbery at Main St and 5th, suspect vehicle unknown")
    check_page(page)
    page.click("main button[type=submit]")
    page.wait_for_url("**/results/*")
    count = int(page.inner_text("#result-count").split()[0])
    assert count > 0
    page.wait_for_selector(f'#map[data-reads-drawn="{count}"]')
    assert page.locator("#map path.leaflet-interactive").count() >= count  # reads + circle
    assert page.inner_text("#map + [role=status]") == f"{count} read(s) on the map."
    check_page(page, "grid-results")
    assert not page.problems, page.problems


@SQLITE_ONLY
def test_a_plates_timeline_and_a_clone(
    laptop: Any, server: str, agency: dict[str, str], check_page: Check
) -> None:
    page = laptop
    sign_in(page, server, agency["investigator"], agency["password"])
    page.goto(f"{server}/timeline")
    page.fill("input[name=plate]", "7ABC123")
    page.fill("input[name=case_number]", WHY)
    page.click("main button[type=submit]")
    page.wait_for_url("**/results/*")
    times = page.eval_on_selector_all("#reads time", "els => els.map(e => e.dateTime)")
    assert len(times) == 3 and times == sorted(times)  # oldest first
    page.wait_for_selector('#map[data-reads-drawn="3"]')  # fetched after the page painted
    assert page.locator('#map path[stroke-dasharray="4 4"]').count() == 1  # the path joining them
    check_page(page, "timeline")
    page.goto(f"{server}/cloned")
    page.fill("input[name=plate]", "8CLN001")
    page.fill("input[name=case_number]", WHY)
    page.click("main button[type=submit]")
    page.wait_for_url("**/results/*")
    assert page.locator("section.card").count() == 1
    assert {"POLE-1", "POLE-9"} <= set(page.locator("mark.differs").all_inner_texts())
    check_page(page, "cloned")


@SQLITE_ONLY
def test_add_a_user_and_a_camera(
    laptop: Any, server: str, agency: dict[str, str], settings: Settings, check_page: Check
) -> None:
    page = laptop
    sign_in(page, server, agency["administrator"], agency["password"])
    page.goto(f"{server}/admin/users")
    check_page(page, "users")
    page.fill("input[name=username]", "jdoe")
    page.fill("input[name=full_name]", "Jane Doe")
    page.select_option("select[name=role]", "investigator")
    page.fill("input[name=password]", "juniper canyon otter 19")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(f"{server}/admin/users/jdoe?done=added")
    page.fill("input[name=name]", "records system")
    page.get_by_role("button", name="Issue an API token").click()
    token = page.inner_text("#secret-value")
    assert token.startswith("pwu_")
    check_page(page)
    page.get_by_role("button", name="Disable account").click()
    assert "disabled since" in page.inner_text(".facts")
    page.goto(f"{server}/admin/cameras")
    page.fill("input[name=code]", "POLE-77")
    page.fill("input[name=name]", "Oak Ave")
    page.fill("input[name=latitude]", "38.61")
    page.fill("input[name=longitude]", "-121.45")
    page.get_by_role("button", name="Add camera").click()
    key = page.inner_text("#camera-key")
    assert key.startswith("pwc_")
    check_page(page)
    page.click("button[aria-label='Revoke the key of POLE-77']")
    assert "revoked" in page.inner_text(".notice")
    mine = [(e["action"], e["query"].get("username") or e["query"].get("camera"))
            for e in log(settings) if e["username"] == agency["administrator"]]  # fmt: skip
    assert mine[1:] == [("user.add", "jdoe"), ("user.token.add", "jdoe"),
                        ("user.disable", "jdoe"), ("camera.add", "POLE-77"),
                        ("camera.revoke", "POLE-77")]  # fmt: skip
    assert token not in json.dumps([e["query"] for e in log(settings)])  # never in the log


@SQLITE_ONLY
def test_draw_an_audit_sample_and_review_it(
    laptop: Any, browser: Any, server: str, agency: dict[str, str], settings: Settings,
    check_page: Check,
) -> None:  # fmt: skip
    deputy = browser.new_context().new_page()
    sign_in(deputy, server, agency["user"], agency["password"])
    for plate in ("7ABC123", "5XYZ789"):
        search(deputy, server, plate)
    deputy.context.close()
    page = laptop
    sign_in(page, server, agency["auditor"], agency["password"])
    page.goto(f"{server}/audits")
    page.fill("input[name=period]", "2026H2")
    page.fill("input[name=size]", "5")
    check_page(page)
    page.get_by_role("button", name="Draw", exact=True).click()
    page.wait_for_url("**/audits/*")
    assert page.inner_text("#reviewed") == "0 of 2 reviewed"
    first, second = page.locator("section.card form").all()
    first.locator("input[value=compliant]").check()
    first.locator("button").click()
    page.wait_for_url("**done=reviewed*")
    second = page.locator("section.card form").nth(1)
    second.locator("input[value=follow_up]").check()
    second.locator("textarea").fill("ask the deputy which call this was for")
    second.locator("button").click()
    assert page.inner_text("#reviewed") == "2 of 2 reviewed"
    check_page(page, "audit")
    page.get_by_role("button", name="Close the audit").click()
    assert "Audit closed." in page.inner_text(".notice")
    page.get_by_role("link", name="Report", exact=True).click()
    assert "follow up" in page.inner_text("main").lower()
    check_page(page)
    actions = [e["action"] for e in log(settings) if e["username"] == agency["auditor"]]
    assert actions[1:] == ["audit.sample", "audit.view", "audit.review", "audit.view",
                           "audit.review", "audit.view", "audit.close", "audit.view",
                           "audit.report"]  # fmt: skip


@SQLITE_ONLY
def test_access_log_filters_and_the_chain(
    laptop: Any, server: str, agency: dict[str, str], check_page: Check
) -> None:
    page = laptop
    sign_in(page, server, agency["user"], agency["password"])
    search(page, server, "7ABC123")
    # A request of the results page still in flight could set cookies again after the clear,
    # and the next sign-in form would then be refused as expired (seen once under load).
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    sign_in(page, server, agency["internal_affairs"], agency["password"])
    shown = page.goto(f"{server}/access-log")
    assert shown.status == 200, page.inner_text("main")
    page.fill("input[name=case_number]", WHY)
    follow(page, "button:has-text('Filter')")
    rows = page.locator("#log tbody tr")
    assert rows.count() == 1 and "search.plate" in rows.inner_text()
    page.get_by_role("button", name="Verify the log now").click()
    assert "intact" in page.inner_text("#verdict")
    check_page(page, "access-log")


@SQLITE_ONLY
def test_an_untrained_deputy_is_turned_away(
    laptop: Any, server: str, agency: dict[str, str], settings: Settings, check_page: Check
) -> None:
    page = laptop
    sign_in(page, server, agency["untrained"], agency["password"])
    assert "training is not current" in page.inner_text("main")
    response = page.goto(f"{server}/search")
    assert response.status == 403
    assert "training required" in page.inner_text(".error")
    check_page(page)
    assert [e["action"] for e in log(settings) if e["username"] == "deputy2"] == ["login"]
