"""``plateward search``: refusals, JSON lines and tables, against real databases."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from plateward.cli import app

AddRead = Callable[..., uuid.UUID]
Point = tuple[float, float]
WHY = ["--case", "26-004211"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["search", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["plate", "7ABC123"],
        ["partial", "7AB*"],
        ["tolerant", "7ABC123"],
        ["grid", "--lat", "38.5", "--lon", "-121.5", "--radius-m", "100"],
        ["stakeout", "--area", "38.5,-121.5,100,2026-05-01T00:00Z,2026-05-02T00:00Z"],
        ["timeline", "7ABC123"],
        ["cloned", "7ABC123"],
    ],
)
def test_every_command_refuses_without_a_justification(command: list[str]) -> None:
    code, _, err = run(*command, "--db", "sqlite:///never-opened.db")
    assert code == 2
    assert "error: justification: give a case number or a reason" in err
    code, _, err = run(*command, "--reason", "n/a", "--db", "sqlite:///never-opened.db")
    assert code == 2
    assert "placeholder" in err


def test_searches_print_json_lines_and_tables(
    console_as: Callable[..., str],
    database_url: str,
    engine: Engine,
    add_read: AddRead,
    moved: Callable[..., Point],
    base: Point,
    t0: dt.datetime,
) -> None:
    console_as(database_url, "investigator")
    first = add_read("7ABC123", at=t0)
    add_read("7ABC123", at=t0 + dt.timedelta(minutes=5), where=moved(60_000), camera="POLE-2")
    add_read("7A8C123", at=t0, where=moved(2000))
    db = ["--db", database_url]

    code, out, _ = run("plate", "7ABC123", *WHY, *db, "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["captured_at"] for line in lines] == [
        "2026-05-01T12:05:00+00:00",
        "2026-05-01T12:00:00+00:00",
    ]
    assert lines[1]["id"] == str(first) and lines[1]["camera"] == "POLE-1"

    code, out, _ = run("tolerant", "7ABC123", "--reason", "stolen vehicle report", *db, "--json")
    assert code == 0
    assert [json.loads(line)["plate"] for line in out.splitlines()] == ["7ABC123"] * 2 + ["7A8C123"]

    code, out, _ = run("partial", "7A?C*", *WHY, *db, "--camera", "POLE-2")
    assert code == 0
    assert "7ABC123" in out and "POLE-2" in out and "1 read" in out

    window = ["--start", "2026-05-01T04:00:00-08:00", "--end", "2026-05-01T13:00Z"]
    lat, lon = base
    args = ["--lat", str(lat), "--lon", str(lon), "--radius-m", "2500", *window, *WHY, *db]
    code, out, _ = run("grid", *args, "--json")
    assert code == 0
    assert sorted(json.loads(line)["plate"] for line in out.splitlines()) == ["7A8C123", "7ABC123"]

    square = ";".join(f"{a},{b}" for a, b in (moved(-10, -10), moved(-10, 10), moved(10, 10)))
    code, out, _ = run(
        "grid",
        "--polygon",
        square + f";{moved(10, -10)[0]},{moved(10, -10)[1]}",
        *window,
        *WHY,
        *db,
        "--json",
    )
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [str(first)]

    areas = [
        "--area", f"{lat},{lon},100,2026-05-01T11:00Z,2026-05-01T13:00Z",
        "--area", f"{moved(60_000)[0]},{lon},100,2026-05-01T11:00Z,2026-05-01T13:00Z",
    ]  # fmt: skip
    code, out, _ = run("stakeout", *areas, *WHY, *db, "--json")
    assert code == 0
    (common,) = [json.loads(line) for line in out.splitlines()]
    assert (common["plate"], common["areas"], len(common["reads"])) == ("7ABC123", [1, 2], 2)

    code, out, _ = run("timeline", "7ABC123", *WHY, *db)
    assert code == 0
    assert out.index("POLE-1") < out.index("POLE-2")

    code, out, _ = run("cloned", "7ABC123", *WHY, *db, "--json")
    assert code == 0
    (pair,) = [json.loads(line) for line in out.splitlines()]
    assert pair["speed_kmh"] == pytest.approx(720, abs=0.1)
    code, out, _ = run("cloned", "7ABC123", *WHY, *db)
    assert code == 0 and "720" in out


def test_bad_options_are_refused_before_searching(
    console_as: Callable[..., str], database_url: str, engine: Engine
) -> None:
    console_as(database_url, "investigator")
    db = ["--db", database_url]
    code, _, err = run("plate", "7ABC123", *WHY, *db, "--start", "yesterday")
    assert code == 2 and "not an ISO 8601 time" in err
    code, _, err = run("plate", "7ABC123", *WHY, *db, "--start", "2026-05-01T08:00")
    assert code == 2 and "give a UTC offset" in err
    code, _, err = run("grid", "--lat", "38.5", *WHY, *db)
    assert code == 2 and "--radius-m" in err
    code, _, err = run("stakeout", "--area", "38.5,-121.5", "--area", "x", *WHY, *db)
    assert code == 2 and "expected 'LAT,LON,RADIUS_M,START,END'" in err
    code, _, err = run("partial", "7B%", *WHY, *db)
    assert code == 1 and "error: pattern '7B%'" in err
    code, _, err = run("grid", "--lat", "38.5", "--lon", "-121.5", "--radius-m", "10", *WHY, *db)
    assert code == 1 and "grid search: give a time window" in err


def test_console_searches_are_logged_with_their_options(
    console_as: Callable[..., str], database_url: str, engine: Engine, add_read: AddRead,
    t0: dt.datetime,
) -> None:  # fmt: skip
    from sqlalchemy import select

    from plateward.audit.schema import access_log
    from plateward.audit.verify import verify_log

    add_read("7ABC123", at=t0)
    console_as(database_url, "user", "deputy7")
    code, _, _ = run("partial", "7AB*", "--reason", "hit and run on Main St", "--db", database_url)
    assert code == 0
    with engine.connect() as connection:
        (entry,) = connection.execute(select(access_log)).all()
        assert verify_log(connection).intact
    assert entry.action == "search.partial"
    assert (entry.username, entry.agency) == ("deputy7", "CCSO")
    assert entry.client_address == "cli"
    assert entry.query["pattern"] == "7AB*"
    assert entry.reason == "hit and run on Main St"
    assert entry.result_count == 1


def test_console_searches_act_as_a_named_account_with_the_apis_checks(
    database_url: str, engine: Engine, make_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Policy A.2, A.8, F: no token, a wrong one, a role without the action, no training."""
    from plateward.access.users import add_user, issue_token, user_by_name

    db = ["--db", database_url]
    monkeypatch.delenv("PLATEWARD_TOKEN", raising=False)
    code, _, err = run("plate", "7ABC123", *WHY, *db)
    assert code == 1 and "give --token or set PLATEWARD_TOKEN" in err
    code, _, err = run("plate", "7ABC123", *WHY, *db, "--token", "pwu_not-a-token")
    assert code == 1 and "token not recognised" in err
    deputy = make_token(database_url, "user")
    code, _, err = run("grid", "--lat", "38.5", "--lon", "-121.5", "--radius-m", "10", *WHY, *db,
                       "--token", deputy)  # fmt: skip
    assert code == 1 and "role user may not analyse" in err
    auditor = make_token(database_url, "auditor")
    code, _, err = run("plate", "7ABC123", *WHY, *db, "--token", auditor)
    assert code == 1 and "role auditor may not search" in err
    monkeypatch.setenv("PLATEWARD_TOKEN", deputy)
    code, _, err = run("plate", "7ABC123", *WHY, *db)
    assert code == 0, err
    with engine.begin() as connection:
        agency = user_by_name(connection, "console_user").agency
        from plateward.store.cameras import ensure_agency

        untrained = add_user(connection, username="rookie", full_name="Rookie", role="user",
                             agency_id=ensure_agency(connection, agency, agency),
                             password="cobalt ridge falcon 62")  # fmt: skip
        rookie = issue_token(connection, untrained.id, "console")
    code, _, err = run("plate", "7ABC123", *WHY, *db, "--token", rookie)
    assert code == 1 and "training required: " in err and "(no certificate)" in err
