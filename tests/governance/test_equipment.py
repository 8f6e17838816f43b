"""Equipped vehicles and maintenance tickets (policy D.2, D.3, E) over HTTP and the console."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from typer.testing import Result

from plateward.access.users import user_by_name
from plateward.governance.equipment.schema import maintenance_tickets
from plateward.store.schema import cameras

API = Callable[..., httpx.Response]
NOW = dt.datetime.now(dt.UTC)


def test_vehicles_their_cameras_and_the_qualified_operators(
    api: API, tokens: dict[str, str], engine: Engine, train: Callable[..., None]
) -> None:
    with engine.begin() as connection:
        train(connection, user_by_name(connection, "user1").id)
    admin = tokens["administrator"]
    made = api(
        "POST",
        "/equipment/vehicles",
        admin,
        json={"unit_number": "4471", "description": "Ford Interceptor, patrol"},
    )
    assert made.status_code == 201, made.text
    again = api(
        "POST", "/equipment/vehicles", admin, json={"unit_number": "4471", "description": "x"}
    )
    assert again.status_code == 422 and "already registered" in again.text
    assert (
        api(
            "POST",
            "/equipment/vehicles",
            tokens["user"],
            json={"unit_number": "9", "description": "x"},
        ).status_code
        == 403
    )
    unknown = api("PUT", "/equipment/cameras/POLE-1/placement", admin, json={"vehicle": "4472"})
    assert unknown.status_code == 422 and "vehicle 4472: not registered" in unknown.text
    both = api(
        "PUT",
        "/equipment/cameras/POLE-1/placement",
        admin,
        json={"vehicle": "4471", "site": "Main St"},
    )
    assert both.status_code == 422 and "either" in both.text
    placed = api("PUT", "/equipment/cameras/POLE-1/placement", admin, json={"vehicle": "4471"})
    assert placed.json()["kind"] == "vehicle" and placed.json()["vehicle"] == "4471"
    with engine.begin() as connection:  # a camera naming a car nobody registered
        connection.execute(
            insert(cameras).values(
                agency_id=1,
                code="CAR-9",
                name="car 9",
                kind="vehicle",
                vehicle_id="9",
                public_areas_only=True,
                key_hash="9" * 64,
                created_at=NOW,
            )
        )

    assert api("GET", "/equipment/vehicles", tokens["user"]).status_code == 403
    page = api("GET", "/equipment/vehicles", tokens["auditor"]).json()
    assert [
        (v["unit_number"], v["registered"], [c["code"] for c in v["cameras"]])
        for v in page["vehicles"]
    ] == [("4471", True, ["POLE-1"]), ("9", False, ["CAR-9"])]
    operators = {o["username"] for o in page["qualified_operators"]}
    assert "user1" in operators and "investigator1" not in operators  # untrained

    out = api("PATCH", "/equipment/vehicles/4471", admin, json={"in_service": False})
    assert out.json()["in_service"] is False
    back = api(
        "PUT",
        "/equipment/cameras/POLE-1/placement",
        admin,
        json={"site": "Main St at 1st", "latitude": 38.5, "longitude": -121.5},
    )
    assert back.json()["kind"] == "fixed" and back.json()["vehicle"] is None


def test_a_repair_waits_for_the_administrators_authorization(
    api: API, tokens: dict[str, str], log_actions: Callable[[], list[tuple[str, str]]]
) -> None:
    deputy, admin = tokens["user"], tokens["administrator"]
    unknown = api(
        "POST", "/maintenance/tickets", deputy, json={"camera": "POLE-9", "problem": "cracked lens"}
    )
    assert unknown.status_code == 422 and "camera POLE-9: no such camera" in unknown.text
    neither = api("POST", "/maintenance/tickets", deputy, json={"problem": "cracked lens"})
    assert neither.status_code == 422 and "name the equipment" in neither.text
    blank = api("POST", "/maintenance/tickets", deputy, json={"camera": "POLE-1", "problem": " "})
    assert blank.status_code == 422 and "problem: required" in blank.text
    made = api(
        "POST",
        "/maintenance/tickets",
        deputy,
        json={"camera": "POLE-1", "problem": "Lens cracked after a hailstorm."},
    )
    assert made.status_code == 201, made.text
    path = f"/maintenance/tickets/{made.json()['id']}"
    assert made.json()["status"] == "open" and made.json()["kind"] is None
    waiting = api("GET", "/maintenance/status", admin).json()
    assert (waiting["awaiting_assessment"], waiting["awaiting_authorization"]) == (1, 0)

    assert api("POST", f"{path}/authorize", deputy, json={}).status_code == 403
    early = api("POST", f"{path}/start", admin, json={"performed_by": "TSU: J. Park"})
    assert early.status_code == 422 and "assess it first" in early.text
    api("POST", f"{path}/assess", admin, json={"kind": "repair", "note": "new housing needed"})
    waiting = api("GET", "/maintenance/status", admin).json()
    assert (waiting["awaiting_assessment"], waiting["awaiting_authorization"]) == (0, 1)
    unauthorized = api("POST", f"{path}/start", admin, json={"performed_by": "TSU: J. Park"})
    assert unauthorized.status_code == 422
    assert "waits for the system administrator's authorization (policy E.1)" in unauthorized.text
    authorized = api("POST", f"{path}/authorize", admin, json={"note": "approved, under $2k"})
    assert authorized.status_code == 200, authorized.text
    assert authorized.json()["authorized_by"] == "administrator1"
    twice = api("POST", f"{path}/authorize", admin, json={})
    assert twice.status_code == 422 and "already authorized by administrator1 on" in twice.text
    before = api(
        "POST",
        f"{path}/start",
        admin,
        json={
            "performed_by": "TSU: J. Park",
            "started_at": (NOW - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert before.status_code == 422 and "before the repair was authorized" in before.text
    started = api("POST", f"{path}/start", admin, json={"performed_by": "TSU: J. Park"})
    assert started.status_code == 200 and started.json()["status"] == "started"
    backwards = api(
        "POST",
        f"{path}/complete",
        admin,
        json={
            "work_done": "housing replaced",
            "completed_at": (NOW - dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert backwards.status_code == 422 and "before the work started" in backwards.text
    done = api("POST", f"{path}/complete", admin, json={"work_done": "Housing and lens replaced."})
    assert done.json()["status"] == "done" and done.json()["performed_by"] == "TSU: J. Park"
    assert [e["kind"] for e in done.json()["events"]] == [
        "reported",
        "assessed",
        "authorized",
        "started",
        "done",
    ]
    assert api("GET", "/maintenance/tickets", deputy).json()["count"] == 0
    assert api("GET", "/maintenance/tickets?include_finished=true", deputy).json()["count"] == 1
    assert [a for _, a in log_actions()] == [
        "maintenance.report",
        "maintenance.assess",
        "maintenance.authorize",
        "maintenance.start",
        "maintenance.complete",
    ]


def test_routine_maintenance_is_recorded_in_one_step(api: API, tokens: dict[str, str]) -> None:
    admin = tokens["administrator"]
    body = {
        "camera": "POLE-1",
        "work_done": "Lens cleaned, firmware 4.2",
        "performed_by": "TSU",
        "started_at": (NOW - dt.timedelta(hours=2)).isoformat(),
        "completed_at": (NOW - dt.timedelta(hours=3)).isoformat(),
    }
    wrong = api("POST", "/maintenance/routine", admin, json=body)
    assert wrong.status_code == 422 and "before started_at" in wrong.text
    body["completed_at"] = (NOW - dt.timedelta(hours=1)).isoformat()
    assert api("POST", "/maintenance/routine", tokens["user"], json=body).status_code == 403
    done = api("POST", "/maintenance/routine", admin, json=body)
    assert done.status_code == 201 and done.json()["kind"] == "routine"
    assert done.json()["status"] == "done" and done.json()["authorized_by"] is None
    status = api("GET", "/maintenance/status", admin).json()
    assert status["awaiting_authorization"] == 0 and status["awaiting_assessment"] == 0


def test_the_database_itself_refuses_an_unauthorized_repair(
    engine: Engine, tokens: dict[str, str]
) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            insert(maintenance_tickets).values(
                camera_id=1,
                problem="x",
                reported_by="x",
                reported_at=NOW,
                kind="repair",
                status="started",
                started_at=NOW,
                performed_by="TSU",
            )
        )
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(maintenance_tickets)).scalar() == 0
        )


def test_the_console_reports_and_authorizes(
    cli: Callable[..., Result], tokens: dict[str, str]
) -> None:
    reported = cli(
        tokens["user"], "maintenance", "report", "No reads since Tuesday", "--camera", "POLE-1"
    )
    assert reported.exit_code == 0 and "ticket 1: reported" in reported.output
    refused = cli(tokens["user"], "maintenance", "authorize", "1")
    assert refused.exit_code == 1 and "may not manage_maintenance" in refused.output
    admin = tokens["administrator"]
    assert cli(admin, "maintenance", "assess", "1", "--kind", "repair").exit_code == 0
    early = cli(admin, "maintenance", "start", "1", "--performed-by", "TSU")
    assert early.exit_code == 1 and "policy E.1" in early.output
    assert cli(admin, "maintenance", "authorize", "1").exit_code == 0
    assert "already authorized" in cli(admin, "maintenance", "authorize", "1").output
    assert cli(admin, "maintenance", "start", "1", "--performed-by", "TSU").exit_code == 0
    shown = cli(tokens["user"], "maintenance", "show", "1")
    assert "authorized by administrator1" in shown.output and "work by TSU" in shown.output
