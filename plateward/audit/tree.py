"""The access log's Merkle tree in the database: each entry's leaf, stored subtrees, roots, proofs.

An entry's leaf is SHA-256(0x00 || its canonical bytes): the JSON object of the fields in
``LEAF_FIELDS``, keys sorted, no spaces, non-ASCII escaped, the time as ISO 8601 in UTC with
microseconds. That is the whole published algorithm: anyone holding the entries can recompute
every leaf, the tree and its root without Plateward (docs/access.md shows how).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select, tuple_

from plateward.audit.merkle import (
    Frontier,
    NodeLookup,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_at,
)
from plateward.audit.schema import access_log_nodes

LEAF_FIELDS = (
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

nodes = access_log_nodes


def canonical_entry(fields: Mapping[str, Any]) -> bytes:
    """The bytes an entry's leaf hashes: its fields as canonical JSON."""
    canonical = {name: fields[name] for name in LEAF_FIELDS}
    at = canonical["at"]
    if isinstance(at, dt.datetime):
        canonical["at"] = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return body.encode()


def entry_leaf(fields: Mapping[str, Any]) -> bytes:
    return leaf_hash(canonical_entry(fields))


def next_leaf_index() -> Any:
    """A scalar subquery: the leaf number the next entry takes (the tree's size)."""
    return (
        select(func.coalesce(func.max(nodes.c.position) + 1, 0))
        .where(nodes.c.level == 0)
        .scalar_subquery()
    )


def add_leaf(connection: Connection, index: int, leaf: bytes) -> None:
    """Store leaf ``index`` and every subtree it completes (the caller holds the log's lock).

    The left siblings the new leaf joins (one per trailing 1 bit of its index) are read in one
    statement and the new nodes written in another: every logged inquiry pays this, and a
    read and an insert per completed subtree were three statements an entry on average.
    """
    joins = 0
    while (index >> joins) & 1:
        joins += 1
    siblings: dict[int, bytes] = {}
    if joins:
        wanted = [(level, (index >> level) - 1) for level in range(joins)]
        rows = connection.execute(
            select(nodes.c.level, nodes.c.hash).where(
                tuple_(nodes.c.level, nodes.c.position).in_(wanted)
            )
        )
        siblings = {int(row.level): bytes.fromhex(row.hash) for row in rows}
        if len(siblings) != joins:
            missing = [f"({lv}, {pos})" for lv, pos in wanted if lv not in siblings]
            raise LookupError(f"access log tree: node {', '.join(missing)} is missing")
    # The frontier's stack needs only the subtrees this leaf joins, smallest (level 0) last.
    frontier = Frontier(index, [siblings[level] for level in reversed(range(joins))])
    completed = frontier.append(leaf)
    connection.execute(
        insert(nodes),
        [{"level": level, "position": position, "hash": value.hex()}
         for level, position, value in completed],
    )  # fmt: skip


def tree_size(connection: Connection) -> int:
    found = connection.execute(select(func.max(nodes.c.position)).where(nodes.c.level == 0))
    last = found.scalar()
    return 0 if last is None else int(last) + 1


def stored_nodes(connection: Connection) -> NodeLookup:
    """A lookup of stored subtrees for roots and proofs, caching what it has read."""
    cache: dict[tuple[int, int], bytes] = {}

    def lookup(level: int, position: int) -> bytes:
        key = (level, position)
        if key not in cache:
            found = connection.execute(
                select(nodes.c.hash).where(nodes.c.level == level, nodes.c.position == position)
            ).scalar()
            if found is None:
                raise LookupError(f"access log tree: node ({level}, {position}) is missing")
            cache[key] = bytes.fromhex(found)
        return cache[key]

    return lookup


def tree_head(connection: Connection) -> tuple[int, bytes]:
    """The tree's size and root now, from the stored subtrees."""
    size = tree_size(connection)
    return size, root_at(size, stored_nodes(connection))


def consistency(connection: Connection, old_size: int, new_size: int) -> list[bytes]:
    return consistency_proof(old_size, new_size, stored_nodes(connection))


def inclusion(connection: Connection, index: int, size: int) -> list[bytes]:
    return inclusion_proof(index, size, stored_nodes(connection))
