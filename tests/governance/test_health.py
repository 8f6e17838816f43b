"""Camera health from real reads and heartbeats, and the notices it raises (policy D.3)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import httpx
from sqlalchemy import Engine, select, update
from typer.testing import Result

from plateward.governance.health.checks import camera_health, run_check
from plateward.governance.health.schema import edge_heartbeats
from plateward.settings import Settings
from plateward.store.camera_sources import record_heartbeat
from plateward.store.cameras import (
    add_camera,
    camera_by_code,
    ensure_agency,
    revoke_camera,
    rotate_camera_key,
)
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import cameras

API = Callable[..., httpx.Response]


def reads_at(moments: list[dt.datetime]) -> list[NewRead]:
    return [NewRead(uuid.uuid4(), m, "7ABC123", 0.9, 38.5, -121.5) for m in moments]


def busy_history(engine: Engine, now: dt.datetime) -> None:
    """POLE-1 (fixed) read 40 an hour-window every day for two weeks, then almost stopped;
    POLE-2 (fixed) last read two hours ago; UNIT-7 (a car) 30 hours ago; POLE-3 is revoked."""
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for code in ("POLE-2", "POLE-3"):
            add_camera(
                connection, agency_id=agency, code=code, name=code, latitude=38.5, longitude=-121.5
            )
        add_camera(
            connection, agency_id=agency, code="UNIT-7", name="car", kind="vehicle", vehicle_id="7"
        )
        connection.execute(update(cameras).values(created_at=now - dt.timedelta(days=20)))
        revoke_camera(connection, "POLE-3")
        ids = {code: camera_by_code(connection, code).id for code in ("POLE-1", "POLE-2", "UNIT-7")}
        history = [
            now - dt.timedelta(days=day, minutes=4 * k + 1)
            for day in range(1, 15)
            for k in range(40)
        ]
        store_reads(connection, ids["POLE-1"], reads_at(history + [now - dt.timedelta(minutes=3)]))
        store_reads(connection, ids["POLE-2"], reads_at([now - dt.timedelta(hours=2)]))
        store_reads(connection, ids["UNIT-7"], reads_at([now - dt.timedelta(hours=30)]))


def test_each_cameras_health_from_its_reads(
    engine: Engine, tokens: dict[str, str], settings: Settings
) -> None:
    now = dt.datetime.now(dt.UTC)
    busy_history(engine, now)
    with engine.connect() as connection:
        health = {h.camera: h for h in camera_health(connection, settings.camera_health, now)}
    slow = health["POLE-1"]
    assert slow.state == "low_rate" and slow.reads_per_hour == round(1 / 3, 2)
    assert slow.usual_per_hour == round(40 / 3, 2)
    assert "1 reads in the last 3 h against 40 usually" in slow.problems["low_rate"]
    assert health["POLE-2"].state == "silent" and health["POLE-2"].usual_per_hour == 0
    assert health["UNIT-7"].state == "ok"  # a car parked for 30 hours is not silent
    assert health["POLE-3"].state == "revoked" and health["POLE-3"].problems == {}


def test_a_vendor_agents_heartbeat_counts_as_hearing_from_the_camera(
    engine: Engine, tokens: dict[str, str], settings: Settings
) -> None:
    now = dt.datetime.now(dt.UTC)
    busy_history(engine, now)
    with engine.begin() as connection:
        record_heartbeat(
            connection, camera_id=camera_by_code(connection, "POLE-2").id, system="openalpr",
            source="agent-7", received_at=now - dt.timedelta(minutes=1), reported_at=None,
            streaming=True, detail={},
        )  # fmt: skip
    with engine.connect() as connection:
        health = {h.camera: h for h in camera_health(connection, settings.camera_health, now)}
    assert health["POLE-2"].state == "ok"
    assert health["POLE-2"].last_heartbeat_at == now - dt.timedelta(minutes=1)


def test_the_check_raises_and_clears_notices_once(
    engine: Engine,
    tokens: dict[str, str],
    settings: Settings,
    api: API,
    log_actions: Callable[[], list[tuple[str, str]]],
) -> None:
    now = dt.datetime.now(dt.UTC)
    busy_history(engine, now)
    with engine.begin() as connection:
        first = run_check(connection, settings.camera_health, now)
    assert sorted((n.camera, n.kind) for n in first.raised) == [
        ("POLE-1", "low_rate"),
        ("POLE-2", "silent"),
    ]
    with engine.begin() as connection:
        again = run_check(connection, settings.camera_health, now + dt.timedelta(minutes=5))
    assert again.raised == [] and again.cleared == []

    admin = tokens["administrator"]
    assert api("GET", "/health/notices", tokens["user"]).status_code == 403
    notices = api("GET", "/health/notices", admin).json()["results"]
    assert {(n["camera"], n["kind"]) for n in notices} == {
        ("POLE-1", "low_rate"),
        ("POLE-2", "silent"),
    }
    silent = next(n for n in notices if n["camera"] == "POLE-2")
    acked = api("POST", f"/health/notices/{silent['id']}/acknowledge", admin)
    assert acked.json()["acknowledged_by"] == "administrator1"
    twice = api("POST", f"/health/notices/{silent['id']}/acknowledge", admin)
    assert twice.status_code == 422 and "already acknowledged" in twice.text

    # POLE-2's agent starts beating: its notice clears; POLE-1's stays.
    beat = api(
        "POST",
        "/heartbeats",
        _key(engine, "POLE-2"),
        json={
            "sent_at": now.isoformat(),
            "agent": "plateward-edge 0.1.0",
            "queued_reads": 4,
        },
    )
    assert beat.status_code == 200
    with engine.begin() as connection:
        later = run_check(connection, settings.camera_health)
    assert [(n.camera, n.kind) for n in later.cleared] == [("POLE-2", "silent")]
    assert later.cleared[0].cleared_at is not None
    assert api("GET", "/health/notices", admin).json()["count"] == 1
    assert api("GET", "/health/notices?include_cleared=true", admin).json()["count"] == 2
    cams = {c["camera"]: c for c in api("GET", "/health/cameras", admin).json()["results"]}
    assert cams["POLE-2"]["queued_reads"] == 4 and cams["POLE-2"]["state"] == "ok"
    assert log_actions() == [("administrator1", "health.notice.acknowledge")]


def _key(engine: Engine, code: str) -> str:
    with engine.begin() as connection:
        return rotate_camera_key(connection, code)


def test_heartbeats_take_the_cameras_own_key(
    api: API, tokens: dict[str, str], engine: Engine
) -> None:
    key = tokens["camera_key"]
    now = dt.datetime.now(dt.UTC)
    body = {
        "sent_at": (now - dt.timedelta(seconds=30)).isoformat(),
        "agent": "edge 1",
        "started_at": (now - dt.timedelta(hours=1)).isoformat(),
        "queued_reads": 0,
        "last_error": "cam.jpg: file not found",
    }
    assert api("POST", "/heartbeats", None, json=body).status_code == 401
    assert api("POST", "/heartbeats", "pwc_wrong", json=body).status_code == 401
    assert api("POST", "/heartbeats", tokens["administrator"], json=body).status_code == 401
    naive = api("POST", "/heartbeats", key, json={**body, "sent_at": "2026-11-20T10:00:00"})
    assert naive.status_code == 422 and "give a UTC offset" in naive.text
    extra = api("POST", "/heartbeats", key, json={**body, "plate": "7ABC123"})
    assert extra.status_code == 422
    answered = api("POST", "/heartbeats", key, json=body)
    assert answered.status_code == 200 and answered.json()["camera"] == "POLE-1"
    assert api("POST", "/heartbeats", key, json={**body, "queued_reads": 7}).status_code == 200
    with engine.connect() as connection:
        [row] = connection.execute(select(edge_heartbeats)).all()
    assert row.queued_reads == 7 and row.last_error == "cam.jpg: file not found"
    assert (row.received_at - row.sent_at).total_seconds() >= 29
    with engine.begin() as connection:
        revoke_camera(connection, "POLE-1")
    assert api("POST", "/heartbeats", key, json=body).status_code == 403


def test_the_console_shows_health_and_runs_the_check(
    cli: Callable[..., Result], tokens: dict[str, str], engine: Engine
) -> None:
    busy_history(engine, dt.datetime.now(dt.UTC))
    refused = cli(tokens["auditor"], "health", "cameras")
    assert refused.exit_code == 1 and "may not view_camera_health" in refused.output
    checked = cli(tokens["administrator"], "health", "check")
    assert checked.exit_code == 0, checked.output
    assert "checked 4 cameras: 2 notices raised, 0 cleared" in checked.output
    shown = cli(tokens["administrator"], "health", "cameras")
    assert "POLE-2\tsilent" in shown.output and "POLE-3\trevoked" in shown.output
    listed = cli(tokens["administrator"], "health", "notices")
    assert listed.output.count("\topen\t") == 2
