"""The access log's share of a retention run: its entries past ``retention.access_log_days``,
removed with the log's own retention cut (``audit/cut.py``).

The cut removes the entries' rows below a leaf and keeps their leaf hashes, so the log still
verifies against every checkpoint signed over it; entries an audit sampled stay while the audit
is kept. The cut point is the first leaf whose entry is not yet past its period: leaves are
appended in time order, so everything below it is older than the cutoff.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, exists, func, select

from plateward.audit.actor import Actor
from plateward.audit.cut import cut_log
from plateward.audit.review_schema import audit_items
from plateward.audit.schema import access_log
from plateward.audit.tree import tree_size
from plateward.retention.records import count_destroyed

REASON = "retention of the access log (policy B; Civil Code 1798.90.52 requires it be kept)"


def cut_point(connection: Connection, cutoff: dt.datetime) -> int:
    """The first leaf whose entry is not past ``cutoff`` (the tree's size when all are)."""
    first_kept = connection.execute(
        select(func.min(access_log.c.leaf_index)).where(access_log.c.at >= cutoff)
    ).scalar_one()
    return tree_size(connection) if first_kept is None else int(first_kept)


def destroy_access_log(
    connection: Connection, run_id: int, cutoff: dt.datetime, actor: Actor
) -> int:
    """Cut the log below the entries not yet past ``cutoff``; returns how many entries went."""
    before_leaf = cut_point(connection, cutoff)
    removable = (
        access_log.c.leaf_index < before_leaf,
        ~exists().where(audit_items.c.access_log_id == access_log.c.id),
    )
    count, oldest, newest = connection.execute(
        select(func.count(), func.min(access_log.c.at), func.max(access_log.c.at)).where(*removable)
    ).one()
    if not count:
        return 0  # nothing to remove: no cut, so no log.cut entry every run
    removed = cut_log(connection, before_leaf, actor, reason=REASON)
    count_destroyed(connection, run_id, "access_log", removed=removed, oldest=oldest,
                    newest=newest)  # fmt: skip
    return removed
