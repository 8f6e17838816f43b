"""Administering accounts after they exist: disable, enable, reset a password, change role or
agency, and an account's API tokens (policy A.8, D).

Each change is logged with ``log_account_change`` in the caller's transaction, naming the
account and what changed, never a password or token. Disabling an account or resetting its
password ends its browser sessions at once; its API tokens stop working while it is disabled
(``users.user_for_token`` checks). An administrator cannot disable or demote their own account,
so an agency cannot lock itself out by a slip.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from plateward.access.account_log import log_account_change
from plateward.access.passwords import check_password_rules, hash_password
from plateward.access.roles import Role
from plateward.access.schema import api_tokens, users
from plateward.access.session_schema import totp_secrets
from plateward.access.sessions import end_sessions_of
from plateward.access.users import User, user_by_name
from plateward.agency.registry import agency_by_code
from plateward.audit.actor import Actor
from plateward.errors import InvalidInput, NotFound
from plateward.store.schema import agencies


@dataclass(frozen=True)
class Account:
    """An account as the administrator's list shows it."""

    user: User
    disabled_at: dt.datetime | None
    locked_until: dt.datetime | None
    second_factor: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def list_accounts(connection: Connection) -> list[Account]:
    """Every account, enabled first, then by username."""
    rows = connection.execute(
        select(
            users.c.id,
            users.c.username,
            users.c.full_name,
            users.c.role,
            agencies.c.code,
            users.c.disabled_at,
            users.c.locked_until,
            users.c.created_at,
            totp_secrets.c.user_id.label("totp"),
        )
        .join(agencies, agencies.c.id == users.c.agency_id)
        .outerjoin(totp_secrets, totp_secrets.c.user_id == users.c.id)
        .order_by(users.c.disabled_at.is_not(None), users.c.username)
    )
    return [
        Account(
            User(r.id, r.username, r.full_name, Role(r.role), r.code),
            r.disabled_at,
            r.locked_until,
            r.totp is not None,
            r.created_at,
        )
        for r in rows
    ]


def account(connection: Connection, username: str) -> Account:
    for found in list_accounts(connection):
        if found.user.username == username:
            return found
    raise NotFound(f"user {username}: no such user")


def set_disabled(connection: Connection, username: str, disabled: bool, actor: Actor) -> User:
    """Disable (sessions end, tokens stop) or enable an account."""
    user = user_by_name(connection, username)
    if disabled and user.username == actor.username:
        raise InvalidInput(f"user {username}: you cannot disable your own account")
    connection.execute(
        update(users)
        .where(users.c.id == user.id)
        .values(disabled_at=dt.datetime.now(dt.UTC) if disabled else None)
    )
    if disabled:
        end_sessions_of(connection, user.id)
    action = "user.disable" if disabled else "user.enable"
    log_account_change(connection, actor, action, _whose(user))
    return user


def reset_password(connection: Connection, username: str, password: str, actor: Actor) -> User:
    """Give the account a new password (the person changes it later); unlocks it, ends sessions."""
    user = user_by_name(connection, username)
    check_password_rules(password, user.username)
    connection.execute(
        update(users)
        .where(users.c.id == user.id)
        .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
    )
    end_sessions_of(connection, user.id)
    log_account_change(connection, actor, "user.password.reset", _whose(user))
    return user


def change_role(connection: Connection, username: str, role: str, actor: Actor) -> User:
    user = user_by_name(connection, username)
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(
            f"role {role!r}: must be one of {', '.join(r.value for r in Role)}"
        ) from None
    if user.username == actor.username and chosen != user.role:
        raise InvalidInput(f"user {username}: ask another administrator to change your own role")
    connection.execute(update(users).where(users.c.id == user.id).values(role=chosen.value))
    log_account_change(
        connection, actor, "user.role", {**_whose(user), "from": user.role.value,
                                         "to": chosen.value},
    )  # fmt: skip
    return user_by_name(connection, username)


def change_agency(connection: Connection, username: str, agency: str, actor: Actor) -> User:
    user = user_by_name(connection, username)
    registered = agency_by_code(connection, agency)
    code, agency_id = registered.code, registered.id
    connection.execute(update(users).where(users.c.id == user.id).values(agency_id=agency_id))
    log_account_change(
        connection, actor, "user.agency", {**_whose(user), "from": user.agency, "to": code}
    )
    return user_by_name(connection, username)


def tokens_of(connection: Connection, username: str) -> list[Token]:
    user = user_by_name(connection, username)
    rows = connection.execute(
        select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.created_at, api_tokens.c.revoked_at)
        .where(api_tokens.c.user_id == user.id)
        .order_by(api_tokens.c.id.desc())
    )
    return [Token(r.id, r.name, r.created_at, r.revoked_at) for r in rows]


def revoke_token(connection: Connection, username: str, token_id: int, actor: Actor) -> None:
    user = user_by_name(connection, username)
    done = connection.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            api_tokens.c.user_id == user.id,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    if done.rowcount == 0:
        raise NotFound(f"token {token_id} of {username}: none such, or already revoked")
    log_account_change(connection, actor, "user.token.revoke", {**_whose(user), "token": token_id})


def _whose(user: User) -> dict[str, str]:
    return {"username": user.username, "agency": user.agency}
