"""The optional second factor: time-based one-time codes (RFC 6238) from an authenticator app.

A six-digit code has a million values, so guesses are limited as passwords are: wrong codes
count in ``totp_secrets.failed_codes`` and the fifth locks the account for ``LOCKOUT``. That
count is kept apart from the password's, because a right password resets the password count
and would otherwise let someone who knows it guess codes for ever. A code is accepted once
(``last_step``), so one read over a shoulder cannot be replayed within its 30 seconds.
"""

from __future__ import annotations

import datetime as dt
import hmac

import pyotp
from sqlalchemy import Connection, delete, insert, select, update

from plateward.access.account_log import log_lockout
from plateward.access.schema import users
from plateward.access.session_schema import totp_secrets
from plateward.access.sessions import end_sessions_of
from plateward.access.users import LOCKOUT, MAX_FAILED_LOGINS, LockedOut, user_by_id

ISSUER = "Plateward"
STEP_S = 30
DRIFT_STEPS = 1
"""Codes from the step before and after are accepted too: phone clocks drift a little."""


def enable_totp(connection: Connection, user_id: int, now: dt.datetime | None = None) -> str:
    """Give the person a new secret (replacing any old one) and return it.

    Their sessions end, so every browser signs in again with the second factor.
    """
    secret = pyotp.random_base32()
    connection.execute(delete(totp_secrets).where(totp_secrets.c.user_id == user_id))
    connection.execute(
        insert(totp_secrets).values(
            user_id=user_id,
            secret=secret,
            created_at=now or dt.datetime.now(dt.UTC),
            last_step=None,
            failed_codes=0,
        )
    )
    end_sessions_of(connection, user_id)
    return secret


def disable_totp(connection: Connection, user_id: int) -> bool:
    """Remove the second factor (a lost phone); returns whether there was one."""
    removed = connection.execute(delete(totp_secrets).where(totp_secrets.c.user_id == user_id))
    return removed.rowcount > 0


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) or takes typed in."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def has_totp(connection: Connection, user_id: int) -> bool:
    found = connection.execute(
        select(totp_secrets.c.user_id).where(totp_secrets.c.user_id == user_id)
    ).first()
    return found is not None


def check_code(
    connection: Connection, user_id: int, code: str, now: dt.datetime | None = None,
    *, client_address: str | None = None,
) -> bool:  # fmt: skip
    """Whether ``code`` is the person's current code; raises LockedOut while locked.

    Like ``sign_in``, a wrong code is counted in the caller's transaction, which must commit
    even when the answer is False, and the wrong code that locks the account logs the lockout.
    """
    now = now or dt.datetime.now(dt.UTC)
    locked_until = connection.execute(
        select(users.c.locked_until).where(users.c.id == user_id)
    ).scalar_one()
    if locked_until is not None and locked_until > now:
        raise LockedOut("locked after repeated failed sign-ins; try later")
    row = connection.execute(select(totp_secrets).where(totp_secrets.c.user_id == user_id)).first()
    if row is None:
        return False
    typed = "".join(code.split())
    if len(typed) == 6 and typed.isdigit():
        totp = pyotp.TOTP(row.secret)
        current = int(now.timestamp()) // STEP_S
        for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
            if row.last_step is not None and step <= row.last_step:
                continue
            if hmac.compare_digest(totp.at(step * STEP_S), typed):
                connection.execute(
                    update(totp_secrets)
                    .where(totp_secrets.c.user_id == user_id)
                    .values(last_step=step, failed_codes=0)
                )
                return True
    failures = row.failed_codes + 1
    if failures >= MAX_FAILED_LOGINS:
        connection.execute(
            update(users).where(users.c.id == user_id).values(locked_until=now + LOCKOUT)
        )
        person = user_by_id(connection, user_id)
        log_lockout(
            connection, username=person.username, agency=person.agency, step="second_factor",
            failures=failures, locked_until=now + LOCKOUT, client_address=client_address,
        )  # fmt: skip
        failures = 0
    connection.execute(
        update(totp_secrets).where(totp_secrets.c.user_id == user_id).values(failed_codes=failures)
    )
    return False
