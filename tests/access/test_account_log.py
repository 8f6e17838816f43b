"""Account changes in the access log: one entry each, in the change's transaction, no secrets.

``plateward user add``, ``plateward token add``, ``plateward user totp`` and the lockout after
repeated failures each leave exactly one entry naming the account; none of them writes a
password, a hash, a token or a TOTP secret, and the chain still verifies afterwards.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from plateward.access.account_log import REASON
from plateward.access.schema import api_tokens, users
from plateward.access.session_schema import totp_secrets
from plateward.access.totp import check_code, enable_totp
from plateward.access.users import LOCKOUT, MAX_FAILED_LOGINS, LockedOut, sign_in
from plateward.audit.schema import access_log
from plateward.cli import app as cli_app
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

PASSWORD = "juniper quarry falcon 64"
NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        ensure_agency(connection, "CCSO", "County Sheriff")  # registered, unlogged
    yield engine
    engine.dispose()


def plateward(database_url: str, *args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli_app, [*args, "--db", database_url], input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def log(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [
            dict(r._mapping)
            for r in connection.execute(select(access_log).order_by(access_log.c.id))
        ]


def console_entry(action: str, query: dict[str, Any], changed: int = 1) -> dict[str, Any]:
    """The fields an account change made at the console must be logged with."""
    return {
        "username": f"os:{getpass.getuser()}", "agency": "local", "action": action,
        "query": query, "case_number": None, "reason": REASON, "result_count": changed,
        "client_address": "cli", "outcome": "ok",
    }  # fmt: skip


def fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in ("id", "at", "leaf_index")}


def assert_intact(database_url: str, entries: int) -> None:
    said = plateward(database_url, "audit", "verify")
    assert f"access log intact: {entries} entries" in said


def test_account_changes_at_the_console_are_logged_without_secrets(
    database_url: str, engine: Engine
) -> None:
    said = plateward(database_url, "user", "add", "jdoe", "--role", "investigator",
                     "--agency", "CCSO", "--full-name", "J Doe", stdin=PASSWORD + "\n")  # fmt: skip
    assert "jdoe (investigator, CCSO) added" in said
    (added,) = log(engine)
    assert fields(added) == console_entry(
        "user.add",
        {"username": "jdoe", "full_name": "J Doe", "role": "investigator", "agency": "CCSO"},
    )

    token = plateward(database_url, "token", "add", "jdoe", "--name", "laptop").strip()
    assert token.startswith("pwu_")
    _, issued = log(engine)
    assert fields(issued) == console_entry(
        "user.token.add", {"username": "jdoe", "agency": "CCSO", "token_name": "laptop"}
    )

    uri = plateward(database_url, "user", "totp", "jdoe").strip()
    _, _, enrolled = log(engine)
    assert fields(enrolled) == console_entry(
        "user.totp.enable", {"username": "jdoe", "agency": "CCSO"}
    )
    plateward(database_url, "user", "totp", "jdoe", "--remove")
    plateward(database_url, "user", "totp", "jdoe", "--remove")  # nothing left to remove
    removed, again = log(engine)[3:]
    assert fields(removed) == console_entry(
        "user.totp.remove", {"username": "jdoe", "agency": "CCSO"}
    )
    assert fields(again) == console_entry(
        "user.totp.remove", {"username": "jdoe", "agency": "CCSO"}, changed=0
    )

    with engine.connect() as connection:
        password_hash = connection.execute(select(users.c.password_hash)).scalar_one()
        token_hash = connection.execute(select(api_tokens.c.token_hash)).scalar_one()
    written = json.dumps(log(engine), default=str)
    secrets = [PASSWORD, password_hash, "$argon2", token, token.removeprefix("pwu_"), token_hash,
               pyotp.parse_uri(uri).secret]  # fmt: skip
    assert [s for s in secrets if s in written] == []
    assert_intact(database_url, 5)


def test_a_refused_change_leaves_no_entry(database_url: str, engine: Engine) -> None:
    weak = CliRunner().invoke(cli_app, ["user", "add", "jdoe", "--role", "user", "--agency",
                                        "CCSO", "--db", database_url], input="short\n")  # fmt: skip
    assert weak.exit_code == 1
    unknown = CliRunner().invoke(cli_app, ["token", "add", "nobody", "--db", database_url])
    assert unknown.exit_code == 1
    assert log(engine) == []


def test_the_change_and_its_entry_commit_together(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the entry cannot be written, the account is not created either."""

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the access log is unavailable")

    monkeypatch.setattr("plateward.access.cli.log_account_change", broken)
    add = ["user", "add", "jdoe", "--role", "user", "--agency", "CCSO", "--db", database_url]
    result = CliRunner().invoke(cli_app, add, input=PASSWORD + "\n")
    assert result.exit_code != 0
    with engine.connect() as connection:
        assert connection.execute(select(users.c.id)).all() == []
    assert log(engine) == []


def test_a_lockout_is_logged_once_in_the_failures_transaction(
    database_url: str, engine: Engine
) -> None:
    plateward(database_url, "user", "add", "jdoe", "--role", "user", "--agency", "CCSO",
              stdin=PASSWORD + "\n")  # fmt: skip
    for _ in range(MAX_FAILED_LOGINS - 1):
        with engine.begin() as connection:
            assert sign_in(connection, "jdoe", "wrong password here", NOW) is None
    assert [e["action"] for e in log(engine)] == ["user.add"]  # not locked yet
    with engine.begin() as connection:
        assert sign_in(connection, "jdoe", "wrong password here", NOW,
                       client_address="203.0.113.9") is None  # fmt: skip
    with engine.begin() as connection, pytest.raises(LockedOut):
        sign_in(connection, "jdoe", PASSWORD, NOW + dt.timedelta(minutes=1))
    _, locked = log(engine)
    assert fields(locked) == {
        "username": "jdoe", "agency": "CCSO", "action": "user.locked",
        "query": {"step": "password", "failed_attempts": MAX_FAILED_LOGINS,
                  "locked_until": (NOW + LOCKOUT).isoformat()},
        "case_number": None, "reason": "repeated failed sign-ins", "result_count": 1,
        "client_address": "203.0.113.9", "outcome": "locked",
    }  # fmt: skip
    assert "wrong password here" not in json.dumps(log(engine), default=str)

    # A failure whose transaction rolls back leaves neither the count nor the entry.
    later = NOW + LOCKOUT + dt.timedelta(seconds=1)
    with engine.begin() as connection:
        assert sign_in(connection, "jdoe", PASSWORD, later) is not None
    for _ in range(MAX_FAILED_LOGINS - 1):
        with engine.begin() as connection:
            sign_in(connection, "jdoe", "wrong password here", later)
    with engine.connect() as connection:
        assert sign_in(connection, "jdoe", "wrong password here", later) is None
        connection.rollback()
    assert len(log(engine)) == 2
    assert_intact(database_url, 2)


def test_a_second_factor_lockout_is_logged(database_url: str, engine: Engine) -> None:
    plateward(database_url, "user", "add", "jdoe", "--role", "user", "--agency", "CCSO",
              stdin=PASSWORD + "\n")  # fmt: skip
    with engine.begin() as connection:
        user = sign_in(connection, "jdoe", PASSWORD, NOW)
        assert user is not None
        secret = enable_totp(connection, user.id, NOW)  # a primitive: logged by the command
    for attempt in range(MAX_FAILED_LOGINS):
        with engine.begin() as connection:
            assert not check_code(connection, user.id, "12345x", NOW, client_address="10.0.0.7")
        assert len(log(engine)) == (2 if attempt == MAX_FAILED_LOGINS - 1 else 1)
    with engine.begin() as connection, pytest.raises(LockedOut):
        check_code(connection, user.id, pyotp.TOTP(secret).at(NOW), NOW)
    _, locked = log(engine)
    assert (locked["action"], locked["username"], locked["agency"], locked["outcome"]) == (
        "user.locked", "jdoe", "CCSO", "locked",
    )  # fmt: skip
    assert locked["query"]["step"] == "second_factor"
    assert locked["client_address"] == "10.0.0.7"
    with engine.connect() as connection:
        assert connection.execute(select(totp_secrets.c.failed_codes)).scalar_one() == 0
    assert secret not in json.dumps(log(engine), default=str)
    assert_intact(database_url, 2)


def test_once_an_administrator_holds_a_token_account_commands_need_one(
    database_url: str, engine: Engine
) -> None:
    """The console makes the first administrator and their token; after that, accounts are an
    administrator's business, as the named account that did it."""
    plateward(database_url, "user", "add", "chief", "--role", "administrator", "--agency", "CCSO",
              stdin=PASSWORD + "\n")  # fmt: skip
    chief = plateward(database_url, "token", "add", "chief").strip()
    refused = CliRunner().invoke(
        cli_app, ["user", "add", "jdoe", "--role", "user", "--agency", "CCSO", "--db",
                  database_url], input=PASSWORD + "\n", env={"PLATEWARD_TOKEN": ""},
    )  # fmt: skip
    assert refused.exit_code == 1 and "give --token or set PLATEWARD_TOKEN" in refused.output
    plateward(database_url, "user", "add", "jdoe", "--role", "user", "--agency", "CCSO",
              "--token", chief, stdin=PASSWORD + "\n")  # fmt: skip
    deputy = plateward(database_url, "token", "add", "jdoe", "--token", chief).strip()
    refused = CliRunner().invoke(cli_app, ["token", "add", "chief", "--db", database_url,
                                           "--token", deputy])  # fmt: skip
    assert refused.exit_code == 1 and "role user may not manage_users" in refused.output
    *_, added, issued = log(engine)
    assert (added["username"], added["action"]) == ("chief", "user.add")
    assert (issued["username"], issued["action"]) == ("chief", "user.token.add")
