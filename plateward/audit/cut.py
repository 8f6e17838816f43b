"""A retention cut: removing the oldest access log entries while the log stays verifiable.

Retention (issue 14 decides when) may delete old entries, but the tree they are leaves of must
still check out against every checkpoint signed over it. So a cut removes only the entries'
rows: their leaf hashes stay in ``access_log_nodes`` (hashes of entries, nothing personal).
The cut is first logged as an entry ``log.cut`` with ``before_leaf``; the append-only triggers
let through a DELETE only of entries below the largest such ``before_leaf``, and ``verify.py``
accepts missing entries only there. Entries an audit sampled stay, whatever their age.

On PostgreSQL only the owner role may delete: the application's role has no DELETE grant on
the log (``plateward db grant``), so a retention job runs with the owner's database URL.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, exists, func, select

from plateward.audit.actor import Actor
from plateward.audit.log import append_change
from plateward.audit.review_schema import audit_items
from plateward.audit.schema import access_log
from plateward.audit.tree import tree_size
from plateward.errors import InvalidInput

CUT_ACTION = "log.cut"


def cut_log(connection: Connection, before_leaf: int, actor: Actor, *, reason: str) -> int:
    """Delete the entries below leaf ``before_leaf`` (audited ones stay); returns how many."""
    size = tree_size(connection)
    if not 0 < before_leaf <= size:
        raise InvalidInput(f"cut before leaf {before_leaf}: the log has leaves 0 to {size - 1}")
    removable = (
        access_log.c.leaf_index < before_leaf,
        ~exists().where(audit_items.c.access_log_id == access_log.c.id),
    )
    count = connection.execute(
        select(func.count()).select_from(access_log).where(*removable)
    ).scalar_one()
    append_change(connection, actor, CUT_ACTION, {"before_leaf": before_leaf}, reason=reason,
                  result_count=count)  # fmt: skip
    return connection.execute(delete(access_log).where(*removable)).rowcount
