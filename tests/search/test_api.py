"""The search routes over real HTTP: roles, justification, the access log in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select

from plateward.access.users import add_user, issue_token
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_log
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.reads import NewRead, store_reads

PASSWORD = "correct horse saddle 1987"
WHEN = dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def tokens(settings: Settings, server: str, train: Callable[..., None]) -> dict[str, str]:
    """A token per role (each with current training), and reads of 7ABC123 at two places."""
    engine = open_database(settings.database_url())
    out = {}
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
        for role in ("user", "investigator", "administrator", "auditor", "internal_affairs"):
            user = add_user(
                connection, username=f"{role}1", full_name=role, role=role, agency_id=agency,
                password=PASSWORD,
            )  # fmt: skip
            train(connection, user.id)
            out[role] = issue_token(connection, user.id, "test")
        store_reads(
            connection,
            1,
            [
                NewRead(uuid.uuid4(), WHEN, "7ABC123", 0.95, 38.58, -121.49),
                NewRead(uuid.uuid4(), WHEN + dt.timedelta(hours=1), "7ABC123", 0.9, 38.60, -121.40),
                NewRead(uuid.uuid4(), WHEN, "5XYZ789", 0.9, 38.58, -121.49),
            ],
        )
    engine.dispose()
    return out


def get(server: str, path: str, token: str | None, **params: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{server}/api/v1/search/{path}", params=params, headers=headers, timeout=30)


def log_rows(settings: Settings) -> list[dict[str, object]]:
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(access_log))]
        assert verify_log(connection).intact
    engine.dispose()
    return rows


def test_a_justified_search_returns_reads_and_is_logged(
    server: str, tokens: dict[str, str], settings: Settings
) -> None:
    response = get(server, "plate", tokens["user"], plate="7abc-123", case_number="26-004211")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 2
    assert {r["plate"] for r in body["results"]} == {"7ABC123"}
    (entry,) = log_rows(settings)
    assert entry["username"] == "user1"
    assert entry["agency"] == "CCSO"
    assert entry["action"] == "search.plate"
    assert entry["query"] == {"plate": "7abc-123", "limit": 1000}
    assert entry["case_number"] == "26-004211"
    assert entry["result_count"] == 2
    assert entry["client_address"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({}, "give a case number or a reason"),
        ({"reason": "test"}, "placeholder"),
        ({"reason": "n/a"}, "placeholder"),
        ({"case_number": "asdf"}, "placeholder"),
    ],
)
def test_no_justification_no_search(
    server: str, tokens: dict[str, str], settings: Settings, params: dict[str, str], says: str
) -> None:
    response = get(server, "plate", tokens["investigator"], plate="7ABC123", **params)
    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert log_rows(settings) == []


def test_roles_and_tokens(server: str, tokens: dict[str, str]) -> None:
    why = {"reason": "stolen vehicle report 26-1187"}
    assert get(server, "plate", None, plate="7ABC123", **why).status_code == 401
    assert get(server, "plate", "pwu_forged", plate="7ABC123", **why).status_code == 401
    for role in ("auditor", "internal_affairs"):
        refused = get(server, "plate", tokens[role], plate="7ABC123", **why)
        assert refused.status_code == 403
        assert "may not search" in refused.json()["detail"]
    grid = {"latitude": 38.58, "longitude": -121.49, "radius_m": 500,
            "start": "2026-11-02T14:00:00Z", "end": "2026-11-02T17:00:00Z", **why}  # fmt: skip
    assert get(server, "grid", tokens["user"], **grid).status_code == 403
    found = get(server, "grid", tokens["investigator"], **grid)
    assert found.status_code == 200
    assert sorted(r["plate"] for r in found.json()["results"]) == ["5XYZ789", "7ABC123"]


def test_partial_timeline_and_cloned(server: str, tokens: dict[str, str]) -> None:
    why = {"reason": "hit and run, witness saw 7AB"}
    partial = get(server, "partial", tokens["user"], pattern="7AB*", **why).json()
    assert partial["count"] == 2
    timeline = get(server, "timeline", tokens["user"], plate="7ABC123", **why).json()
    assert [r["latitude"] for r in timeline["results"]] == [38.58, 38.60]
    cloned = get(server, "cloned", tokens["investigator"], plate="7ABC123", max_speed_kmh=5, **why)
    assert cloned.status_code == 200
    assert cloned.json()["count"] == 1
    bad = get(server, "partial", tokens["user"], pattern="7A%", **why)
    assert bad.status_code == 422
