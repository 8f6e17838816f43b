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

import re
from collections.abc import Iterable

from sqlalchemy import Connection, Select, intersect, select, text
from sqlalchemy.dialects import postgresql, sqlite

from plateward.store.schema import PLATE_MAX_CHARS, plate_bigrams, plates

_LITERAL_RUNS = re.compile(r"[A-Z0-9]+")


def bigrams(plate: str) -> set[str]:
    return {plate[k : k + 2] for k in range(len(plate) - 1)}


def index_plates(connection: Connection, seen: Iterable[str]) -> int:
    """Add the plates not yet indexed; returns how many were new."""
    wanted = set(seen)
    if not wanted:
        return 0
    known = set(
        connection.execute(select(plates.c.plate).where(plates.c.plate.in_(wanted))).scalars()
    )
    new = sorted(wanted - known)
    if not new:
        return 0
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    # DO NOTHING: a concurrent batch may index the same new plate between the check and here.
    connection.execute(dialect.insert(plates).on_conflict_do_nothing(), [{"plate": p} for p in new])
    pieces = [{"bigram": b, "plate": p} for p in new for b in bigrams(p)]
    if pieces:
        connection.execute(dialect.insert(plate_bigrams).on_conflict_do_nothing(), pieces)
    return len(new)


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
