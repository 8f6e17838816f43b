"""``plateward hotlist`` and ``plateward alert``: as a named account, reports, exit statuses."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from plateward.access.users import add_user, issue_token
from plateward.audit.schema import access_log
from plateward.cli import app
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

runner = CliRunner()


@pytest.fixture
def tokens(settings: Settings, train: Callable[..., None]) -> dict[str, str]:
    engine = open_database(settings.database_url())
    upgrade(engine)
    out = {}
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(connection, agency_id=agency, code="POLE-1", name="Main St", latitude=38.58,
                   longitude=-121.49)  # fmt: skip
        for name, role, trained in (("inv", "investigator", True), ("dep", "user", True),
                                    ("novice", "investigator", False)):  # fmt: skip
            person = add_user(connection, username=name, full_name=name, role=role,
                              agency_id=agency, password="quartz meadow lantern 58")  # fmt: skip
            if trained:
                train(connection, person.id)
            out[name] = issue_token(connection, person.id, "cli")
    engine.dispose()
    return out


def run(settings: Settings, *args: str, token: str | None = None) -> tuple[int, str, str]:
    env = {"PLATEWARD_TOKEN": token} if token else {}
    result = runner.invoke(app, [*args[:2], *args[2:], "--db", settings.database_url()], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_a_list_is_made_filled_imported_and_shown_from_the_console(
    settings: Settings, tokens: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = run(settings, "hotlist", "create", "NCIC", "--source", "ncic_extract",
                         token=tokens["inv"])  # fmt: skip
    assert code == 0, err
    extract = tmp_path / "ncic.csv"
    extract.write_bytes("LIC,LIS,MKE,OCA\r\n7ABC123,CA,STOLEN VEHICLE,26-1\r\n"
                        "5DEF456,CA,IMMIGRATION VIOLATOR,\r\n".encode("latin-1"))  # fmt: skip
    code, out, err = run(settings, "hotlist", "import", str(extract), "--list", "NCIC",
                         token=tokens["inv"])  # fmt: skip
    assert code == 0, err
    assert "added 1, changed 0, removed 0, unchanged 0, rejected 1" in out
    assert "(immigration enforcement refused: 1)" in out
    assert "line 3: immigration enforcement is not a permitted use" in out
    code, out, err = run(settings, "hotlist", "add", "8XYZ999", "--list", "NCIC", "--reason",
                         "amber_alert", "--case", "26-2", "--expires", "2099-01-01",
                         token=tokens["inv"])  # fmt: skip
    assert code == 0, err and "8XYZ999" in out
    code, out, _ = run(settings, "hotlist", "show", "NCIC", token=tokens["dep"])
    assert code == 0 and "NCIC: 2 active entries" in out
    code, out, _ = run(settings, "hotlist", "expire", "--list", "NCIC", "7ABC123",
                       token=tokens["inv"])  # fmt: skip
    assert code == 0 and "1 entry of 'NCIC' expired" in out
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        logged = [(r.username, r.action) for r in connection.execute(select(access_log))]
    engine.dispose()
    assert ("inv", "hotlist.import") in logged and ("dep", "hotlist.view") in logged


def test_without_a_token_or_with_the_wrong_role_nothing_happens(
    settings: Settings, tokens: dict[str, str]
) -> None:
    code, _, err = run(settings, "hotlist", "create", "X")
    assert code == 1 and "give --token or set PLATEWARD_TOKEN" in err
    code, _, err = run(settings, "hotlist", "create", "X", token=tokens["dep"])
    assert code == 1 and "may not edit_hotlists" in err
    code, _, err = run(settings, "hotlist", "create", "X", token=tokens["novice"])
    assert code == 1 and "training required" in err
    code, _, err = run(settings, "hotlist", "create", "X", token="pwu_nothing")
    assert code == 1 and "not recognised" in err


def test_a_refused_replacement_exits_1_and_keeps_the_list(
    settings: Settings, tokens: dict[str, str], tmp_path: Path
) -> None:
    run(settings, "hotlist", "create", "NCIC", token=tokens["inv"])
    good = tmp_path / "good.txt"
    good.write_text("LIC/7ABC123.MKE/STOLEN VEHICLE\n")
    run(settings, "hotlist", "import", str(good), "--list", "NCIC", token=tokens["inv"])
    bad = tmp_path / "bad.txt"
    bad.write_text("LIC/#1.MKE/STOLEN VEHICLE\nLIC/#2.MKE/STOLEN VEHICLE\nLIC/9OK999.MKE/BOLO\n")
    code, out, _ = run(settings, "hotlist", "import", str(bad), "--list", "NCIC", "--replace",
                       "--json", token=tokens["inv"])  # fmt: skip
    assert code == 1
    report = json.loads(out)
    assert not report["applied"] and report["rejected"] == 2
    code, out, _ = run(settings, "hotlist", "show", "NCIC", token=tokens["inv"])
    assert "7ABC123" in out and "9OK999" not in out


def test_reads_imported_from_the_console_raise_alerts(
    settings: Settings, tokens: dict[str, str], tmp_path: Path, make_token: Callable[..., str]
) -> None:
    run(settings, "hotlist", "create", "BOLO", token=tokens["inv"])
    run(settings, "hotlist", "add", "7ABC123", "--list", "BOLO", "--reason", "bolo",
        token=tokens["inv"])  # fmt: skip
    reads = tmp_path / "reads.csv"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    reads.write_text(
        "id,captured_at,plate,confidence,latitude,longitude\n"
        f"{uuid.uuid4()},{now.isoformat()},7ABC123,0.9,38.58,-121.49\n"
        f"{uuid.uuid4()},{now.isoformat()},5XYZ789,0.9,38.58,-121.49\n"
    )
    admin = make_token(settings.database_url(), "administrator")  # imports need import_reads
    result = runner.invoke(app, ["import", "csv", str(reads), "--camera", "POLE-1", "--db",
                                 settings.database_url()], env={"PLATEWARD_TOKEN": admin})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "1 hot list alert(s) raised" in result.stdout
    code, out, _ = run(settings, "alert", "list", token=tokens["dep"])
    assert code == 0 and "7ABC123" in out and "unverified" in out
