"""Breach incidents (Attachment 2) over real HTTP and at the console, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine, func, insert, select
from typer.testing import Result

from plateward.audit.log import Entry, append
from plateward.audit.schema import access_log
from plateward.governance.breaches.schema import breach_incidents

API = Callable[..., httpx.Response]
NOW = dt.datetime.now(dt.UTC)
DATA_FROM = NOW - dt.timedelta(days=30)
DATA_TO = NOW - dt.timedelta(days=20)
INCIDENT: dict[str, Any] = {
    "title": "Export on a lost USB stick",
    "discovered_at": (NOW - dt.timedelta(days=2)).isoformat(),
    "discovered_by": "Lt. Ortiz, Technical Services",
    "what_happened": "A USB stick with an export of plate reads was lost in transit.",
    "systems_involved": "Plateward export, USB stick",
    "data_kinds": ["plate_reads"],
    "data_from": DATA_FROM.isoformat(),
    "data_to": DATA_TO.isoformat(),
    "camera_codes": ["POLE-1"],
}


def test_only_administrators_and_internal_affairs_handle_breaches(
    api: API, tokens: dict[str, str]
) -> None:
    for role in ("user", "investigator", "auditor"):
        refused = api("POST", "/breaches", tokens[role], json=INCIDENT)
        assert refused.status_code == 403 and "may not manage_breaches" in refused.text
        assert api("GET", "/breaches", tokens[role]).status_code == 403
    for role in ("administrator", "internal_affairs"):
        assert api("POST", "/breaches", tokens[role], json=INCIDENT).status_code == 201
    assert api("GET", "/breaches", tokens["internal_affairs"]).json()["count"] == 2


def test_wrong_dates_and_missing_fields_are_refused_whole(
    api: API, tokens: dict[str, str], engine: Engine
) -> None:
    admin = tokens["administrator"]
    day = dt.timedelta(days=1)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {
                "occurred_from": (NOW - 3 * day).isoformat(),
                "occurred_to": (NOW - 4 * day).isoformat(),
            },
            "occurred_to",
        ),
        ({"occurred_from": (NOW - day).isoformat()}, "discovered_at"),  # found before it began
        ({"data_to": DATA_FROM.isoformat()}, "not after data_from"),
        ({"discovered_at": (NOW + day).isoformat()}, "in the future"),
        ({"discovered_at": "2026-04-03T09:00:00"}, "give a UTC offset"),
        ({"data_kinds": []}, "name at least one kind"),
        ({"data_kinds": ["dmv_records"]}, "data_kinds"),
        ({"camera_codes": ["POLE-9"]}, "no camera POLE-9"),
        ({"title": "  "}, "title: required"),
        ({"people_affected": -3}, "people_affected"),
        ({"notice_sent_on": (NOW - 5 * day).date().isoformat()}, "before discovered_at"),
    ]
    for change, message in cases:
        refused = api("POST", "/breaches", admin, json={**INCIDENT, **change})
        assert refused.status_code == 422, (change, refused.text)
        assert message in refused.text, (message, refused.text)
    missing = {k: v for k, v in INCIDENT.items() if k != "what_happened"}
    assert api("POST", "/breaches", admin, json=missing).status_code == 422
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(breach_incidents)).scalar() == 0
        assert connection.execute(select(func.count()).select_from(access_log)).scalar() == 0


def test_an_incident_from_record_to_notice_and_close(
    api: API, tokens: dict[str, str], log_actions: Callable[[], list[tuple[str, str]]]
) -> None:
    admin, ia = tokens["administrator"], tokens["internal_affairs"]
    made = api("POST", "/breaches", admin, json=INCIDENT)
    assert made.status_code == 201, made.text
    incident = made.json()
    assert incident["agency"] == "CCSO" and incident["status"] == "open"
    path = f"/breaches/{incident['id']}"

    edited = api(
        "PATCH",
        path,
        ia,
        json={
            "containment": "The export key was revoked; the stick held an encrypted copy only.",
            "people_affected": 812,
            "contact": "Records Unit, 555-0100",
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["people_affected"] == 812
    assert api("PATCH", path, ia, json={"title": None}).status_code == 422
    wrong_order = api(
        "PATCH", path, ia, json={"data_to": (DATA_FROM - dt.timedelta(days=1)).isoformat()}
    )
    assert wrong_order.status_code == 422 and "not after data_from" in wrong_order.text

    notice = api("GET", f"{path}/notice", ia).json()
    assert notice["title"] == "Notice of Data Breach" and notice["missing"] == []
    assert [s["heading"] for s in notice["sections"]] == [
        "What Happened",
        "What Information Was Involved",
        "What We Are Doing",
        "What You Can Do",
        "For More Information",
    ]
    assert "The export key was revoked" in notice["text"]
    assert any("812 California residents" in r for r in notice["reminders"])

    proof = b"%PDF-1.4 chain of custody\n%%EOF\n"
    attached = api("POST", f"{path}/files", ia, files={"file": ("custody.pdf", proof)})
    assert attached.status_code == 201
    assert api("GET", f"{path}/files/{attached.json()['id']}", admin).content == proof

    shown = api("GET", path, admin).json()
    assert [e["kind"] for e in shown["events"]] == ["recorded", "edited", "notice", "file"]
    assert "changed contact, containment, people_affected" in shown["events"][1]["text"]
    closed = api("POST", f"{path}/close", admin, json={"summary": "Notices sent; AG copy filed."})
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == "administrator1"
    late = api("PATCH", path, ia, json={"people_affected": 900})
    assert late.status_code == 422 and "closed on" in late.text
    assert log_actions() == [
        ("administrator1", "breach.add"),
        ("internal_affairs1", "breach.edit"),
        ("internal_affairs1", "breach.notice"),
        ("internal_affairs1", "breach.file.add"),
        ("administrator1", "breach.file.get"),
        ("administrator1", "breach.view"),
        ("administrator1", "breach.close"),
    ]


def inquiry(at: dt.datetime, action: str, query: dict[str, Any], who: str = "deputy7") -> Entry:
    return Entry(
        username=who,
        agency="CCSO",
        action=action,
        query=query,
        case_number="26-000123",
        reason="stolen vehicle",
        result_count=3,
    )


def test_the_incident_lists_every_access_to_its_data_with_the_logs_verification(
    api: API, tokens: dict[str, str], engine: Engine, cli: Callable[..., Result]
) -> None:
    day = dt.timedelta(days=1)
    inside = (DATA_FROM + day).isoformat()
    with engine.begin() as connection:
        append(
            connection,
            inquiry(DATA_FROM - day, "search.plate", {"plate": "OLD1"}),
            at=DATA_FROM - day,
        )  # fmt: skip  (before the data existed)
        append(connection, inquiry(NOW, "search.plate", {"plate": "7ABC123"}), at=DATA_FROM + day)
        append(
            connection,
            inquiry(
                NOW, "search.partial", {"pattern": "7AB*", "start": inside, "camera": ["POLE-1"]}
            ),
            at=DATA_TO + day,
        )
        append(
            connection,
            inquiry(
                NOW, "search.partial", {"pattern": "7AB*", "start": inside, "camera": ["POLE-2"]}
            ),
            at=DATA_TO + day,
        )  # fmt: skip  (another camera)
        append(
            connection,
            inquiry(
                NOW, "search.grid", {"start": (DATA_TO + day).isoformat(), "end": NOW.isoformat()}
            ),
            at=NOW - day,
        )  # fmt: skip  (a later window)
        append(connection, inquiry(NOW, "audit.read_log", {"start": inside}), at=NOW - day)
        append(
            connection,
            inquiry(NOW, "image.view", {"image": "0" * 64}, who="analyst2"),
            at=NOW - day,
        )
    incident = api("POST", "/breaches", tokens["internal_affairs"], json=INCIDENT).json()
    report = api("GET", f"/breaches/{incident['id']}/accesses", tokens["administrator"]).json()
    assert report["chain"]["intact"] is True
    assert report["total"] == 3
    found = [(a["entry_id"], a["action"], a["touch"], a["vouched"]) for a in report["accesses"]]
    assert found == [
        (2, "search.plate", "no time window: may include the data", True),
        (3, "search.partial", "time window overlaps the data", True),
        (7, "image.view", "no time window: may include the data", True),
    ]
    assert report["accesses"][0]["case_number"] == "26-000123"

    # An entry slipped into the log without its leaf in the tree: the verification names it,
    # and the accesses from that entry on are shown as not vouched for.
    with engine.begin() as connection:
        last = connection.execute(select(access_log).order_by(access_log.c.id.desc())).first()
        assert last is not None
        connection.execute(
            insert(access_log).values(
                id=last.id + 1000,  # clear of the ids the sequence will give
                at=NOW,
                username="intruder",
                agency="CCSO",
                action="search.plate",
                query={"plate": "7ABC123"},
                outcome="ok",
                leaf_index=last.leaf_index + 1000,  # a leaf the tree never had
            )
        )
    again = api("GET", f"/breaches/{incident['id']}/accesses", tokens["administrator"]).json()
    assert again["chain"]["intact"] is False and again["chain"]["first_bad"] == last.id + 1000
    assert [a["vouched"] for a in again["accesses"]] == [True, True, True, False]
    assert again["accesses"][-1]["username"] == "intruder"

    listed = cli(tokens["internal_affairs"], "breach", "accesses", str(incident["id"]))
    assert listed.exit_code == 0, listed.output
    assert "access log: NOT INTACT: entry" in listed.output
    assert "NOT VOUCHED FOR" in listed.output and "26-000123 stolen vehicle" in listed.output


def test_the_console_records_and_drafts(
    cli: Callable[..., Result], tokens: dict[str, str], tmp_path: Any
) -> None:
    admin = tokens["administrator"]
    args = [
        "breach",
        "add",
        "--title",
        "Shared password",
        "--discovered-at",
        NOW.isoformat(),
        "--discovered-by",
        "Audit team",
        "--what-happened",
        "A deputy's password was used by someone else.",
        "--systems",
        "Plateward web",
        "--data-kind",
        "plate_reads",
        "--data-kind",
        "accounts",
        "--data-from",
        DATA_FROM.isoformat(),
    ]
    assert cli(tokens["auditor"], *args).exit_code == 1
    made = cli(admin, *args)
    assert made.exit_code == 0, made.output
    bad = cli(admin, "breach", "edit", "1", "--occurred-from", "2026-05-01T08:00")
    assert bad.exit_code == 1 and "give a UTC offset" in bad.output
    drafted = cli(admin, "breach", "notice", "1", "--output", str(tmp_path / "notice.txt"))
    assert drafted.exit_code == 0, drafted.output
    text = (tmp_path / "notice.txt").read_text()
    assert text.startswith("NOTICE OF DATA BREACH") and "change your password" in text
    assert "missing: contact" in drafted.output and "reminder:" in drafted.output
