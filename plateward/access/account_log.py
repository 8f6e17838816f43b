"""The access log entry each change to an account leaves behind (Civil Code 1798.90.52).

Who can see the data is decided by the accounts, so creating one, giving it an API token or a
second factor, and locking it after repeated failures are accountability events like a search:
they go into the same tamper-evident log, in the same transaction as the change. An entry names
the account and what changed, never a password, hash, token or TOTP secret: the log is read by
auditors, who must not be able to sign in as the people they audit.

``users.add_user``, ``users.issue_token`` and ``totp.enable_totp`` stay unlogged primitives (the
tests build their fixtures with them); the commands that call them log through this module.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from plateward.audit.log import Entry, append, append_change

if TYPE_CHECKING:  # the actor module imports users.py, which imports this one
    from plateward.audit.actor import Actor

REASON = "account administration (policy A.8)"
LOCKED_REASON = "repeated failed sign-ins"


def log_account_change(
    connection: Connection, actor: Actor, action: str, query: dict[str, Any], changed: int = 1
) -> int:
    """Record ``action`` on an account by ``actor``; ``changed`` is how many records it changed."""
    return append_change(connection, actor, action, query, reason=REASON, result_count=changed)


def log_lockout(
    connection: Connection, *, username: str, agency: str, step: str, failures: int,
    locked_until: dt.datetime, client_address: str | None,
) -> int:  # fmt: skip
    """Record that ``username`` was locked, under that name, as the failed sign-ins are."""
    return append(
        connection,
        Entry(
            username=username,
            agency=agency,
            action="user.locked",
            query={
                "step": step,
                "failed_attempts": failures,
                "locked_until": locked_until.astimezone(dt.UTC).isoformat(),
            },
            reason=LOCKED_REASON,
            result_count=1,
            client_address=client_address,
            outcome="locked",
        ),
    )
