"""The data lifecycle and sharing pages, over HTTP as a browser posts them, on both databases.

The transparency page and its printable version for anyone; retention (dry run, run, the
destruction records), legal holds, evidence export, the agency registry and sharing requests
for the roles that may use them, each logged like its console command.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.store.database import open_database
from plateward.store.schema import reads

SignIn = Callable[[str, str], tuple[httpx.Client, httpx.Response]]


def actions(settings: Settings) -> list[str]:
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        found = list(
            connection.execute(select(access_log.c.action).order_by(access_log.c.id)).scalars()
        )
    engine.dispose()
    return found


def read_ids(settings: Settings, plate: str) -> list[str]:
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        found = [
            str(r)
            for r in connection.execute(select(reads.c.id).where(reads.c.plate == plate)).scalars()
        ]
    engine.dispose()
    return found


def test_the_transparency_page_is_public_and_from_the_system(
    server: str, agency: dict[str, Any]
) -> None:
    page = httpx.get(f"{server}/transparency", timeout=30)
    assert page.status_code == 200
    text = page.text
    assert "Reads without a hot list hit" in text and "30 days" in text  # retention.* settings
    assert re.search(r'id="count-cameras">3<', text)  # the fixture's three cameras
    assert re.search(r'id="count-reads">\d+<', text)
    assert "No data is shared with any other agency" in text
    assert "Never with federal agencies" in text and "immigration" in text
    assert "Detective" in text and "ALPR System Administrator" in text  # job titles
    assert "Deputies and technicians (user)" in text
    printable = httpx.get(f"{server}/transparency/print", timeout=30)
    assert printable.status_code == 200 and "/static/print.css" in printable.text
    assert 'class="bar"' not in printable.text  # no navigation on paper


def test_retention_dry_run_and_run_from_the_page(
    server: str, agency: dict[str, Any], http_sign_in: SignIn, token_in: Callable[[str], str],
    settings: Settings,
) -> None:  # fmt: skip
    auditor, _ = http_sign_in(agency["auditor"], agency["password"])
    page = auditor.get("/retention")
    assert page.status_code == 200 and "Reads with a hot list hit" in page.text
    assert "Destroy it now" not in page.text  # auditors look, administrators act
    dry = auditor.post("/retention", data={"csrf_token": token_in(page.text), "do": "dry",
                                            "as_of": ""})  # fmt: skip
    assert dry.status_code == 200 and 'id="dry-run"' in dry.text
    refused = auditor.post("/retention", data={"csrf_token": token_in(page.text), "do": "run"})
    assert refused.status_code == 403

    admin, _ = http_sign_in(agency["administrator"], agency["password"])
    page = admin.get("/retention")
    future = admin.post("/retention", data={"csrf_token": token_in(page.text), "do": "run",
                                             "as_of": "2099-01-01T00:00"})  # fmt: skip
    assert future.status_code == 400 and "time still to come" in future.text
    before = len(read_ids(settings, "6DEF456"))
    done = admin.post("/retention", data={"csrf_token": token_in(page.text), "do": "run",
                                           "as_of": ""})  # fmt: skip
    assert done.status_code == 200 and "Run 1: finished" in done.text
    assert 'id="runs"' in done.text
    assert len(read_ids(settings, "6DEF456")) < before  # the fixture's reads are old by now
    assert ["retention.dry_run", "retention.run"] == [
        a for a in actions(settings) if a.startswith("retention.")
    ]


def test_holds_and_evidence_from_the_pages(
    server: str, agency: dict[str, Any], http_sign_in: SignIn, token_in: Callable[[str], str],
    settings: Settings,
) -> None:  # fmt: skip
    investigator, _ = http_sign_in(agency["investigator"], agency["password"])
    page = investigator.get("/holds")
    assert page.status_code == 200
    placed = investigator.post("/holds", follow_redirects=True, data={
        "csrf_token": token_in(page.text), "case_number": "26-004211", "plate": "7ABC123",
        "captured_from": "2026-11-01T00:00", "captured_until": "2026-11-05T00:00",
        "reason": "burglary series"})  # fmt: skip
    assert placed.status_code == 200 and "Hold 1 placed" in placed.text
    assert "7ABC123" in placed.text
    again = investigator.post("/holds", data={
        "csrf_token": token_in(page.text), "case_number": "26-004211", "plate": "7ABC123",
        "captured_from": "2026-11-02T00:00", "captured_until": "2026-11-03T00:00"})  # fmt: skip
    assert again.status_code == 400 and "overlap" in again.text
    released = investigator.post("/holds/1/release", follow_redirects=True, data={"csrf_token": token_in(page.text),
                                                           "reason": "case closed"})  # fmt: skip
    assert released.status_code == 200 and "Hold 1 placed" not in released.text

    form = investigator.get("/evidence")
    assert form.status_code == 200
    ids = read_ids(settings, "7ABC123")
    missing = investigator.post("/evidence", data={
        "csrf_token": token_in(form.text), "case_number": "26-004211", "report_number": "",
        "read_ids": "\n".join(ids)})  # fmt: skip
    assert missing.status_code == 400 and "report number is required" in missing.text
    package = investigator.post("/evidence", data={
        "csrf_token": token_in(form.text), "case_number": "26-004211",
        "report_number": "26-004211-R1", "read_ids": "\n".join(ids)})  # fmt: skip
    assert package.status_code == 200, package.text
    assert package.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(package.content))
    assert json.loads(archive.read("custody.json"))["report_number"] == "26-004211-R1"
    assert {"hold.place", "hold.release", "evidence.export"} <= set(actions(settings))

    deputy, _ = http_sign_in(agency["user"], agency["password"])
    assert deputy.get("/evidence").status_code == 403  # deputies do not export
    assert deputy.get("/holds").status_code == 403


def test_agencies_and_sharing_requests_from_the_pages(
    server: str, agency: dict[str, Any], http_sign_in: SignIn, token_in: Callable[[str], str],
    settings: Settings,
) -> None:  # fmt: skip
    admin, _ = http_sign_in(agency["administrator"], agency["password"])
    page = admin.get("/agencies")
    assert page.status_code == 200 and "CCSO" in page.text
    token = token_in(page.text)
    for code, kind, state in (("CPD", "law_enforcement", "CA"), ("MALL", "private", "CA")):
        saved = admin.post("/agencies", data={"csrf_token": token, "existing": "", "code": code,
                                               "name": f"{code} name", "kind": kind,
                                               "state": state})  # fmt: skip
        assert saved.status_code == 200 and f"Agency {code} registered" in saved.text
    page = admin.get("/sharing")
    assert page.status_code == 200
    request = {"csrf_token": token_in(page.text), "purpose": "robbery series downtown, 2026",
               "kind_exact": "true", "kind_grid": "true", "ends_on": "2027-06-30"}  # fmt: skip
    refused = admin.post("/sharing", data={**request, "owner": "MALL",
                                           "purpose": "help ICE find visa overstays"})  # fmt: skip
    assert refused.status_code == 403 and "refused (immigration_enforcement)" in refused.text
    asked = admin.post("/sharing", data={**request, "owner": "CPD"}, follow_redirects=True)
    assert asked.status_code == 200 and "Sharing agreement 1 requested." in asked.text
    from_mall = admin.post("/sharing", data={**request, "owner": "MALL"}, follow_redirects=True)
    assert "Sharing agreement 2 requested." in from_mall.text  # a private owner may share
    assert "robbery series downtown" in asked.text
    unmotivated = admin.post("/sharing", data={**request, "owner": "CPD", "purpose": ""})
    assert unmotivated.status_code == 400 and "purpose is missing" in unmotivated.text
    assert actions(settings).count("sharing.request") == 3  # two requests and the refusal
    auditor, _ = http_sign_in(agency["auditor"], agency["password"])
    seen = auditor.get("/sharing")
    assert seen.status_code == 200 and "Send the request" not in seen.text


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_the_transparency_pages_pass_axe(
    page: Any, server: str, agency: dict[str, Any], check_page: Callable[..., None]
) -> None:
    for path in ("/transparency", "/transparency/print"):
        page.goto(f"{server}{path}")
        assert page.locator("h1").inner_text() == "ALPR usage and privacy policy"
        check_page(page)
