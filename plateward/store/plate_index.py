"""The plate index: every distinct plate read, and the two-character pieces of each.

A partial plate pattern with a leading wildcard (``*KX?9*``) cannot use the reads' plate
index, and PostgreSQL's trigram index needs three known characters in a row, so without help
such a search reads every row: seconds at ten million reads. Distinct plates are a fraction of
the reads, and the plates holding a given pair of characters a fraction of those (about 1 in
200), so the search finds its plates here and then their reads by the plate index.

Where the pieces live differs by back-end: SQLite keeps them in the FTS5 table
``plate_pieces`` (migration 0011), PostgreSQL in a GIN index over ``plate_pieces(plate)`` on
``plates`` (migration 0010). Both buffer new entries and merge them in sorted runs, where a
b-tree of (piece, plate) rows took each piece at a random page. Kept current in the same
transaction as the reads, so a plate is findable the moment its read is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from plateward.store.planner import planner_settings
from plateward.store.schema import PLATE_MAX_CHARS, plates

_LITERAL_RUNS = re.compile(r"[A-Z0-9]+")


def bigrams(plate: str) -> set[str]:
    return {plate[k : k + 2] for k in range(len(plate) - 1)}


def index_plates(connection: Connection, seen: Iterable[str]) -> None:
    """Index the plates of a batch that are not yet indexed, on SQLite.

    Set-based statements with the batch's plates as one JSON parameter: the database finds
    the new plates and cuts them into pieces itself, where an executemany row per plate and
    piece cost 150 ms a batch. PostgreSQL's store indexes plates inside its one insert
    statement (store/reads.py), and its GIN index follows the plates table by itself.
    """
    wanted = sorted(set(seen))
    if not wanted:
        return
    parameters = {"plates": json.dumps(wanted)}
    for statement in _SQLITE_INDEX:
        connection.execute(statement, parameters)


# A plate's pieces as FTS5 indexes them: one space-separated token per piece.
_PIECES = " || ' ' || ".join(
    f"CASE WHEN length(plate) > {k} THEN substr(plate, {k}, 2) ELSE '' END"
    for k in range(1, PLATE_MAX_CHARS)
)
# FTS5 has no unique key, so the pieces go in first, for the plates "not yet in plates"
# picks out; SQLite's one writer at a time keeps two batches from both finding a plate new.
_SQLITE_NEW_PLATES = (
    "INSERT INTO plate_pieces (plate, pieces) SELECT plate, {pieces} FROM ({plates}) AS batch"
    " WHERE NOT EXISTS (SELECT 1 FROM plates WHERE plates.plate = batch.plate)"
)
_SQLITE_INDEX = (
    text(
        _SQLITE_NEW_PLATES.format(
            pieces=_PIECES, plates="SELECT DISTINCT value AS plate FROM json_each(:plates)"
        )
    ),
    text(
        "INSERT INTO plates (plate) SELECT DISTINCT value FROM json_each(:plates)"
        " WHERE true ON CONFLICT DO NOTHING"
    ),
)


def rebuild_plate_index(connection: Connection) -> None:
    """Index every plate already in the reads table (migrations and bulk loads call this)."""
    if connection.dialect.name == "sqlite":
        every = "SELECT DISTINCT plate FROM reads"
        connection.execute(text(_SQLITE_NEW_PLATES.format(pieces=_PIECES, plates=every)))
    connection.execute(
        text(
            "INSERT INTO plates (plate) SELECT DISTINCT plate FROM reads"
            " WHERE plate NOT IN (SELECT plate FROM plates)"
        )
    )


def matching_plates(pattern: str, like: str, escape: str, dialect: str) -> Select[tuple[str]]:
    """The indexed plates that match a wildcard pattern, as a subquery.

    ``pattern`` is the user's normalised pattern (``?`` and ``*`` wildcards), ``like`` the same
    as a LIKE pattern with ``escape``, ``dialect`` the database's (``connection.dialect.name``).
    The plates holding the pieces of the pattern's known runs are the candidates; LIKE then
    checks each candidate whole. On PostgreSQL a known start or end that narrows enough
    (``_share``) is a range of the plates' key or of the reversed plates instead, read from
    the index alone: the plates of ``5HU*`` took 6.1 ms through the pieces, each of the 386
    computing its pieces again, against 0.3 ms as a range (EXPLAIN ANALYZE, ten million reads).
    """
    runs = [run for run in _LITERAL_RUNS.findall(pattern) if len(run) >= 2]
    matches = plates.c.plate.like(like, escape=escape)
    if not runs:
        # No two known characters side by side (e.g. "*K?9*"): match the distinct plates,
        # still far fewer than the reads.
        return select(plates.c.plate).where(matches)
    start, end = _known_start(pattern), _known_start(pattern[::-1])
    if dialect == "postgresql" and min(_share(start), _share(end)) < RANGE_MAX_SHARE:
        if _share(start) <= _share(end):
            key: ColumnElement[str] = plates.c.plate
            low = start[:RANGE_CHARS]
        else:
            key, low = func.reverse(plates.c.plate, type_=Text), end[:RANGE_CHARS]
        return select(plates.c.plate).where(key >= low, key < _next_key(low), matches)
    pieces = sorted(set().union(*(bigrams(run) for run in runs)))
    if dialect == "postgresql":
        # GIN intersects the posting lists of every piece itself.
        held = func.plate_pieces(plates.c.plate, type_=ARRAY(Text)).contains(pieces)
        return select(plates.c.plate).where(held, matches)
    # FTS5: space-separated quoted tokens must all be present. The match names the table,
    # not the column: an index without positions (detail=none) takes no column filters,
    # and the plate column is not indexed anyway.
    query = " ".join(f'"{piece}"' for piece in pieces)
    held = literal_column(_fts.name).match(query)
    return select(_fts.c.plate).where(held, _fts.c.plate.like(like, escape=escape))


_fts = table("plate_pieces", column("plate", Text))

RANGE_CHARS = 6
"""Known characters of one end that key an index range. Patterns sharing a key share a scan;
keys of up to six (not three) read a narrower range each, and a scan more costs one index
descent: the pattern lookup at ten million reads 13.8 -> 12.1 ms median, 22.8 -> 13.4 p95."""
RANGE_MAX_SHARE = 1 / 100
"""A range is read when its key holds less than this share of the plates (``_share``): two
known digits are too wide where the pieces of a run of three characters narrow more."""


def plates_like_any(
    connection: Connection, likes: Iterable[str], exact: Sequence[str] = ()
) -> set[str]:
    """PostgreSQL: the indexed plates matching any of ``likes`` or equal to one of ``exact``,
    in one statement.

    For the many fixed-length patterns of a tolerant search (``_`` wildcards only). Each
    pattern goes to the index whose range its known characters narrow most (``_share``): the
    known start to a range of the plates' primary key, the known end to a range of the
    reversed plates (migration 0018), the known start after one or two unknown characters to
    a range of the plates from their second or third character (migration 0020), and only
    when none of those narrows enough, the pieces' GIN index. Choosing by letters and digits
    rather than by length, with the two middle ranges, left the pieces almost no pattern: at
    ten million reads 26.2 -> 16.9 ms median, 46.6 -> 22.1 p95 (a one-off harness, 100
    plates, old and new alternating in one process), the GIN scans having read a table page
    per plate of a piece's posting list. Patterns sharing a range or a set of pieces form one
    group, whose patterns are checked on that range's entries alone; all are read
    index-only but the GIN's. A set of pieces holding another (``{J2, RJ, TR}`` beside
    ``{J2, RJ}``) joins the smaller set's group: that scan is read anyway and already holds
    every plate the larger one would find, and each GIN scan reads the posting lists of its
    pieces whole (the same lists up to nine times for one query: 29 -> 19 ms median at ten
    million reads). Ranges are not merged so: a narrow range's patterns checked against a
    wide range's plates cost more LIKEs than the range scan they save (measured 29 -> 48 ms).

    The groups travel as one JSON parameter of a statement whose text never changes, so
    PostgreSQL plans it once per connection: built as a UNION ALL of a statement per group,
    each query's text was new, and planning it, compiling it in SQLAlchemy and converting it
    in psycopg took about 25 ms of a 65 ms search.
    """
    groups = lookup_groups(likes, exact)
    if not groups:
        return set()
    # Dozens of small index scans: PostgreSQL planned them as a parallel append, and starting
    # its workers took longer than the scans (56 -> 29 ms median at ten million reads).
    with planner_settings(connection, max_parallel_workers_per_gather="0"):
        found = connection.execute(_LIKE_ANY, {"groups": json.dumps(groups)}).scalars().all()
    return {str(plate) for plate in found}


def lookup_groups(likes: Iterable[str], exact: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The groups ``plates_like_any`` looks up, each with the index it goes through (``via``)."""
    ranges: dict[tuple[str, str], list[str]] = {}
    by_pieces: dict[frozenset[str], list[str]] = {}
    for like in likes:
        runs = [run for run in _LITERAL_RUNS.findall(like) if len(run) >= 2]
        via, key = min(_range_keys(like), key=lambda route: _share(route[1]))
        # Two known digits hold a hundredth of the plates: a run of three known characters
        # inside the pattern narrows more by its pieces. With a letter the range is narrower.
        if _share(key) < RANGE_MAX_SHARE or (len(key) == 2 and not any(len(r) > 2 for r in runs)):
            ranges.setdefault((via, key[:RANGE_CHARS]), []).append(like)
        else:
            by_pieces.setdefault(frozenset().union(*(bigrams(r) for r in runs)), []).append(like)
    groups = [
        {"via": via, "low": key, "high": _next_key(key), "likes": group}
        for (via, key), group in ranges.items()
    ]
    groups += [
        {"via": "pieces" if pieces else "all", "pieces": sorted(pieces), "likes": group}
        for pieces, group in _into_fewer_pieces(by_pieces).items()
    ]
    if exact:
        groups.append({"via": "exact", "likes": list(exact)})
    return groups


def _range_keys(like: str) -> list[tuple[str, str]]:
    """The known characters that key each ranged index for a fixed-length pattern, in
    ``_RANGES``' order, which is the preference on a tie."""
    return [(via, _known_start(view(like))) for via, (_, view) in _RANGES.items()]


def _share(key: str) -> float:
    """About what share of the plates a range keyed by ``key`` holds: a letter narrows it 26
    ways, a digit 10 ways. On a tie in length the range of letters is the smaller one (a
    California plate's three known digits hold seven times the plates its three letters do).
    """
    share = 1.0
    for char in key[:RANGE_CHARS]:
        share /= 26 if char.isalpha() else 10
    return share


def _next_key(key: str) -> str:
    """The first string after every string starting with ``key``, in byte order ("C")."""
    return key[:-1] + chr(ord(key[-1]) + 1)


_RANGES: dict[str, tuple[str, Callable[[str], str]]] = {
    "start": ("plate", lambda like: like),  # the primary key
    "end": ("reverse(plate)", lambda like: like[::-1]),  # migration 0018
    "from2": ("substr(plate, 2)", lambda like: like[1:]),  # migration 0020
    "from3": ("substr(plate, 3)", lambda like: like[2:]),  # migration 0020
}
"""Each ranged index of the plates: its expression, and the part of a fixed-length pattern
whose known start keys a range of it. A ``_`` stands for exactly one character, so
``like[1:]`` is what ``substr(plate, 2)`` must match."""

_LIKE_ANY = text(
    "SELECT found.plate FROM json_to_recordset(CAST(:groups AS json))"
    " AS g(via text, low text, high text, pieces text[], likes text[])"
    " CROSS JOIN LATERAL ("
    + "".join(
        f" SELECT plate FROM plates WHERE g.via = '{via}' AND {expression} >= g.low COLLATE \"C\""
        f' AND {expression} < g.high COLLATE "C" AND plate LIKE ANY (g.likes) UNION ALL'
        for via, (expression, _) in _RANGES.items()
    )
    + " SELECT plate FROM plates WHERE g.via = 'pieces' AND plate_pieces(plate) @> g.pieces"
    " AND plate LIKE ANY (g.likes)"
    " UNION ALL"
    " SELECT plate FROM plates WHERE g.via = 'all' AND plate LIKE ANY (g.likes)"
    " UNION ALL"
    " SELECT plate FROM plates WHERE g.via = 'exact' AND plate = ANY (g.likes)"
    ") AS found"
)
"""Each group's branch is chosen by its ``via``: PostgreSQL skips the other branches for that
row with a one-time filter before reading anything. An ``exact`` group's ``likes`` are whole
plates, compared with ``=`` on the primary key."""


def _into_fewer_pieces(
    groups: dict[frozenset[str], list[str]],
) -> dict[frozenset[str], list[str]]:
    """Each group's patterns moved into a group whose pieces are a subset of its own.

    Smallest sets first, so a set lands in a group that is itself kept. The empty set (no two
    known characters side by side) takes in no other: its scan reads every plate, and each
    pattern added to it is one more LIKE on each of them (a 600 ms search at ten million
    reads when it took in the rest).
    """
    kept: dict[frozenset[str], list[str]] = {}
    for pieces in sorted(groups, key=len):
        fewer = next((k for k in kept if k and k <= pieces), pieces)
        kept.setdefault(fewer, []).extend(groups[pieces])
    return kept


def _known_start(like: str) -> str:
    match = _LITERAL_RUNS.match(like)
    return match.group() if match else ""
