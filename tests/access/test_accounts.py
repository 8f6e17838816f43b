"""Accounts: password rules, argon2id hashes, lockout, tokens, and the CLI that adds users."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from plateward.access.passwords import check_password_rules
from plateward.access.roles import PERMISSIONS, Action, Role, allowed
from plateward.access.schema import users
from plateward.access.users import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    LockedOut,
    add_user,
    issue_token,
    sign_in,
    user_for_token,
)
from plateward.errors import InvalidInput
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

GOOD = "mossy granite lantern 42"


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short1!", "at least 12"),
        ("password1234", "breached-password lists"),
        ("Password123!", "breached-password lists"),
        ("Deputy123456", "too easy to guess"),
        ("Plateward2026", "too easy to guess"),
        ("qwertyuiop123", "too easy to guess"),
        ("jdoe-jdoe-jdoe-2026", "username"),
        ("aaaaaaaaaaaaab", "too few different"),
    ],
)
def test_weak_passwords_are_refused(password: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        check_password_rules(password, "jdoe")


def test_sign_in_lockout_and_tokens(database_url: str) -> None:
    engine = open_database(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        user = add_user(connection, username="jdoe", full_name="J Doe", role="investigator",
                        agency_id=agency, password=GOOD)  # fmt: skip
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
        assert stored.startswith("$argon2id$")
        assert GOOD not in stored
        with pytest.raises(InvalidInput, match="already taken"):
            add_user(connection, username="jdoe", full_name="", role="user", agency_id=agency,
                     password=GOOD)  # fmt: skip
    now = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
    with engine.begin() as connection:
        assert sign_in(connection, "jdoe", GOOD, now) == user
        assert sign_in(connection, "nobody", GOOD, now) is None
    for _ in range(MAX_FAILED_LOGINS):
        with engine.begin() as connection:
            assert sign_in(connection, "jdoe", "wrong password here", now) is None
    with engine.begin() as connection, pytest.raises(LockedOut):
        sign_in(connection, "jdoe", GOOD, now + dt.timedelta(minutes=1))  # right password, locked
    with engine.begin() as connection:
        assert sign_in(connection, "jdoe", GOOD, now + LOCKOUT + dt.timedelta(seconds=1)) == user
        token = issue_token(connection, user.id, "laptop")
        assert user_for_token(connection, token) == user
        assert user_for_token(connection, token + "x") is None
    engine.dispose()


def test_user_add_reads_the_password_from_stdin(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    registered = subprocess.run(
        [sys.executable, "-m", "plateward", "agency", "add", "CCSO", "--name", "County Sheriff",
         "--kind", "law_enforcement", "--state", "CA", "--db", url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    command = [sys.executable, "-m", "plateward", "user", "add", "asmith", "--role",
               "auditor", "--agency", "CCSO", "--db", url]  # fmt: skip
    done = subprocess.run(command, input=GOOD + "\n", capture_output=True, text=True,
                          check=False, env={**os.environ})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "asmith (auditor, CCSO) added" in done.stdout
    weak = subprocess.run([*command[:5], "bsmith", *command[6:]], input="short\n",
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert weak.returncode == 1
    assert "at least 12" in weak.stderr


def test_permission_table_is_complete_and_auditors_do_not_search() -> None:
    assert set(PERMISSIONS) == set(Action)
    assert not allowed(Role.AUDITOR, Action.SEARCH)
    assert allowed(Role.AUDITOR, Action.READ_ACCESS_LOG)
    assert allowed(Role.USER, Action.SEARCH)
    assert not allowed(Role.USER, Action.EXPORT)
