"""Checking the access log against the checkpoints kept outside the database.

Everything is recomputed from the entries themselves, with the published leaf encoding
(``tree.py``), and nothing the database says about its own tree is trusted:

* each entry's leaf against the stored leaf hash: a change made without recomputing the tree;
* the leaves without gaps, and ids growing with them: entries deleted, moved or wedged in;
* the root at each checkpoint's size against the signed root: a change, deletion, insertion or
  reordering with every hash recomputed, a cut-off tail, or the whole database rolled back to
  an older copy (the log then holds fewer entries than a checkpoint signed for);
* the root from the stored subtrees against the recomputed one: the nodes new checkpoints are
  signed from.

Entries below a retention cut (``cut.py``) may be gone; their leaf hashes are not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from plateward.audit.merkle import Frontier, root_at
from plateward.audit.schema import access_log, access_log_nodes
from plateward.audit.tree import entry_leaf, stored_nodes

MAX_LISTED = 10
"""Problems of one kind named one by one before the rest are only counted."""


@dataclass(frozen=True)
class ExpectedHead:
    """A tree head to hold the log to: a signed checkpoint, or a root hash an auditor noted."""

    root: bytes
    size: int | None
    """None: the root of the log at some size, which the check then looks for."""
    label: str


@dataclass
class Report:
    entries: int = 0
    size: int = 0
    root: bytes = b""
    cut: int = 0
    """Leaves below this were removed by recorded retention cuts."""
    heads_checked: int = 0
    problems: list[str] = field(default_factory=list)
    bad_entries: list[int] = field(default_factory=list)
    """Ids of the entries found changed, out of order or outside the tree, in log order."""

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_log(connection: Connection, heads: Sequence[ExpectedHead] = ()) -> Report:
    report = Report()
    report.cut = _cut(connection)
    frontier = Frontier()
    sized = sorted((h for h in heads if h.size is not None), key=lambda h: h.size or 0)
    unsized = [h for h in heads if h.size is None]
    found_unsized: set[int] = set()
    _check_head_at(frontier, sized, report)
    changed: list[str] = []
    missing: list[int] = []
    previous_id = 0
    entries = _entries(connection)
    entry = next(entries, None)
    for position, leaf in _leaves(connection, report):
        while entry is not None and entry[0] < position:
            report.problems.append(f"entry {entry[1]} has leaf {entry[0]}, which the tree lacks")
            report.bad_entries.append(entry[1])
            entry = next(entries, None)
        if entry is not None and entry[0] == position:
            _, entry_id, computed = entry
            report.entries += 1
            if computed != leaf:
                changed.append(f"entry {entry_id} (leaf {position})")
                report.bad_entries.append(entry_id)
            if entry_id <= previous_id:
                report.problems.append(
                    f"entry {entry_id} (leaf {position}) is out of order: ids must grow with the"
                    f" tree, and entry {previous_id} comes before it"
                )
                report.bad_entries.append(entry_id)
            previous_id = entry_id
            entry = next(entries, None)
        elif position >= report.cut:
            missing.append(position)
        frontier.append(leaf)
        _check_head_at(frontier, sized, report)
        if unsized:
            root = frontier.root()
            for number, head in enumerate(unsized):
                if head.root == root:
                    found_unsized.add(number)
    while entry is not None:
        report.problems.append(f"entry {entry[1]} has leaf {entry[0]}, which the tree lacks")
        report.bad_entries.append(entry[1])
        entry = next(entries, None)
    report.size, report.root = frontier.size, frontier.root()
    _list(report, changed, "changed after it was written (its leaf hash differs)")
    _list(report, [f"the entry at leaf {p}" for p in missing], "deleted (its leaf hash remains)")
    for head in sized:
        if head.size is not None and head.size > frontier.size:
            report.heads_checked += 1
            report.problems.append(
                f"{head.label} covers {head.size} entries but the log has {frontier.size}: entries"
                " were removed from its end, or the database was rolled back to an older copy"
            )
    for number, head in enumerate(unsized):
        report.heads_checked += 1
        if number not in found_unsized:
            report.problems.append(
                f"{head.label}: the log was never at that root: entries it covered were changed,"
                " removed, inserted or reordered"
            )
    try:
        stored = root_at(frontier.size, stored_nodes(connection))
    except LookupError as exc:
        report.problems.append(str(exc))
    else:
        if stored != report.root:
            report.problems.append(
                "the stored tree nodes do not match the leaves: checkpoints signed from them"
                " would be wrong"
            )
    return report


def _check_head_at(frontier: Frontier, sized: list[ExpectedHead], report: Report) -> None:
    """Compare each head whose size the walk has just reached; they come sorted by size."""
    while sized and sized[0].size == frontier.size:
        head = sized.pop(0)
        report.heads_checked += 1
        if frontier.root() != head.root:
            report.problems.append(
                f"{head.label} does not match the log: entries among the first {head.size} were"
                " changed, removed, inserted or reordered after it was signed"
            )


def _leaves(connection: Connection, report: Report) -> Iterator[tuple[int, bytes]]:
    # yield_per on the statement: on the connection it would stay, and turn the caller's next
    # INSERT into a server-side cursor, which PostgreSQL refuses.
    rows = connection.execute(
        select(access_log_nodes.c.position, access_log_nodes.c.hash)
        .where(access_log_nodes.c.level == 0)
        .order_by(access_log_nodes.c.position)
        .execution_options(yield_per=2000)
    )
    for expected, (position, value) in enumerate(rows):
        if position != expected:
            report.problems.append(
                f"tree leaves {expected} to {position - 1} are missing: the tree was cut"
            )
            # Later leaves cannot be placed without them; stop here rather than mislabel them.
            return
        yield position, bytes.fromhex(value)


def _entries(connection: Connection) -> Iterator[tuple[int, int, bytes]]:
    rows = connection.execute(
        select(access_log).order_by(access_log.c.leaf_index).execution_options(yield_per=2000)
    )
    for row in rows:
        yield row.leaf_index, row.id, entry_leaf(dict(row._mapping))


def _cut(connection: Connection) -> int:
    """Where the recorded retention cuts end: entries below this leaf may be gone."""
    cuts = connection.execute(
        select(access_log.c.query, access_log.c.leaf_index).where(access_log.c.action == "log.cut")
    )
    through = 0
    for query, leaf_index in cuts:
        before = query.get("before_leaf") if isinstance(query, dict) else None
        if isinstance(before, int) and 0 <= before <= leaf_index:
            through = max(through, before)
    return through


def _list(report: Report, items: list[str], what: str) -> None:
    if not items:
        return
    shown = "; ".join(items[:MAX_LISTED])
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    report.problems.append(f"{shown}{more}: {what}")
