"""Searches by plate text: an exact plate, a partial pattern, and one plate's timeline.

Exact and partial results come newest first (an investigator wants the latest sighting); a
timeline comes oldest first, because it is read as the vehicle's movements in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select

from plateward.errors import InvalidInput
from plateward.recognition.confusions import normalise
from plateward.search.filters import Filters
from plateward.search.justification import Justification, require_justification
from plateward.search.patterns import LIKE_ESCAPE, has_wildcard, like_pattern, normalise_pattern
from plateward.search.query import (
    HITS,
    KEYS,
    Bind,
    H,
    HitShape,
    connected,
    plate_order,
)
from plateward.search.results import ReadHit, ResultKey
from plateward.store.plate_index import matching_plates
from plateward.store.schema import PLATE_MAX_CHARS, reads

NO_FILTERS = Filters()


def search_plate(
    bind: Bind, plate: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ReadHit]:
    """Every read of exactly this plate (separators and case ignored), newest first."""
    return _plate(bind, plate, justification, filters, HITS)


def plate_keys(
    bind: Bind, plate: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ResultKey]:
    """``search_plate``'s reads as a kept result set holds them (the web pages)."""
    return _plate(bind, plate, justification, filters, KEYS)


def search_partial(
    bind: Bind, pattern: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ReadHit]:
    """Reads whose plate matches a pattern: ``?`` one character, ``*`` any run; newest first."""
    return _partial(bind, pattern, justification, filters, HITS)


def partial_keys(
    bind: Bind, pattern: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ResultKey]:
    """``search_partial``'s reads as a kept result set holds them (the web pages)."""
    return _partial(bind, pattern, justification, filters, KEYS)


def plate_timeline(
    bind: Bind, plate: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ReadHit]:
    """Every read of a plate in the order it was seen: where the vehicle went, and when."""
    return _plate(bind, plate, justification, filters, HITS, newest_first=False)


def _plate(
    bind: Bind, plate: str, justification: Justification, filters: Filters,
    shape: HitShape[H], *, newest_first: bool = True,
) -> list[H]:  # fmt: skip
    require_justification(justification)
    wanted = plate_text(plate)
    query = shape.select_reads(filters).where(reads.c.plate == wanted)
    return _in_capture_order(bind, query, filters, shape, newest_first=newest_first)


def _partial(
    bind: Bind, pattern: str, justification: Justification, filters: Filters,
    shape: HitShape[H],
) -> list[H]:  # fmt: skip
    require_justification(justification)
    normalised = normalise_pattern(pattern)
    condition: ColumnElement[bool]
    if has_wildcard(normalised):
        like = like_pattern(normalised)
        dialect = bind.dialect.name
        condition = reads.c.plate.in_(matching_plates(normalised, like, LIKE_ESCAPE, dialect))
    else:
        condition = reads.c.plate == normalised
    query = shape.select_reads(filters).where(condition)
    return _in_capture_order(bind, query, filters, shape, newest_first=True)


def _in_capture_order(
    bind: Bind, query: Select[Any], filters: Filters, shape: HitShape[H], *, newest_first: bool
) -> list[H]:
    with connected(bind) as connection:
        order = plate_order(connection, newest_first=newest_first)
        rows = connection.execute(query.order_by(*order).limit(filters.limit)).all()
    return [shape.hit(row, None) for row in rows]


def plate_text(text: str) -> str:
    """A typed plate as stored: A-Z0-9, so '7b3-kx9' finds 7B3KX9."""
    plate = normalise(text)
    if not plate:
        raise InvalidInput(f"plate {text!r}: has no letters or digits")
    if len(plate) > PLATE_MAX_CHARS:
        raise InvalidInput(f"plate {text!r}: longer than {PLATE_MAX_CHARS} characters")
    return plate
