"""Who looked at the exposed data: the access log's inquiries that could have touched it.

The incident names a range of capture times (and perhaps some cameras); every inquiry logged
since the range began (a search, an export, a read or image viewed: ``audit.sampling``'s
``is_inquiry``) is judged by ``rules.touch`` from the query it recorded. The list comes with
the log chain's verification, done in the same look: an entry at or after the first broken
link is shown but marked as not vouched for, since the log itself can no longer be trusted
from there on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from plateward.audit.actor import Actor
from plateward.audit.entries import MAX_ENTRIES, find_entries
from plateward.audit.log import append_change
from plateward.audit.sampling import is_inquiry
from plateward.audit.verify import ExpectedHead, verify_log
from plateward.governance.breaches.incidents import REASON, Incident
from plateward.governance.breaches.rules import touch

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class DataAccess:
    entry_id: int
    at: dt.datetime
    username: str
    agency: str
    action: str
    query: dict[str, Any]
    case_number: str | None
    reason: str | None
    result_count: int | None
    client_address: str | None
    outcome: str
    touch: str
    """Why it is listed: its time window overlaps the data, or it had none."""
    vouched: bool
    """False when the entry lies at or after the first entry the log's verification found
    changed, inserted or reordered."""


@dataclass(frozen=True)
class ChainCheck:
    """The access log's verification against its tree and the server's signed checkpoints."""

    intact: bool
    entries: int
    first_bad: int | None
    """The first entry found changed, inserted or reordered (None: none, though a cut-off
    tail or a rollback can still make the log not intact)."""
    problem: str | None


@dataclass(frozen=True)
class AccessReport:
    incident_id: int
    data_from: dt.datetime
    data_to: dt.datetime | None
    cameras: tuple[str, ...]
    scanned: int
    """Log entries read since the data's range began."""
    total: int
    """Inquiries that could have touched the data; ``accesses`` holds the first ``limit``."""
    accesses: list[DataAccess]
    chain: ChainCheck


def accesses_to(
    connection: Connection,
    incident: Incident,
    *,
    limit: int = DEFAULT_LIMIT,
    actor: Actor | None = None,
    heads: Sequence[ExpectedHead] = (),
) -> AccessReport:
    """The inquiries that could have touched ``incident``'s data, oldest first; the log is
    verified against ``heads`` (the server's signed checkpoints) first."""
    limit = max(1, min(limit, MAX_LIMIT))
    f = incident.fields
    verdict = verify_log(connection, heads)
    chain = ChainCheck(
        verdict.intact, verdict.entries, min(verdict.bad_entries, default=None),
        "; ".join(verdict.problems) or None,
    )  # fmt: skip
    found: list[DataAccess] = []
    total = scanned = 0
    after = 0
    while True:
        page = find_entries(connection, start=f.data_from, after_id=after, limit=MAX_ENTRIES)
        for entry in page:
            scanned += 1
            if not is_inquiry(entry["action"]):
                continue
            query = entry["query"] if isinstance(entry["query"], dict) else {}
            how = touch(query, f.data_from, f.data_to, f.camera_codes)
            if how is None:
                continue
            total += 1
            if len(found) < limit:
                found.append(_access(entry, how.value, chain.first_bad))
        if len(page) < MAX_ENTRIES:
            break
        after = page[-1]["id"]
    if actor is not None:
        append_change(
            connection,
            actor,
            "breach.accesses",
            {"incident": incident.id, "limit": limit, "chain_intact": chain.intact},
            reason=REASON,
            result_count=total,
        )
    return AccessReport(
        incident_id=incident.id,
        data_from=f.data_from,
        data_to=f.data_to,
        cameras=f.camera_codes,
        scanned=scanned,
        total=total,
        accesses=found,
        chain=chain,
    )


def _access(entry: dict[str, Any], how: str, first_bad: int | None) -> DataAccess:
    return DataAccess(
        entry_id=entry["id"],
        at=entry["at"],
        username=entry["username"],
        agency=entry["agency"],
        action=entry["action"],
        query=entry["query"],
        case_number=entry["case_number"],
        reason=entry["reason"],
        result_count=entry["result_count"],
        client_address=entry["client_address"],
        outcome=entry["outcome"],
        touch=how,
        vouched=first_bad is None or entry["id"] < first_bad,
    )
