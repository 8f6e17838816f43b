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
from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

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
    checks each candidate whole.
    """
    runs = [run for run in _LITERAL_RUNS.findall(pattern) if len(run) >= 2]
    matches = plates.c.plate.like(like, escape=escape)
    if not runs:
        # No two known characters side by side (e.g. "*K?9*"): match the distinct plates,
        # still far fewer than the reads.
        return select(plates.c.plate).where(matches)
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

RANGE_CHARS = 3
"""Known characters at one end that make an index range narrow enough on its own: a few
dozen plates of millions. Two still make one (a thousandth of the plates)."""


def plates_like_any(likes: Iterable[str]) -> list[Select[tuple[str]]]:
    """PostgreSQL: the indexed plates matching any of ``likes``, as statements to UNION ALL.

    For the many fixed-length patterns of a tolerant search (``_`` wildcards only). Each
    pattern goes to the narrowest index its known characters allow: the known start to a
    range of the plates' primary key, else the known end to a range of the reversed plates
    (migration 0018), else the pieces' GIN index. Patterns sharing a range or a set of pieces
    share one statement, whose LIKEs are checked on that range's entries alone; all are read
    index-only but the GIN's.
    """
    forward: dict[str, list[str]] = {}
    backward: dict[str, list[str]] = {}
    by_pieces: dict[frozenset[str], list[str]] = {}
    for like in likes:
        start = _known_start(like)
        end = _known_start(like[::-1])
        if len(start) >= 2 and len(start) >= len(end):
            forward.setdefault(start[:RANGE_CHARS], []).append(like)
        elif len(end) >= 2:
            backward.setdefault(end[:RANGE_CHARS], []).append(like)
        else:
            runs = [run for run in _LITERAL_RUNS.findall(like) if len(run) >= 2]
            by_pieces.setdefault(frozenset().union(*(bigrams(r) for r in runs)), []).append(like)
    statements = [
        select(plates.c.plate).where(plates.c.plate.like(start + "%"), _any_like(group))
        for start, group in forward.items()
    ]
    statements += [
        select(plates.c.plate).where(func.reverse(plates.c.plate).like(end + "%"), _any_like(group))
        for end, group in backward.items()
    ]
    statements += [
        select(plates.c.plate).where(
            func.plate_pieces(plates.c.plate, type_=ARRAY(Text)).contains(sorted(pieces)),
            _any_like(group),
        )
        if pieces
        else select(plates.c.plate).where(_any_like(group))
        for pieces, group in by_pieces.items()
    ]
    return statements


def _known_start(like: str) -> str:
    match = _LITERAL_RUNS.match(like)
    return match.group() if match else ""


def _any_like(likes: list[str]) -> ColumnElement[bool]:
    return or_(*(plates.c.plate.like(like) for like in likes))
