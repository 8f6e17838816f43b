"""The audit API over real HTTP: who may audit, the whole audit cycle, and reading the log."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from plateward.access.users import add_user, issue_token
from plateward.audit.log import Entry, append
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_log
from plateward.settings import Settings
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database

PASSWORD = "correct horse saddle 1987"
ROLES = ("user", "investigator", "administrator", "auditor", "internal_affairs")


@pytest.fixture
def tokens(settings: Settings, server: str) -> dict[str, str]:
    """A token per role, and six inquiries by two deputies in 2026H1."""
    engine = open_database(settings.database_url())
    out = {}
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in ROLES:
            user = add_user(connection, username=f"{role}1", full_name=role, role=role,
                            agency_id=agency, password=PASSWORD)  # fmt: skip
            out[role] = issue_token(connection, user.id, "test")
        for k in range(6):
            append(
                connection,
                Entry(username=f"deputy{k % 2}", agency="CCSO", action="search.plate",
                      query={"plate": f"7ABC12{k}"}, reason="<script>alert(1)</script>",
                      result_count=1),
                at=dt.datetime(2026, 3, 1 + k, tzinfo=dt.UTC),
            )  # fmt: skip
    engine.dispose()
    return out


def call(server: str, method: str, path: str, token: str | None, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{server}/api/v1{path}", headers=headers, timeout=30, **kwargs)


def test_who_may_audit(server: str, tokens: dict[str, str]) -> None:
    for path in ("/audits", "/audits/status", "/audit/log"):
        assert call(server, "GET", path, None).status_code == 401
    for role in ("auditor", "internal_affairs"):
        assert call(server, "GET", "/audits", tokens[role]).status_code == 200
    for role in ("user", "investigator", "administrator"):
        refused = call(server, "GET", "/audits", tokens[role])
        assert refused.status_code == 403
        assert "may not review_audit" in refused.json()["detail"]
        body = {"period": "2026H1", "size": 2}
        assert call(server, "POST", "/audits", tokens[role], json=body).status_code == 403
    for role in ("administrator", "auditor", "internal_affairs"):
        assert call(server, "GET", "/audit/log", tokens[role]).status_code == 200
        assert call(server, "GET", "/audits/status", tokens[role]).status_code == 200
    for role in ("user", "investigator"):
        assert call(server, "GET", "/audit/log", tokens[role]).status_code == 403


def test_an_audit_from_sample_to_report(
    server: str, tokens: dict[str, str], settings: Settings
) -> None:
    auditor, ia = tokens["auditor"], tokens["internal_affairs"]
    bad = call(server, "POST", "/audits", auditor, json={"period": "2026H5", "size": 2})
    assert bad.status_code == 422 and "e.g. 2026H2" in bad.json()["detail"]
    made = call(server, "POST", "/audits", auditor, json={"period": "2026h1", "size": 4, "seed": 9})
    assert made.status_code == 201, made.text
    audit = made.json()
    assert (audit["period"], audit["seed"], audit["population"]) == ("2026H1", 9, 6)
    entries = [e["entry_id"] for e in audit["entries"]]
    assert len(entries) == 4
    assert call(server, "GET", "/audits", ia).json()["results"][0]["id"] == audit["id"]

    item = f"/audits/{audit['id']}/items"
    refused = call(server, "POST", f"{item}/{entries[0]}", auditor, json={"verdict": "fine"})
    assert refused.status_code == 422
    unexplained = call(server, "POST", f"{item}/{entries[0]}", auditor,
                       json={"verdict": "not_compliant"})  # fmt: skip
    assert unexplained.status_code == 422 and "write notes" in unexplained.json()["detail"]
    assert (
        call(server, "POST", f"{item}/999", auditor, json={"verdict": "compliant"}).status_code
        == 404
    )
    judged = call(server, "POST", f"{item}/{entries[0]}", auditor,
                  json={"verdict": "not_compliant", "notes": "<img src=x onerror=alert(1)>"})  # fmt: skip
    assert judged.status_code == 200, judged.text
    assert judged.json()["reviewed_by"] == "auditor1"
    for entry in entries[1:]:
        call(server, "POST", f"{item}/{entry}", ia, json={"verdict": "compliant"})
    shown = call(server, "GET", f"/audits/{audit['id']}", ia).json()
    assert [e["verdict"] for e in shown["entries"]] == ["not_compliant"] + ["compliant"] * 3
    assert call(server, "GET", "/audits/77", ia).status_code == 404

    html = call(server, "GET", f"/audits/{audit['id']}/report.html", ia)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<script>" not in html.text and "<img" not in html.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html.text
    assert "deputy0" in html.text and "deputy1" in html.text
    report = call(server, "GET", f"/audits/{audit['id']}/report.csv", ia)
    assert report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert sorted(int(r["entry_id"]) for r in rows) == entries

    closed = call(server, "POST", f"/audits/{audit['id']}/close", ia)
    assert closed.status_code == 200 and closed.json()["closed_by"] == "internal_affairs1"
    late = call(
        server, "POST", f"{item}/{entries[1]}", ia, json={"verdict": "follow_up", "notes": "x"}
    )
    assert late.status_code == 422 and "closed on" in late.json()["detail"]

    status = call(server, "GET", "/audits/status", tokens["administrator"]).json()
    assert set(status) == {"today", "current", "previous"}
    assert status["current"]["state"] in ("not_due", "due", "overdue", "done")

    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        actions = [
            (r.username, r.action)
            for r in connection.execute(
                select(access_log.c.username, access_log.c.action).where(access_log.c.id > 6)
            )
        ]
        assert verify_log(connection).intact
    engine.dispose()
    assert actions == [
        ("auditor1", "audit.sample"),
        ("auditor1", "audit.review"),
        *[("internal_affairs1", "audit.review")] * 3,
        ("internal_affairs1", "audit.view"),
        ("internal_affairs1", "audit.report"),
        ("internal_affairs1", "audit.report"),
        ("internal_affairs1", "audit.close"),
    ]


def test_reading_the_access_log(server: str, tokens: dict[str, str]) -> None:
    admin = tokens["administrator"]
    window = {"start": "2026-03-02T00:00:00Z", "end": "2026-03-05T00:00:00Z", "username": "deputy1"}
    found = call(server, "GET", "/audit/log", admin, params=window).json()
    assert [(e["id"], e["username"]) for e in found["results"]] == [(2, "deputy1"), (4, "deputy1")]
    assert found["results"][0]["query"] == {"plate": "7ABC121"}
    page = call(server, "GET", "/audit/log", admin, params={"after_id": 4, "limit": 1}).json()
    assert [e["id"] for e in page["results"]] == [5]
    bad = call(server, "GET", "/audit/log", admin, params={"start": "2026-03-05T00:00:00Z",
                                                           "end": "2026-03-01T00:00:00Z"})  # fmt: skip
    assert bad.status_code == 422
    # Reading the log is itself in the log, with what was asked.
    mine = call(server, "GET", "/audit/log", admin, params={"username": "administrator1"}).json()
    assert [e["action"] for e in mine["results"]] == ["audit.read_log"] * 2
    assert mine["results"][0]["query"]["username"] == "deputy1"
    assert mine["results"][0]["result_count"] == 2
