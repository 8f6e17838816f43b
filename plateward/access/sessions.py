"""Browser sessions: a random cookie token, looked up in the ``sessions`` table on every page.

Server-side rather than a signed cookie, so that signing out, disabling an account or turning
on a second factor ends a session at once instead of when a cookie expires. A session has two
clocks: it ends after ``idle`` without a request (a terminal left signed in at a desk) and
after ``absolute`` whatever happens (a stolen cookie does not live for ever).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, or_, update

from plateward.access.schema import users
from plateward.access.session_schema import sessions
from plateward.access.users import User, usable, user_by_id, user_from_row, user_query

TOUCH_EVERY = dt.timedelta(seconds=60)
"""How stale ``last_seen_at`` may get before a request rewrites it: a write per minute, not per
request, costs the idle clock at most this much precision; with a short idle limit, a tenth of
it (``touch_every``), so a session in use is never taken for an idle one."""


@dataclass(frozen=True)
class Lifetimes:
    idle: dt.timedelta
    absolute: dt.timedelta


@dataclass(frozen=True)
class Session:
    id: str
    """The SHA-256 of the cookie's token; the token itself is never stored."""
    user: User
    csrf_token: str
    second_factor_passed: bool
    expires_at: dt.datetime


def start_session(
    connection: Connection, user_id: int, *, second_factor_passed: bool, lifetimes: Lifetimes,
    now: dt.datetime | None = None,
) -> tuple[str, Session]:  # fmt: skip
    """A new session and the token for its cookie (a fresh one each time: no fixation)."""
    now = now or dt.datetime.now(dt.UTC)
    purge_expired(connection, lifetimes, now)
    token = secrets.token_urlsafe(32)
    session = Session(
        id=_digest(token),
        user=user_by_id(connection, user_id),
        csrf_token=secrets.token_urlsafe(32),
        second_factor_passed=second_factor_passed,
        expires_at=now + lifetimes.absolute,
    )
    connection.execute(
        insert(sessions).values(
            id=session.id,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=session.expires_at,
            csrf_token=session.csrf_token,
            second_factor_passed=second_factor_passed,
        )
    )
    return token, session


def session_for_token(
    connection: Connection, token: str, lifetimes: Lifetimes, now: dt.datetime | None = None
) -> Session | None:
    """The live session this cookie token names; None if unknown or expired, or if its account
    is disabled or locked (a lockout ends open sessions at once)."""
    now = now or dt.datetime.now(dt.UTC)
    # The person comes in the same row: every page asks, so a query less is a round trip less.
    row = connection.execute(
        user_query(
            sessions.c.id.label("session_id"), sessions.c.csrf_token,
            sessions.c.second_factor_passed, sessions.c.expires_at, sessions.c.last_seen_at,
        )
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(sessions.c.id == _digest(token), usable(now))
    ).first()  # fmt: skip
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + lifetimes.idle <= now:
        end_session(connection, row.session_id)
        return None
    if now - row.last_seen_at >= touch_every(lifetimes):
        connection.execute(
            update(sessions).where(sessions.c.id == row.session_id).values(last_seen_at=now)
        )
    return Session(
        id=row.session_id,
        user=user_from_row(row),
        csrf_token=row.csrf_token,
        second_factor_passed=row.second_factor_passed,
        expires_at=row.expires_at,
    )


def touch_every(lifetimes: Lifetimes) -> dt.timedelta:
    return min(TOUCH_EVERY, lifetimes.idle / 10)


def end_session(connection: Connection, session_id: str) -> None:
    connection.execute(delete(sessions).where(sessions.c.id == session_id))


def end_sessions_of(connection: Connection, user_id: int) -> int:
    """End every session of one person (a new second factor, a disabled account)."""
    return connection.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount


def purge_expired(connection: Connection, lifetimes: Lifetimes, now: dt.datetime) -> None:
    """Drop dead sessions; done at each sign-in so the table holds only live ones."""
    connection.execute(
        delete(sessions).where(
            or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= now - lifetimes.idle)
        )
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
