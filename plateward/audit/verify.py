"""Checking the access log's chain: the first entry that was changed, removed or moved."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from plateward.audit.log import GENESIS_HASH, entry_hash
from plateward.audit.schema import access_log

FIELDS = (
    "id",
    "at",
    "username",
    "agency",
    "action",
    "query",
    "case_number",
    "reason",
    "result_count",
    "client_address",
    "outcome",
)


@dataclass(frozen=True)
class Verdict:
    entries: int
    first_bad: int | None
    problem: str | None
    last_hash: str = ""
    """The newest entry's hash: kept outside the database, it shows if entries were cut off."""

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def verify_chain(connection: Connection) -> Verdict:
    """Walk the log in order, recomputing each hash; stop at the first entry that fails."""
    previous = GENESIS_HASH
    expected_id = 1
    count = 0
    # yield_per on the statement, not the connection: on the connection it would stay and make
    # the caller's next INSERT a server-side cursor, which PostgreSQL refuses.
    rows = connection.execute(
        select(access_log).order_by(access_log.c.id).execution_options(yield_per=1000)
    )
    for row in rows:
        m = row._mapping
        count += 1
        if m["id"] != expected_id:
            return Verdict(
                count, expected_id, f"entry {expected_id} is missing (next is {m['id']})"
            )
        if m["previous_hash"] != previous:
            return Verdict(count, m["id"], f"entry {m['id']} does not follow entry {m['id'] - 1}")
        if entry_hash({f: m[f] for f in FIELDS}, previous) != m["entry_hash"]:
            return Verdict(count, m["id"], f"entry {m['id']} was changed after it was written")
        previous = m["entry_hash"]
        expected_id += 1
    return Verdict(count, None, None, previous)
