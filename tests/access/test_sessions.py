"""Web sessions' two clocks, and the TOTP second factor's replay and guessing limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyotp
import pytest
from sqlalchemy import Engine, update

from plateward.access.schema import users
from plateward.access.sessions import Lifetimes, session_for_token, start_session
from plateward.access.totp import check_code, enable_totp, has_totp
from plateward.access.users import MAX_FAILED_LOGINS, LockedOut, User, add_user, sign_in
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

PASSWORD = "cobalt orchard whistle 31"
T0 = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
LIFETIMES = Lifetimes(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def user(engine: Engine) -> User:
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        return add_user(connection, username="jdoe", full_name="J Doe", role="user",
                        agency_id=agency, password=PASSWORD)  # fmt: skip


def test_a_session_ends_when_idle_and_at_its_lifetime(engine: Engine, user: User) -> None:
    with engine.begin() as connection:
        token, started = start_session(
            connection, user.id, second_factor_passed=True, lifetimes=LIFETIMES, now=T0
        )
        assert started.user == user and started.expires_at == T0 + LIFETIMES.absolute
        found = session_for_token(connection, token, LIFETIMES, T0 + dt.timedelta(minutes=29))
        assert found is not None and found.csrf_token == started.csrf_token
        assert session_for_token(connection, token + "x", LIFETIMES, T0) is None
        # Used every 20 minutes it stays alive, until the absolute lifetime.
        at = T0
        while at + dt.timedelta(minutes=20) < T0 + LIFETIMES.absolute:
            at += dt.timedelta(minutes=20)
            assert session_for_token(connection, token, LIFETIMES, at) is not None, at
        assert session_for_token(connection, token, LIFETIMES, T0 + LIFETIMES.absolute) is None
        idle, _ = start_session(
            connection, user.id, second_factor_passed=True, lifetimes=LIFETIMES, now=T0
        )
        assert session_for_token(connection, idle, LIFETIMES, T0 + dt.timedelta(minutes=31)) is None
        # Once gone, it stays gone even if the clock were turned back.
        assert session_for_token(connection, idle, LIFETIMES, T0) is None


def test_disabling_an_account_ends_its_sessions(engine: Engine, user: User) -> None:
    with engine.begin() as connection:
        token, _ = start_session(
            connection, user.id, second_factor_passed=True, lifetimes=LIFETIMES, now=T0
        )
        connection.execute(update(users).values(disabled_at=T0))
        assert session_for_token(connection, token, LIFETIMES, T0) is None


def test_totp_codes_work_once_and_wrong_ones_lock_the_account(engine: Engine, user: User) -> None:
    with engine.begin() as connection:
        token, _ = start_session(
            connection, user.id, second_factor_passed=True, lifetimes=LIFETIMES, now=T0
        )
        secret = enable_totp(connection, user.id, T0)
        assert has_totp(connection, user.id)
        # A new second factor signs every browser out.
        assert session_for_token(connection, token, LIFETIMES, T0) is None
    totp = pyotp.TOTP(secret)
    with engine.begin() as connection:
        assert check_code(connection, user.id, totp.at(T0), T0)
        assert not check_code(connection, user.id, totp.at(T0), T0)  # replayed
        later = T0 + dt.timedelta(seconds=60)
        # A phone clock 30 s behind still works; spaces as apps show them are fine.
        behind = totp.at(later - dt.timedelta(seconds=30))
        assert check_code(connection, user.id, f"{behind[:3]} {behind[3:]}", later)
    right = T0 + dt.timedelta(minutes=5)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with engine.begin() as connection:
            assert not check_code(connection, user.id, "123456", right)
    # The right password does not reset the count of wrong codes: the next one locks.
    with engine.begin() as connection:
        assert sign_in(connection, "jdoe", PASSWORD, right) == user
        assert not check_code(connection, user.id, "12345x", right)
    with engine.begin() as connection, pytest.raises(LockedOut):
        check_code(connection, user.id, totp.at(right), right)
    with engine.begin() as connection, pytest.raises(LockedOut):
        sign_in(connection, "jdoe", PASSWORD, right + dt.timedelta(minutes=1))


def test_a_lockout_stops_tokens_and_open_sessions_at_once(engine: Engine, user: User) -> None:
    from plateward.access.users import issue_token, user_for_token

    with engine.begin() as connection:
        token = issue_token(connection, user.id, "laptop")
        cookie, _ = start_session(connection, user.id, second_factor_passed=True,
                                  lifetimes=LIFETIMES, now=T0)  # fmt: skip
        assert user_for_token(connection, token, now=T0) == user
    with engine.begin() as connection:
        for _ in range(MAX_FAILED_LOGINS):
            assert sign_in(connection, "jdoe", "not the password", now=T0) is None
    later = T0 + dt.timedelta(minutes=1)
    with engine.begin() as connection:
        assert user_for_token(connection, token, now=later) is None
        assert session_for_token(connection, cookie, LIFETIMES, now=later) is None
    after_lock = T0 + dt.timedelta(minutes=16)
    with engine.begin() as connection:
        assert user_for_token(connection, token, now=after_lock) == user


def test_a_short_idle_limit_is_refreshed_well_within_it(engine: Engine, user: User) -> None:
    """web.session_idle_minutes = 1: a request every 50 s keeps the session alive."""
    one_minute = Lifetimes(idle=dt.timedelta(minutes=1), absolute=dt.timedelta(hours=12))
    with engine.begin() as connection:
        cookie, _ = start_session(connection, user.id, second_factor_passed=True,
                                  lifetimes=one_minute, now=T0)  # fmt: skip
    for step in range(1, 6):
        with engine.begin() as connection:
            now = T0 + dt.timedelta(seconds=50 * step)
            assert session_for_token(connection, cookie, one_minute, now=now) is not None
    with engine.begin() as connection:
        idle = T0 + dt.timedelta(seconds=250 + 61)
        assert session_for_token(connection, cookie, one_minute, now=idle) is None
