"""Accounts: creating them, signing in with a password (with lockout), and API tokens.

A token is 32 random bytes shown once and stored as its SHA-256, like a camera key: it cannot
be guessed, so a slow hash would only slow every API call. A lockout is logged here, where it
happens, so no caller of ``sign_in`` can lock an account without a trace in the access log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from plateward.access.account_log import log_lockout
from plateward.access.passwords import (
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from plateward.access.roles import Role
from plateward.access.schema import api_tokens, users
from plateward.errors import InvalidInput, NotFound
from plateward.store.database import savepoint
from plateward.store.schema import agencies

TOKEN_PREFIX = "pwu_"
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    full_name: str
    role: Role
    agency: str


class LockedOut(InvalidInput):
    """Too many wrong passwords: the account waits before it may try again."""


def add_user(
    connection: Connection, *, username: str, full_name: str, role: str, agency_id: int,
    password: str,
) -> User:  # fmt: skip
    try:
        chosen = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role {role!r}: must be one of {roles}") from None
    username = username.strip()
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        raise InvalidInput(f"username {username!r}: 1-64 letters, digits, '.', '-' or '_'")
    check_password_rules(password, username)
    try:
        # A savepoint, so a taken username leaves the caller's transaction usable.
        with savepoint(connection):
            user_id = connection.execute(
                insert(users)
                .values(
                    agency_id=agency_id,
                    username=username,
                    full_name=full_name or username,
                    role=chosen.value,
                    password_hash=hash_password(password),
                    failed_logins=0,
                    created_at=dt.datetime.now(dt.UTC),
                )
                .returning(users.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        raise InvalidInput(f"username {username!r}: already taken") from exc
    return user_by_id(connection, int(user_id))


def set_password(connection: Connection, user_id: int, password: str) -> None:
    """Give the account a new password (the rules checked) and clear its failed sign-ins."""
    check_password_rules(password, user_by_id(connection, user_id).username)
    connection.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
    )


def user_by_id(connection: Connection, user_id: int) -> User:
    row = connection.execute(user_query().where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"user {user_id}: no such user")
    return user_from_row(row)


def user_by_name(connection: Connection, username: str) -> User:
    row = connection.execute(user_query().where(users.c.username == username)).first()
    if row is None:
        raise NotFound(f"user {username}: no such user")
    return user_from_row(row)


def sign_in(
    connection: Connection, username: str, password: str, now: dt.datetime | None = None,
    *, client_address: str | None = None,
) -> User | None:  # fmt: skip
    """The user if the password is right; None if not. Raises LockedOut while locked.

    Failures are counted in the caller's transaction, which must commit even when the answer
    is None, or the count would never grow; the failure that locks the account also logs the
    lockout there (``client_address`` is whoever made it).
    """
    now = now or dt.datetime.now(dt.UTC)
    row = connection.execute(
        select(users).where(users.c.username == username, users.c.disabled_at.is_(None))
    ).first()
    if row is None:
        verify_password(_DUMMY_HASH, password)  # same time as a real check: names don't leak
        return None
    if row.locked_until is not None and row.locked_until > now:
        verify_password(_DUMMY_HASH, password)  # the same time again: a lock must not show
        raise LockedOut(f"user {username}: locked after repeated failed sign-ins; try later")
    if not verify_password(row.password_hash, password):
        failures = row.failed_logins + 1
        locked = now + LOCKOUT if failures >= MAX_FAILED_LOGINS else None
        connection.execute(
            update(users)
            .where(users.c.id == row.id)
            .values(failed_logins=0 if locked else failures, locked_until=locked)
        )
        if locked:
            log_lockout(
                connection, username=row.username, agency=user_by_id(connection, row.id).agency,
                step="password", failures=failures, locked_until=locked,
                client_address=client_address,
            )  # fmt: skip
        return None
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    connection.execute(update(users).where(users.c.id == row.id).values(**values))
    return user_by_id(connection, row.id)


def issue_token(connection: Connection, user_id: int, name: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        insert(api_tokens).values(
            user_id=user_id,
            name=name,
            token_hash=_digest(token),
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    return token


def user_for_token(
    connection: Connection, token: str, now: dt.datetime | None = None
) -> User | None:
    """The token's account; None if the token is unknown or revoked, or the account disabled
    or locked: a lockout stops the account everywhere, not only at the sign-in form."""
    row = connection.execute(
        user_query()
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(
            api_tokens.c.token_hash == _digest(token),
            api_tokens.c.revoked_at.is_(None),
            usable(now or dt.datetime.now(dt.UTC)),
        )
    ).first()
    return None if row is None else user_from_row(row)


def usable(now: dt.datetime) -> ColumnElement[bool]:
    """The accounts that may act now: not disabled, not locked."""
    return and_(
        users.c.disabled_at.is_(None),
        or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_query(*beside: ColumnElement[Any]) -> Select[Any]:
    """The columns a ``User`` is made of (``user_from_row``), and ``beside`` them others of
    the same row, so a lookup that needs both (a session and its person) is one query."""
    return select(
        users.c.id, users.c.username, users.c.full_name, users.c.role, agencies.c.code, *beside
    ).join(agencies, agencies.c.id == users.c.agency_id)


def user_from_row(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        id=m["id"], username=m["username"], full_name=m["full_name"], role=Role(m["role"]),
        agency=m["code"],
    )  # fmt: skip


_DUMMY_HASH = hash_password("not-a-real-password-only-for-timing")
