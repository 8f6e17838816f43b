"""Who is auditing, and the access log entry each audit action leaves behind.

Auditors read the access log and the inquiries it records, so their own work is logged the
same way (``audit.sample``, ``audit.review``, ...): whoever audits the auditors sees who drew
which sample, who judged which entry, and who read the log.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from plateward.access.users import User
from plateward.audit.log import append_change


@dataclass(frozen=True)
class Actor:
    """The person (or scheduled job) doing audit work, as the access log records them."""

    username: str
    agency: str
    client_address: str | None = None


def actor_for(user: User, client_address: str | None = None) -> Actor:
    return Actor(user.username, user.agency, client_address)


def console_actor() -> Actor:
    """Someone at the server's console, who has the database itself: the OS account, ``cli``."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Actor(f"os:{login}"[:64], "local", "cli")


def record(
    connection: Connection, actor: Actor, action: str, query: dict[str, Any], result_count: int
) -> int:
    """Append the audit action to the access log, in the caller's transaction."""
    return append_change(
        connection, actor, action, query,
        reason="audit of ALPR use (policy H)", result_count=result_count,
    )  # fmt: skip
