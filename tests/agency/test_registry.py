"""The agency registry: registering, completing, and nothing owned by an unregistered agency."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from plateward.agency.registry import agency_by_code, edit_agency, register_agency
from plateward.audit.actor import Actor
from plateward.audit.schema import access_log
from plateward.cli import app as cli_app
from plateward.errors import InvalidInput, NotFound
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

SETUP = Actor("lt.admin", "CCSO", "cli")


def cli(url: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    done = CliRunner().invoke(cli_app, [*args, "--db", url], input=stdin)
    return done.exit_code, done.output


def test_register_complete_and_refuse(database_url: str) -> None:
    engine = open_database(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        made = register_agency(connection, SETUP, code="ccso", name="County Sheriff",
                               kind="law_enforcement", state="ca", ori="ca0010000")  # fmt: skip
        assert (made.code, made.state, made.ori, made.confirmed) == (
            "CCSO",
            "CA",
            "CA0010000",
            True,
        )
    bad = [
        ({"code": "C C", "name": "x", "kind": "law_enforcement", "state": "CA"}, "agency code"),
        ({"code": "X1", "name": "", "kind": "law_enforcement", "state": "CA"}, "name"),
        ({"code": "X1", "name": "x", "kind": "militia", "state": "CA"}, "kind"),
        ({"code": "X1", "name": "x", "kind": "private", "state": "California"}, "two letters"),
        ({"code": "X1", "name": "x", "kind": "private", "state": "CA", "ori": "123"}, "ORI"),
        ({"code": "CCSO", "name": "x", "kind": "private", "state": "CA"}, "code is already"),
        ({"code": "X2", "name": "x", "kind": "private", "state": "CA", "ori": "CA0010000"},
         "ORI CA0010000 is already"),
    ]  # fmt: skip
    for fields, message in bad:
        with engine.begin() as connection, pytest.raises(InvalidInput, match=message):
            register_agency(connection, SETUP, **fields)  # type: ignore[arg-type]
    with engine.begin() as connection, pytest.raises(NotFound, match="not registered"):
        agency_by_code(connection, "NOPE")
    with engine.begin() as connection:
        edited = edit_agency(connection, SETUP, "CCSO", federal=True)
        assert edited.federal and edited.kind == "law_enforcement"
        actions = list(connection.execute(select(access_log.c.action)).scalars())
    assert actions == ["agency.add", "agency.edit"]
    engine.dispose()


def test_users_and_cameras_name_a_registered_agency(database_url: str) -> None:
    code, out = cli(database_url, "camera", "add", "POLE-1", "--agency", "CCSO")
    assert code == 1 and "agency 'CCSO': not registered" in out
    code, out = cli(database_url, "user", "add", "lt", "--role", "administrator", "--agency",
                    "CCSO", stdin="quartz meadow lantern 58\n")  # fmt: skip
    assert code == 1 and "not registered" in out
    code, out = cli(database_url, "agency", "add", "CCSO", "--name", "County Sheriff",
                    "--kind", "law_enforcement", "--state", "CA")  # fmt: skip
    assert code == 0, out
    code, out = cli(database_url, "user", "add", "lt", "--role", "administrator", "--agency",
                    "CCSO", stdin="quartz meadow lantern 58\n")  # fmt: skip
    assert code == 0, out
    code, out = cli(database_url, "camera", "add", "POLE-1", "--agency", "CCSO")
    assert code == 0, out
    # Now that an administrator exists, registering needs their account.
    code, out = cli(database_url, "agency", "add", "CPD", "--name", "City Police", "--kind",
                    "law_enforcement", "--state", "CA")  # fmt: skip
    assert code == 1 and "give --token" in out


def test_the_migration_registers_existing_agencies_for_completion(tmp_path: Path) -> None:
    """An agency from before the registry keeps its code and name; nothing is made up about it,
    and it stays unconfirmed (sharing refuses it) until an administrator completes it."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_database(url)
    upgrade(engine, "0017")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO agencies (code, name, created_at)"
                                " VALUES ('OLDPD', 'Old PD', '2025-01-01 00:00:00')"))  # fmt: skip
    upgrade(engine)
    with engine.begin() as connection:
        old = agency_by_code(connection, "OLDPD")
        assert (old.name, old.kind, old.state, old.confirmed) == ("Old PD", None, None, False)
        assert "to be completed" in old.describe()
        with pytest.raises(InvalidInput, match="kind None"):
            edit_agency(connection, SETUP, "OLDPD", name="Old Town PD")  # still incomplete
    with engine.begin() as connection:
        done = edit_agency(connection, SETUP, "OLDPD", kind="law_enforcement", state="CA")
        assert done.confirmed and done.confirmed_by == "lt.admin" and done.name == "Old PD"
    engine.dispose()
