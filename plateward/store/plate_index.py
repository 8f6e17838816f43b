"""The plate index: every distinct plate read, and the two-character pieces of each.

A partial plate pattern with a leading wildcard (``*KX?9*``) cannot use the reads' plate
index, and PostgreSQL's trigram index needs three known characters in a row, so without help
such a search reads every row: seconds at ten million reads. Distinct plates are a fraction of
the reads, and the plates holding a given pair of characters a fraction of those (about 1 in
200), so the search finds its plates here and then their reads by the plate index.

Kept current by ``store_reads`` in the same transaction as the reads, so a plate is findable
the moment its read is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from sqlalchemy import Connection, Select, TextClause, intersect, select, text

from plateward.store.schema import PLATE_MAX_CHARS, plate_bigrams, plates

_LITERAL_RUNS = re.compile(r"[A-Z0-9]+")


def bigrams(plate: str) -> set[str]:
    return {plate[k : k + 2] for k in range(len(plate) - 1)}


def index_plates(connection: Connection, seen: Iterable[str]) -> None:
    """Index the plates of a batch that are not yet indexed.

    Two set-based statements with the batch's plates as one JSON parameter: the database
    finds the new plates and cuts them into pieces itself. Sending each plate and piece as a
    row of an executemany cost 150 ms per 500-read batch on PostgreSQL (bench/ingest.py).
    """
    wanted = sorted(set(seen))
    if not wanted:
        return
    postgres = connection.dialect.name == "postgresql"
    statements = _PG_INDEX if postgres else _SQLITE_INDEX
    parameters = {"plates": json.dumps(wanted)}
    for statement in statements:
        connection.execute(statement, parameters)


def _index_statements(batch_plates: str) -> tuple[TextClause, TextClause]:
    positions = ", ".join(f"({k})" for k in range(1, PLATE_MAX_CHARS))
    # Pieces first, while "not yet in plates" still picks out the new plates; ON CONFLICT
    # DO NOTHING because a concurrent batch may index the same new plate at the same time.
    pieces = text(
        f"WITH batch(plate) AS (SELECT DISTINCT value FROM {batch_plates}),"
        " fresh(plate) AS (SELECT plate FROM batch WHERE NOT EXISTS"
        "  (SELECT 1 FROM plates WHERE plates.plate = batch.plate)),"
        f" position(k) AS (VALUES {positions})"
        " INSERT INTO plate_bigrams (bigram, plate)"
        " SELECT DISTINCT substr(plate, k, 2), plate FROM fresh, position"
        " WHERE length(plate) > k ON CONFLICT DO NOTHING"
    )
    whole = text(
        f"INSERT INTO plates (plate) SELECT DISTINCT value FROM {batch_plates}"
        " WHERE true ON CONFLICT DO NOTHING"
    )
    return pieces, whole


_PG_INDEX = _index_statements(
    "json_array_elements_text(CAST(:plates AS json)) AS batch_json(value)"
)
_SQLITE_INDEX = _index_statements("json_each(:plates)")


def rebuild_plate_index(connection: Connection) -> None:
    """Index every plate already in the reads table (migrations and bulk loads call this)."""
    connection.execute(
        text(
            "INSERT INTO plates (plate) SELECT DISTINCT plate FROM reads"
            " WHERE plate NOT IN (SELECT plate FROM plates)"
        )
    )
    for start in range(1, PLATE_MAX_CHARS):
        connection.execute(
            text(
                "INSERT INTO plate_bigrams (bigram, plate)"
                f" SELECT substr(plate, {start}, 2), plate FROM plates"
                f" WHERE length(plate) >= {start + 1}"
                " ON CONFLICT DO NOTHING"
            )
        )


def matching_plates(pattern: str, like: str, escape: str) -> Select[tuple[str]]:
    """The indexed plates that match a wildcard pattern, as a subquery.

    ``pattern`` is the user's normalised pattern (``?`` and ``*`` wildcards), ``like`` the same
    as a LIKE pattern with ``escape``. The plates holding every piece of the pattern's longest
    known run (up to three pieces) are the candidates; LIKE then checks each candidate whole.
    """
    runs = [run for run in _LITERAL_RUNS.findall(pattern) if len(run) >= 2]
    if not runs:
        # No two known characters side by side (e.g. "*K?9*"): match the distinct plates,
        # still far fewer than the reads.
        return select(plates.c.plate).where(plates.c.plate.like(like, escape=escape))
    longest = max(runs, key=len)
    pieces = sorted(bigrams(longest))[:3]
    queries = [
        select(plate_bigrams.c.plate).where(
            plate_bigrams.c.bigram == piece, plate_bigrams.c.plate.like(like, escape=escape)
        )
        for piece in pieces
    ]
    if len(queries) == 1:
        return queries[0]
    candidates = intersect(*queries).subquery()
    return select(candidates.c.plate)
