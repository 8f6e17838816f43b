"""The training gate (policy F), the qualified list (D.2) and the records behind them (D.1)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from plateward.access.certificate_files import CertificateFiles
from plateward.access.roles import Action, Role
from plateward.access.training import is_current, missing_training, today_utc, training_refusal
from plateward.access.training_certificates import record_certificate, revoke_certificate
from plateward.access.training_courses import edit_course, list_courses
from plateward.access.users import User, add_user, issue_token
from plateward.audit.actor import Actor
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_log
from plateward.cli import app
from plateward.errors import InvalidInput
from plateward.settings import Settings
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

PASSWORD = "pelican orchard ribbon 404"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
ADMIN = Actor("records1", "CCSO", "cli")
POLICY_COURSES = [
    "Vigilant Car Detector",
    "Target Alert Service (TAS)",
    "Vigilant Vehicle Manager 101",
    "Flock Search Tool Certification Program",
    "Flock Alerts Certification Program",
]
SEARCH = {"plate": "7ABC123", "case_number": "26-004211"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def person(engine: Engine, username: str, role: str) -> User:
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        return add_user(connection, username=username, full_name=username, role=role,
                        agency_id=agency, password=PASSWORD)  # fmt: skip


@pytest.mark.parametrize(
    ("completed", "valid_days", "today", "current"),
    [
        (dt.date(2026, 1, 1), None, dt.date(2099, 1, 1), True),
        (dt.date(2026, 1, 1), 30, dt.date(2026, 1, 30), True),
        (dt.date(2026, 1, 1), 30, dt.date(2026, 1, 31), False),
        (dt.date(2026, 1, 1), 1, dt.date(2026, 1, 1), True),
    ],
)
def test_a_certificate_counts_until_its_expiry_day(
    completed: dt.date, valid_days: int | None, today: dt.date, current: bool
) -> None:
    assert is_current(completed, valid_days, today) is current


def test_certificate_files_take_pdfs_and_images_only(tmp_path: Path) -> None:
    files = CertificateFiles(tmp_path, max_bytes=100)
    stored = files.put(PDF, "cert.pdf")
    assert stored.media_type == "application/pdf"
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert files.put(PDF, "again.pdf") == stored
    assert files.get(stored.sha256) == PDF
    import cv2
    import numpy as np

    ok, png = cv2.imencode(".png", np.zeros((2, 2, 3), dtype=np.uint8))
    assert ok and len(png) <= 100
    assert files.put(bytes(png), "scan.png").media_type == "image/png"
    for data, says in [(b"", "empty"), (b"hello", "not a PDF"), (b"%PDF-" + b"x" * 100, "over"),
                       (b"\x89PNG\r\n\x1a\nxxxx", "corrupt PNG")]:  # fmt: skip
        with pytest.raises(InvalidInput, match=says):
            files.put(data, "bad")


def test_the_gate_names_what_is_missing_or_expired(engine: Engine, tmp_path: Path) -> None:
    deputy = person(engine, "deputy1", "user")
    auditor = person(engine, "auditor1", "auditor")
    files = CertificateFiles(tmp_path)
    today = dt.date(2026, 6, 1)
    with engine.begin() as connection:
        missing = missing_training(connection, deputy, today)
        assert [m.describe() for m in missing] == [f"{t} (no certificate)" for t in POLICY_COURSES]
        assert missing_training(connection, auditor, today) == []
        assert training_refusal(connection, auditor, Action.READ_ACCESS_LOG, today) is None
        assert training_refusal(connection, deputy, Action.READ_ACCESS_LOG, today) is None

        edit_course(connection, "flock-search", valid_days=365, actor=ADMIN)
        for course in list_courses(connection):
            done = dt.date(2025, 1, 1) if course.code == "FLOCK-SEARCH" else dt.date(2026, 5, 1)
            record_certificate(
                connection, files, username="deputy1", course=course.code, completed_on=done,
                file_name="cert.pdf", data=PDF, actor=ADMIN, today=today,
            )  # fmt: skip
        assert training_refusal(connection, deputy, Action.SEARCH, today) == (
            "training required: Flock Search Tool Certification Program (expired 2026-01-01)"
        )
        renewed = record_certificate(
            connection, files, username="deputy1", course="FLOCK-SEARCH",
            completed_on=dt.date(2026, 2, 1), file_name="renewed.pdf", data=PDF, actor=ADMIN,
            today=today,
        )  # fmt: skip
        assert renewed.expires_on == dt.date(2027, 2, 1)
        assert missing_training(connection, deputy, today) == []

        revoke_certificate(connection, renewed.id, reason="recorded for the wrong deputy",
                           actor=ADMIN)  # fmt: skip
        (gap,) = missing_training(connection, deputy, today)
        assert gap.expired_on == dt.date(2026, 1, 1)
        edit_course(connection, "FLOCK-SEARCH", active=False, actor=ADMIN)
        assert missing_training(connection, deputy, today) == []
        edit_course(connection, "FLOCK-SEARCH", active=True, valid_days=None, actor=ADMIN)
        assert missing_training(connection, deputy, today) == []

        with pytest.raises(InvalidInput, match="after today"):
            record_certificate(connection, files, username="deputy1", course="FLOCK-ALERTS",
                               completed_on=dt.date(2026, 6, 2), file_name="x.pdf", data=PDF,
                               actor=ADMIN, today=today)  # fmt: skip
        actions = connection.execute(select(access_log.c.action, access_log.c.username)).all()
        assert verify_log(connection).intact
    assert [tuple(a) for a in actions] == [
        ("training.course.edit", "records1"),
        *[("training.certificate", "records1")] * 6,
        ("training.certificate.revoke", "records1"),
        ("training.course.edit", "records1"),
        ("training.course.edit", "records1"),
    ]


@pytest.fixture
def tokens(settings: Settings, server: str, train: Callable[..., None]) -> dict[str, str]:
    """A token per role; only the administrator is trained."""
    engine = open_database(settings.database_url())
    out = {}
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in Role:
            user = add_user(connection, username=f"{role.value}1", full_name=f"{role.value} one",
                            role=role.value, agency_id=agency, password=PASSWORD)  # fmt: skip
            if role is Role.ADMINISTRATOR:
                train(connection, user.id)
            out[role.value] = issue_token(connection, user.id, "test")
    engine.dispose()
    return out


def call(server: str, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{server}/api/v1{path}", timeout=30,
                         headers={"Authorization": f"Bearer {token}"}, **kwargs)  # fmt: skip


def upload(
    server: str, token: str, username: str, course: str, completed: str, data: bytes = PDF
) -> httpx.Response:
    return call(server, "POST", f"/training/users/{username}/certificates", token,
                data={"course": course, "completed_on": completed},
                files={"file": ("certificate.pdf", data, "application/pdf")})  # fmt: skip


def test_untrained_people_are_refused_until_their_certificates_are_recorded(
    server: str, settings: Settings, tokens: dict[str, str]
) -> None:
    admin, deputy = tokens["administrator"], tokens["user"]
    refused = call(server, "GET", "/search/plate", deputy, params=SEARCH)
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert detail.startswith("training required: Vigilant Car Detector (no certificate); ")
    assert "Flock Search Tool Certification Program (no certificate)" in detail
    assert call(server, "GET", "/search/plate", admin, params=SEARCH).status_code == 200
    assert call(server, "GET", "/audit/log", tokens["auditor"]).status_code == 200  # needs none

    today = today_utc().isoformat()
    codes = [c["code"] for c in call(server, "GET", "/training/courses", admin).json()["results"]]
    assert len(codes) == 5
    for code in codes[:-1]:
        assert upload(server, admin, "user1", code, today).status_code == 201
    still = call(server, "GET", "/search/plate", deputy, params=SEARCH).json()["detail"]
    assert still == "training required: Flock Alerts Certification Program (no certificate)"
    last = upload(server, admin, "user1", codes[-1], today)
    assert last.status_code == 201, last.text
    recorded = last.json()
    assert recorded["file_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (recorded["recorded_by"], recorded["media_type"]) == (
        "administrator1",
        "application/pdf",
    )
    stored = settings.data_dir / "certificates" / recorded["file_sha256"][:2]
    assert (stored / recorded["file_sha256"]).read_bytes() == PDF
    assert call(server, "GET", "/search/plate", deputy, params=SEARCH).status_code == 200

    listed = call(server, "GET", "/training/users/user1/certificates", admin).json()
    assert listed["count"] == 5
    copy = call(server, "GET", f"/training/certificates/{recorded['id']}/file", admin)
    assert copy.content == PDF and copy.headers["content-type"] == "application/pdf"

    for args, status, says in [
        (("user1", "FLOCK-ALERTS", today, b"just text"), 422, "not a PDF, JPEG or PNG"),
        (("user1", "FLOCK-ALERTS", "2999-01-01"), 422, "after today"),
        (("user1", "NO-SUCH-COURSE", today), 404, "no such course"),
        (("nobody", "FLOCK-ALERTS", today), 404, "no such user"),
    ]:
        bad = upload(server, admin, *args)
        assert bad.status_code == status and says in bad.json()["detail"], bad.text

    for code in codes:  # the investigator's certificates are old; Flock Alerts now expires
        assert upload(server, admin, "investigator1", code, "2025-01-01").status_code == 201
    edited = call(
        server, "PATCH", "/training/courses/flock-alerts", admin, json={"valid_days": 365}
    )
    assert edited.status_code == 200 and edited.json()["valid_days"] == 365
    grid = {"latitude": 38.58, "longitude": -121.49, "radius_m": 500,
            "start": "2026-11-02T14:00:00Z", "end": "2026-11-02T17:00:00Z", **SEARCH}  # fmt: skip
    expired = call(server, "GET", "/search/grid", tokens["investigator"], params=grid)
    assert expired.status_code == 403
    assert expired.json()["detail"] == (
        "training required: Flock Alerts Certification Program (expired 2026-01-01)"
    )

    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        log = connection.execute(select(access_log.c.username, access_log.c.action)).all()
        assert verify_log(connection).intact
    engine.dispose()
    assert [tuple(e) for e in log if e.action.startswith("training.")] == [
        *[("administrator1", "training.certificate")] * 10,
        ("administrator1", "training.course.edit"),
    ]


def test_the_qualified_list_and_who_may_keep_the_records(
    server: str, tokens: dict[str, str]
) -> None:
    admin = tokens["administrator"]
    listed = call(server, "GET", "/training/qualified", tokens["auditor"])
    assert listed.status_code == 200
    body = listed.json()
    assert body["as_of"] == today_utc().isoformat()
    (qualified,) = body["qualified"]
    assert qualified["username"] == "administrator1"
    assert len(qualified["certificates"]) == 5
    assert [p["username"] for p in body["not_qualified"]] == ["investigator1", "user1"]
    assert [m["title"] for m in body["not_qualified"][0]["missing"]] == POLICY_COURSES
    assert call(server, "GET", "/training/qualified", admin).status_code == 200

    course = {"code": "plateward-101", "title": "Plateward operator course",
              "required_for": ["user", "investigator"], "valid_days": 730}  # fmt: skip
    for role in ("user", "investigator", "auditor", "internal_affairs"):
        token = tokens[role]
        assert call(server, "GET", "/training/courses", token).status_code == 403
        assert call(server, "POST", "/training/courses", token, json=course).status_code == 403
        assert upload(server, token, "user1", "FLOCK-SEARCH", "2026-01-05").status_code == 403
        refused = call(server, "GET", "/training/users/user1/certificates", token)
        assert refused.status_code == 403 and "may not manage_training" in refused.json()["detail"]
    for role in ("user", "investigator", "internal_affairs"):
        assert call(server, "GET", "/training/qualified", tokens[role]).status_code == 403

    added = call(server, "POST", "/training/courses", admin, json=course)
    assert added.status_code == 201, added.text
    assert added.json()["code"] == "PLATEWARD-101"
    assert call(server, "POST", "/training/courses", admin, json=course).status_code == 422
    wrong = call(server, "PATCH", "/training/courses/PLATEWARD-101", admin,
                 json={"required_for": ["sheriff"]})  # fmt: skip
    assert wrong.status_code == 422
    cleared = call(server, "PATCH", "/training/courses/PLATEWARD-101", admin,
                   json={"valid_days": None, "required_for": []})  # fmt: skip
    assert cleared.json()["valid_days"] is None and cleared.json()["required_for"] == []


def test_the_console_records_certificates_and_lists_the_qualified(
    database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLATEWARD_DATA_DIR", str(tmp_path / "data"))
    person(engine, "deputy1", "user")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)

    def run(*args: str) -> tuple[int, str, str]:
        done = CliRunner().invoke(app, ["training", *args, "--db", database_url])
        return done.exit_code, done.stdout, done.stderr

    code, out, _ = run("courses")
    assert code == 0 and len(out.splitlines()) == 5 and "FLOCK-SEARCH\t" in out
    code, out, err = run("record", "deputy1", "flock-search", "--completed", "2026-01-02",
                         "--file", str(scan))  # fmt: skip
    assert code == 0, err
    digest = hashlib.sha256(PDF).hexdigest()
    assert "deputy1 completed FLOCK-SEARCH on 2026-01-02" in out and digest in out
    assert (tmp_path / "data" / "certificates" / digest[:2] / digest).read_bytes() == PDF

    code, _, err = run("record", "deputy1", "FLOCK-ALERTS", "--completed", "2 Jan",
                       "--file", str(scan))  # fmt: skip
    assert code == 1 and "expected YYYY-MM-DD" in err
    code, _, err = run("record", "nobody", "FLOCK-ALERTS", "--completed", "2026-01-02",
                       "--file", str(scan))  # fmt: skip
    assert code == 1 and "no such user" in err

    code, out, _ = run("qualified", "--all")
    assert code == 0 and out.startswith("deputy1\tuser\tCCSO\tdeputy1\tmissing: Vigilant Car")
    assert "Flock Search" not in out
    for course in ("VIGILANT-CAR-DETECTOR", "VIGILANT-TAS", "VIGILANT-VM-101"):
        assert run("course-edit", course, "--inactive")[0] == 0
    assert run("course-edit", "FLOCK-ALERTS", "--required-for", "investigator")[0] == 0
    code, out, _ = run("qualified")
    assert code == 0 and out == "deputy1\tuser\tCCSO\tdeputy1\tqualified\n"
    code, out, _ = run("course-add", "LOCAL-1", "--title", "Local", "--valid-days", "30",
                       "--required-for", "user")  # fmt: skip
    assert code == 0 and "LOCAL-1\tLocal\trequired for user\t30 days" in out

    with engine.connect() as connection:
        log = connection.execute(select(access_log.c.username, access_log.c.action)).all()
    assert all(e.username.startswith("os:") for e in log)
    assert [e.action for e in log][:1] == ["training.certificate"]
