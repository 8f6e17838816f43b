"""Records requests (policy C) over real HTTP and at the console, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine, func, select
from typer.testing import Result

from plateward.audit.schema import access_log
from plateward.governance.records.requests import queue_counts
from plateward.governance.records.rules import Urgency, response_due
from plateward.governance.records.schema import records_request_files, records_requests
from plateward.settings import Settings

API = Callable[..., httpx.Response]
TODAY = dt.datetime.now(dt.UTC).date()
REQUEST = {
    "requester_name": "Dana Reporter",
    "requester_contact": "dana@example.org, 555-0100",
    "reply_by": "email",
    "description": "Every ALPR camera location and the data-sharing agreements for 2026.",
}


def test_anyone_files_a_request_and_only_internal_affairs_sees_it(
    api: API, tokens: dict[str, str], log_actions: Callable[[], list[tuple[str, str]]]
) -> None:
    made = api("POST", "/records/requests", tokens["user"], json=REQUEST)
    assert made.status_code == 201, made.text
    receipt = made.json()
    assert receipt["due_on"] == response_due(TODAY).isoformat()
    assert "dana@example.org" not in made.text  # the person at the counter gets a receipt only
    for role in ("user", "investigator", "auditor"):
        refused = api("GET", "/records/requests", tokens[role])
        assert refused.status_code == 403 and "may not work_records_requests" in refused.text
        assert api("GET", f"/records/requests/{receipt['id']}", tokens[role]).status_code == 403
    for role in ("internal_affairs", "administrator"):
        queue = api("GET", "/records/requests", tokens[role]).json()
        assert [r["id"] for r in queue["results"]] == [receipt["id"]]
        shown = api("GET", f"/records/requests/{receipt['id']}", tokens[role]).json()
        assert shown["requester_contact"] == "dana@example.org, 555-0100"
        assert shown["status"] == "open" and shown["entered_by"] == "user1"
    assert log_actions()[-5:] == [
        ("user1", "records.submit"),
        ("internal_affairs1", "records.list"),
        ("internal_affairs1", "records.view"),
        ("administrator1", "records.list"),
        ("administrator1", "records.view"),
    ]


def test_a_request_from_intake_to_response(
    api: API, tokens: dict[str, str], engine: Engine, settings: Settings
) -> None:
    ia, admin = tokens["internal_affairs"], tokens["administrator"]
    received = TODAY - dt.timedelta(days=3)
    made = api(
        "POST",
        "/records/requests",
        admin,
        json={**REQUEST, "channel": "mail", "received_on": received.isoformat()},
    )
    assert made.status_code == 201, made.text
    path = f"/records/requests/{made.json()['id']}"

    wrong = api("POST", f"{path}/assign", ia, json={"username": "user1"})
    assert wrong.status_code == 422 and "assign someone in Internal Affairs" in wrong.text
    assigned = api("POST", f"{path}/assign", ia, json={"username": "internal_affairs2"})
    assert assigned.json()["assigned_to"] == "internal_affairs2"
    assert assigned.json()["status"] == "in_progress"
    api("POST", f"{path}/notes", ia, json={"text": "Asked TSU for the camera list."})

    extended = api(
        "POST",
        f"{path}/extension",
        ia,
        json={"reason": "Records must be collected from field facilities."},
    )
    assert extended.status_code == 200, extended.text
    body = extended.json()
    assert body["extended"] is True and body["first_due_on"] == response_due(received).isoformat()
    assert dt.date.fromisoformat(body["due_on"]) >= received + dt.timedelta(days=24)
    again = api("POST", f"{path}/extension", ia, json={"reason": "Still collecting them."})
    assert again.status_code == 422 and "already extended once" in again.text

    letter = b"%PDF-1.7 list of camera sites\n%%EOF\n"
    attached = api(
        "POST",
        f"{path}/files",
        ia,
        files={"file": ("sites.pdf", letter)},
        data={"part": "response"},
    )
    assert attached.status_code == 201, attached.text
    stored = attached.json()
    assert stored["sha256"] == hashlib.sha256(letter).hexdigest()
    assert stored["media_type"] == "application/pdf"
    copy = settings.data_dir / "attachments" / stored["sha256"][:2] / stored["sha256"]
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(copy.parent).st_mode) == 0o700
    got = api("GET", f"{path}/files/{stored['id']}", ia)
    assert got.content == letter and "attachment" in got.headers["content-disposition"]

    too_big = api("POST", f"{path}/files", ia, files={"file": ("scan.tif", b"x" * 60_000)})
    assert too_big.status_code == 422 and "over the 50000 byte limit" in too_big.text

    ungrounded = api("POST", f"{path}/close", ia, json={"outcome": "withheld", "summary": "no"})
    assert ungrounded.status_code == 422 and "cite the exemption" in ungrounded.text
    closed = api(
        "POST",
        f"{path}/close",
        ia,
        json={
            "outcome": "partly_released",
            "summary": "Camera sites released; agreements withheld under Gov. Code 7923.600.",
        },
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == "internal_affairs1"
    kinds = [e["kind"] for e in closed.json()["events"]]
    assert kinds == ["received", "assigned", "note", "extended", "file", "closed"]
    late = api("POST", f"{path}/files", ia, files={"file": ("more.pdf", letter)})
    assert late.status_code == 422 and "its files are final" in late.text
    assert api("GET", "/records/requests", ia).json()["count"] == 0
    assert api("GET", "/records/requests?include_closed=true", ia).json()["count"] == 1
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(records_request_files)).scalar()
            == 1
        )
        queries = [r.query for r in connection.execute(select(access_log.c.query))]
    assert not any("dana" in str(q).lower() for q in queries)  # the log names no requester


def test_overdue_requests_are_counted_for_the_home_page(
    api: API, tokens: dict[str, str], engine: Engine
) -> None:
    admin = tokens["administrator"]
    for days_ago in (40, 9, 0):
        received = (TODAY - dt.timedelta(days=days_ago)).isoformat()
        api("POST", "/records/requests", admin, json={**REQUEST, "received_on": received})
    status = api("GET", "/records/status", tokens["internal_affairs"]).json()
    assert (
        status["overdue"] == 1 and status["overdue"] + status["due_soon"] + status["on_time"] == 3
    )
    assert api("GET", "/records/status", tokens["user"]).status_code == 403
    queue = api("GET", "/records/requests", admin).json()["results"]
    assert queue[0]["urgency"] == "overdue"  # soonest due first
    with engine.connect() as connection:
        assert queue_counts(connection, TODAY)[Urgency.OVERDUE] == 1


def test_bad_requests_are_refused_whole(api: API, tokens: dict[str, str], engine: Engine) -> None:
    deputy = tokens["user"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({**REQUEST, "requester_name": "   "}, "requester_name: required"),
        ({**REQUEST, "description": ""}, "description: required"),
        ({**REQUEST, "received_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "after today"),
        ({**REQUEST, "received_on": "1999-12-31"}, "check the date"),
        ({**REQUEST, "reply_by": "pigeon"}, "reply_by"),
        ({k: v for k, v in REQUEST.items() if k != "requester_contact"}, "requester_contact"),
    ]
    for body, message in cases:
        refused = api("POST", "/records/requests", deputy, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert message in refused.text, (message, refused.text)
    assert (
        api(
            "POST", "/records/requests/99/notes", tokens["internal_affairs"], json={"text": "x"}
        ).status_code
        == 404
    )
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(records_requests)).scalar() == 0
        assert connection.execute(select(func.count()).select_from(access_log)).scalar() == 0


def test_the_console_acts_as_the_tokens_account(
    cli: Callable[..., Result],
    tokens: dict[str, str],
    log_actions: Callable[[], list[tuple[str, str]]],
) -> None:
    args = [
        "records",
        "add",
        "--name",
        "Sam Public",
        "--contact",
        "PO Box 9, Hayward",
        "--reply-by",
        "mail",
        "--description",
        "My car's reads, plate 7ABC123",
    ]
    nobody = cli(None, *args)
    assert nobody.exit_code == 1 and "give --token or set PLATEWARD_TOKEN" in nobody.output
    made = cli(tokens["user"], *args)
    assert made.exit_code == 0, made.output
    assert "request 1: received" in made.output and "Internal Affairs" in made.output
    refused = cli(tokens["user"], "records", "list")
    assert refused.exit_code == 1 and "role user may not work_records_requests" in refused.output
    listed = cli(tokens["internal_affairs"], "records", "list")
    assert listed.exit_code == 0 and "Sam Public" in listed.output
    shown = cli(tokens["internal_affairs"], "records", "show", "1")
    assert "PO Box 9, Hayward" in shown.output
    bad_day = cli(
        tokens["internal_affairs"],
        "records",
        "close",
        "1",
        "--outcome",
        "released",
        "--summary",
        "sent",
        "--closed",
        "2026-13-01",
    )
    assert bad_day.exit_code == 1 and "YYYY-MM-DD" in bad_day.output
    closed = cli(
        tokens["internal_affairs"],
        "records",
        "close",
        "1",
        "--outcome",
        "no_records",
        "--summary",
        "No reads of that plate are held.",
    )
    assert closed.exit_code == 0, closed.output
    assert log_actions() == [
        ("user1", "records.submit"),
        ("internal_affairs1", "records.list"),
        ("internal_affairs1", "records.view"),
        ("internal_affairs1", "records.close"),
    ]
