"""A previous system's search-audit export, imported as marked history beside the chained log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from plateward.access.users import add_user, issue_token
from plateward.audit.actor import Actor
from plateward.audit.imported import find_imported, import_history
from plateward.audit.imported_schema import imported_access_log
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_log
from plateward.cli import app
from plateward.errors import InvalidInput
from plateward.ingest.formats.records import BadRecord
from plateward.settings import Settings
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

PASSWORD = "correct horse saddle 1987"
FLOCK = Path(__file__).resolve().parents[1] / "ingest" / "samples" / "flock_audit.csv"
ADMIN = Actor("admin1", "CCSO", "cli")


@pytest.fixture
def engine(settings: Settings) -> Engine:
    engine = open_database(settings.database_url())
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in ("administrator", "auditor", "investigator"):
            add_user(connection, username=f"{role}1", full_name=role, role=role,
                     agency_id=agency, password=PASSWORD)  # fmt: skip
    return engine


def count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_flock_audit_export_becomes_imported_history(engine: Engine) -> None:
    report = import_history(engine, FLOCK, system="flock", actor=ADMIN)
    assert (report.rows, report.stored, report.duplicates) == (3, 3, 0)
    with engine.connect() as connection:
        entries = find_imported(connection)
        assert find_imported(connection, plate="7abc-123")[0].username == "J. Alvarez"
        chain = verify_log(connection)
        [logged] = connection.execute(select(access_log)).all()
    first, redacted, third = entries
    assert first.at == dt.datetime(2025, 11, 20, 18, 1, 33, tzinfo=dt.UTC)
    assert (first.agency, first.case_number, first.reason) == (
        "County Sheriff CA",
        "25-118822",
        "Stolen vehicle",
    )
    assert (first.action, first.file_name, first.line, first.imported_by) == (
        "lookup",
        "flock_audit.csv",
        2,
        "admin1",
    )
    assert first.detail["Total Networks Searched"] == "3"
    # Redacted by the vendor: kept as written, with no plate to search by.
    assert (redacted.username, redacted.plate, redacted.detail["License Plate"]) == (
        "***",
        None,
        "***",
    )
    assert third.action == "search"
    # The chained log holds the import itself, and stays intact.
    assert (logged.action, logged.username, logged.result_count) == (
        "audit.import_history",
        "admin1",
        3,
    )
    assert chain.intact and chain.entries == 1
    again = import_history(engine, FLOCK, system="flock", actor=ADMIN)
    assert (again.stored, again.duplicates) == (0, 3)
    assert count(engine, imported_access_log) == 3


def test_a_bad_row_refuses_the_file_unless_skipping(engine: Engine, tmp_path: Path) -> None:
    text = FLOCK.read_text(encoding="utf-8").replace("11/21/2025, 05:01:33 AM UTC", "soon")
    path = tmp_path / "audit.csv"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(BadRecord, match=r"audit\.csv line 3: search time: 'soon'"):
        import_history(engine, path, system="flock", actor=ADMIN)
    assert count(engine, imported_access_log) == count(engine, access_log) == 0
    skipped: list[BadRecord] = []
    report = import_history(
        engine, path, system="flock", actor=ADMIN, skip_bad=True, on_skip=skipped.append
    )
    assert (report.stored, report.skipped) == (2, 1)
    assert report.encoding == "utf-8 (detected)"


def test_a_file_that_is_not_an_audit_log_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "reads.csv"
    path.write_text("captured_at,plate,confidence\n2025-11-20T10:00:00Z,ABC,0.9\n", "utf-8")
    with pytest.raises(
        InvalidInput, match="no column for the search time or the user .*not a search-audit"
    ):
        import_history(engine, path, system="flock", actor=ADMIN)
    with pytest.raises(InvalidInput, match="--system 'nope'"):
        import_history(engine, FLOCK, system="nope", actor=ADMIN)


def test_the_cli_acts_as_the_tokens_account(
    engine: Engine, settings: Settings, make_token: Callable[..., str]
) -> None:
    runner = CliRunner()
    db = ["--db", settings.database_url()]
    args = ["audit", "import-history", str(FLOCK), "--system", "flock", *db]
    refused = runner.invoke(app, [*args, "--token", make_token(db[1], "investigator")])
    assert refused.exit_code == 1
    assert "may not import_access_history" in refused.output
    assert count(engine, imported_access_log) == 0
    done = runner.invoke(app, [*args, "--token", make_token(db[1], "auditor")])
    assert done.exit_code == 0, done.output
    assert "imported flock history: 3 entr(ies) stored" in done.output
    listed = runner.invoke(
        app,
        ["audit", "history", "--plate", "8XYZ987", *db,
         "--token", make_token(db[1], "administrator")],
    )  # fmt: skip
    assert listed.exit_code == 0, listed.output
    assert '"username": "K. Osei"' in listed.output and '"imported": true' in listed.output
    assert runner.invoke(app, ["audit", "history", *db]).exit_code == 1


def test_the_api_shows_history_to_log_readers(
    engine: Engine, settings: Settings, server: str
) -> None:
    import_history(engine, FLOCK, system="flock", actor=ADMIN)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        tokens = {}
        for role in ("administrator", "auditor", "investigator"):
            user = add_user(connection, username=f"{role}2", full_name=role, role=role,
                            agency_id=agency, password=PASSWORD)  # fmt: skip
            tokens[role] = issue_token(connection, user.id, "test")
    url = f"{server}/api/v1/audit/history"
    for role in ("administrator", "auditor"):
        response = httpx.get(url, headers={"Authorization": f"Bearer {tokens[role]}"},
                             params={"username": "J. Alvarez"}, timeout=30)  # fmt: skip
        assert response.status_code == 200, response.text
        [entry] = response.json()["results"]
        assert entry["imported"] is True and entry["case_number"] == "25-118822"
    refused = httpx.get(url, headers={"Authorization": f"Bearer {tokens['investigator']}"},
                        timeout=30)  # fmt: skip
    assert refused.status_code == 403
    with engine.connect() as connection:
        reads_of_history = connection.execute(
            select(func.count()).select_from(access_log)
            .where(access_log.c.action == "audit.read_imported_history")
        ).scalar_one()  # fmt: skip
    assert reads_of_history == 2
