"""Tolerant plate search: the reads a camera may have got wrong, most alike first.

Two steps do the work. First the database says which distinct plates match the candidate set
from ``likeness`` (look-alike variants by ``IN``, edit patterns by ``LIKE``); plates are far
fewer than reads, and on PostgreSQL both kinds of lookup use the plate indexes. The plates are
then scored here and their reads fetched best score first, so ``limit`` keeps the best hits
rather than whichever the database happened to return first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import (
    Connection,
    Float,
    Text,
    bindparam,
    column,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY

from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.justification import Justification, require_justification
from plateward.search.likeness import (
    MAX_EDITS,
    WILD,
    allowed_edits,
    edit_patterns,
    likeness,
    lookalike_variants,
)
from plateward.search.patterns import LIKE_ESCAPE, ONE
from plateward.search.plates import NO_FILTERS, plate_text
from plateward.search.query import HITS, KEYS, Bind, H, HitShape, connected
from plateward.search.results import ReadHit, ResultKey
from plateward.store.plate_index import matching_plates, plates_like_any
from plateward.store.schema import plates, reads

T = TypeVar("T")

IN_CHUNK = 500
WILD_CHUNK = 50
"""Edit patterns looked up in one statement on SQLite (PostgreSQL takes them all at once)."""


def search_tolerant(
    bind: Bind,
    plate: str,
    *,
    justification: Justification,
    filters: Filters = NO_FILTERS,
    max_edits: int = MAX_EDITS,
) -> list[ReadHit]:
    """Reads of plates like this one (look-alike swaps, up to ``max_edits`` edits), best first.

    Each hit's ``score`` is its plate's likeness, 1.0 for the plate itself; ties go newest first.
    """
    return _search(bind, plate, justification, filters, max_edits, HITS)


def tolerant_keys(
    bind: Bind,
    plate: str,
    *,
    justification: Justification,
    filters: Filters = NO_FILTERS,
    max_edits: int = MAX_EDITS,
) -> list[ResultKey]:
    """The same search, each hit only as its read's key and score: what a kept result set
    holds (the web pages). On ten million reads, fetching, converting and sending a thousand
    hits' other columns (each with its camera's code) was a quarter of the reads' step at the
    median and 40% of it at p95 (a one-off harness, 60 plates).
    """
    return _search(bind, plate, justification, filters, max_edits, KEYS)


def _search(
    bind: Bind, plate: str, justification: Justification, filters: Filters, max_edits: int,
    shape: HitShape[H],
) -> list[H]:  # fmt: skip
    require_justification(justification)
    if not 0 <= max_edits <= MAX_EDITS:
        raise InvalidInput(f"max edits {max_edits}: must be between 0 and {MAX_EDITS}")
    query = plate_text(plate)
    with connected(bind) as connection:
        plates = _candidate_plates(connection, query, filters, max_edits)
        # Every candidate already meets the rule (``is_tolerant_match``): the variants and
        # edit patterns it is looked up by match nothing further (tests/search/test_tolerant.py).
        tiers: dict[float, list[str]] = defaultdict(list)
        for found in plates:
            tiers[likeness(query, found)].append(found)
        if connection.dialect.name == "postgresql":
            return _best_reads(connection, tiers, filters, shape)
        hits: list[H] = []
        for score in sorted(tiers, reverse=True):
            remaining = filters.limit - len(hits)
            if remaining <= 0:
                break
            hits += _reads_of(connection, tiers[score], score, filters, remaining, shape)
    return hits


def _candidate_plates(
    connection: Connection, query: str, filters: Filters, max_edits: int
) -> set[str]:
    """The distinct plates that may be tolerant matches, from the plate index.

    Look-alike variants and exact edits are looked up by the plates' key. Edit patterns with
    a wildcard go through the plate index (``store/plate_index.py``): on PostgreSQL grouped by
    the narrowest index range their known characters allow, on SQLite through the pieces, as
    a partial search does. LIKE over the reads themselves read every row, 45 s at ten million
    reads.
    The plates found may have no read in the filters' window; ``_reads_of`` applies those.
    """
    exact, wild = edit_patterns(query, allowed_edits(query, max_edits))
    wanted = sorted(set(exact) | set(lookalike_variants(query)))
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return plates_like_any(connection, wild, exact=wanted)
    found: set[str] = set()
    for chunk in _chunks(wanted, IN_CHUNK):
        statement = select(plates.c.plate).where(plates.c.plate.in_(chunk))
        found.update(connection.execute(statement).scalars())
    indexed = [p for p in wild if _has_piece(p)]
    for chunk in _chunks(indexed, WILD_CHUNK):
        lookups = union(
            *(matching_plates(p.replace(WILD, ONE), p, LIKE_ESCAPE, dialect) for p in chunk)
        )
        found.update(str(plate) for plate in connection.execute(lookups).scalars())
    unindexed = [p for p in wild if not _has_piece(p)]
    for chunk in _chunks(unindexed, WILD_CHUNK):
        # No two known characters side by side: one pass over the distinct plates for all.
        statement = select(plates.c.plate).where(or_(*(plates.c.plate.like(p) for p in chunk)))
        found.update(connection.execute(statement).scalars())
    return found


def _has_piece(pattern: str) -> bool:
    return any(len(run) >= 2 for run in pattern.split(WILD))


def _reads_of(
    connection: Connection, plates: list[str], score: float, filters: Filters, limit: int,
    shape: HitShape[H],
) -> list[H]:  # fmt: skip
    """SQLite: the newest ``limit`` reads of plates of one score."""
    hits: list[H] = []
    for chunk in _chunks(sorted(plates), IN_CHUNK):
        statement = (
            shape.select_reads(filters)
            .where(reads.c.plate.in_(chunk))
            .order_by(reads.c.captured_at.desc(), reads.c.id)
            .limit(limit)
        )
        hits += [shape.hit(row, score) for row in connection.execute(statement)]
    hits.sort(key=lambda h: h.captured_at, reverse=True)
    return hits[:limit]


def _best_reads(
    connection: Connection, tiers: dict[float, list[str]], filters: Filters, shape: HitShape[H]
) -> list[H]:
    """PostgreSQL: the best ``filters.limit`` reads of the scored plates, in one statement.

    Best score first, then newest. Each plate's newest reads come from its own index on
    (plate, capture time), in a lateral join over the plates, and the text is the same for
    any number of plates. Asked as "reads whose plate is one of these, newest first", the
    planner expected dozens of matches per plate (the most read plates skew its statistics)
    and walked the reads newest first until it had enough: 0.2 to 5.8 s for rare plates at
    ten million reads. One statement for all scores, where there was one per score.

    The plates go in best score first, so PostgreSQL sorts the reads of one score at a time
    (an incremental sort) and stops once it has the limit: a plate read a thousand times
    fills it alone, and the laterals of the plates below it are never run.
    """
    scored = sorted((plate, score) for score, group in tiers.items() for plate in group)
    if not scored:
        return []
    given = (
        func.unnest(
            bindparam("plates", [plate for plate, _ in scored], type_=ARRAY(Text)),
            bindparam("scores", [score for _, score in scored], type_=ARRAY(Float)),
        )
        .table_valued(column("plate", Text), column("score", Float))
        .render_derived(name="given")
    )
    wanted = select(given.c.plate, given.c.score).order_by(given.c.score.desc()).subquery("wanted")
    each = (
        shape.select_reads(filters)
        .where(reads.c.plate == wanted.c.plate)
        .order_by(reads.c.captured_at.desc(), reads.c.id)
        .limit(filters.limit)
        .lateral("each")
    )
    statement = (
        select(each, wanted.c.score)
        .select_from(wanted.join(each, true()))
        .order_by(wanted.c.score.desc(), each.c.captured_at.desc(), each.c.id)
        .limit(filters.limit)
    )
    return [shape.hit(row, row.score) for row in connection.execute(statement)]


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
