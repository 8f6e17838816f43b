"""The plate index: every distinct plate read, and the two-character pieces of each.

A partial plate pattern with a leading wildcard (``*KX?9*``) cannot use the reads' plate
index, and PostgreSQL's trigram index needs three known characters in a row, so without help
such a search reads every row: seconds at ten million reads. Distinct plates are a fraction of
the reads, and the plates holding a given pair of characters a fraction of those (about 1 in
200), so the search finds its plates here and then their reads by the plate index.

Where the pieces live differs by back-end: SQLite keeps them in the ``plate_bigrams`` table;
PostgreSQL in a GIN index over ``plate_pieces(plate)`` on ``plates`` (migration 0010 says
why). Kept current in the same transaction as the reads, so a plate is findable the moment
its read is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from sqlalchemy import Connection, Select, Text, func, intersect, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from plateward.store.schema import PLATE_MAX_CHARS, plate_bigrams, plates

_LITERAL_RUNS = re.compile(r"[A-Z0-9]+")


def bigrams(plate: str) -> set[str]:
    return {plate[k : k + 2] for k in range(len(plate) - 1)}


def index_plates(connection: Connection, seen: Iterable[str]) -> None:
    """Index the plates of a batch that are not yet indexed.

    Set-based statements with the batch's plates as one JSON parameter: the database finds
    the new plates and cuts them into pieces itself. Sending each plate and piece as a row of
    an executemany cost 150 ms per 500-read batch on PostgreSQL (bench/ingest.py). Plates go
    in sorted, so two batches indexing the same new plates take their locks in one order.
    """
    wanted = sorted(set(seen))
    if not wanted:
        return
    postgres = connection.dialect.name == "postgresql"
    statements = _PG_INDEX if postgres else _SQLITE_INDEX
    parameters = {"plates": json.dumps(wanted)}
    for statement in statements:
        connection.execute(statement, parameters)


_SQLITE_INDEX = (
    # Pieces first, while "not yet in plates" still picks out the new plates; ON CONFLICT
    # DO NOTHING because a concurrent batch may index the same new plate at the same time.
    text(
        "WITH batch(plate) AS (SELECT DISTINCT value FROM json_each(:plates)),"
        " fresh(plate) AS (SELECT plate FROM batch WHERE NOT EXISTS"
        "  (SELECT 1 FROM plates WHERE plates.plate = batch.plate)),"
        f" position(k) AS (VALUES {', '.join(f'({k})' for k in range(1, PLATE_MAX_CHARS))})"
        " INSERT INTO plate_bigrams (bigram, plate)"
        " SELECT DISTINCT substr(plate, k, 2), plate FROM fresh, position"
        " WHERE length(plate) > k ON CONFLICT DO NOTHING"
    ),
    text(
        "INSERT INTO plates (plate) SELECT DISTINCT value FROM json_each(:plates)"
        " WHERE true ORDER BY value ON CONFLICT DO NOTHING"
    ),
)
# The GIN index on plate_pieces(plate) follows the plates table by itself.
_PG_INDEX = (
    text(
        "INSERT INTO plates (plate)"
        " SELECT DISTINCT value FROM json_array_elements_text(CAST(:plates AS json)) AS b(value)"
        " ORDER BY value ON CONFLICT DO NOTHING"
    ),
)


def rebuild_plate_index(connection: Connection) -> None:
    """Index every plate already in the reads table (migrations and bulk loads call this)."""
    connection.execute(
        text(
            "INSERT INTO plates (plate) SELECT DISTINCT plate FROM reads"
            " WHERE plate NOT IN (SELECT plate FROM plates)"
        )
    )
    if connection.dialect.name == "postgresql":
        return
    for start in range(1, PLATE_MAX_CHARS):
        connection.execute(
            text(
                "INSERT INTO plate_bigrams (bigram, plate)"
                f" SELECT substr(plate, {start}, 2), plate FROM plates"
                f" WHERE length(plate) >= {start + 1}"
                " ON CONFLICT DO NOTHING"
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
    if dialect == "postgresql":
        # GIN intersects the posting lists of every piece itself.
        pieces = sorted(set().union(*(bigrams(run) for run in runs)))
        held = func.plate_pieces(plates.c.plate, type_=ARRAY(Text)).contains(pieces)
        return select(plates.c.plate).where(held, matches)
    # SQLite: the pieces of the longest run (up to three), each a range of plate_bigrams.
    longest = max(runs, key=len)
    queries = [
        select(plate_bigrams.c.plate).where(
            plate_bigrams.c.bigram == piece, plate_bigrams.c.plate.like(like, escape=escape)
        )
        for piece in sorted(bigrams(longest))[:3]
    ]
    if len(queries) == 1:
        return queries[0]
    candidates = intersect(*queries).subquery()
    return select(candidates.c.plate)
