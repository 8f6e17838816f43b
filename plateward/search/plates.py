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
from plateward.search.query import Bind, connected, plate_order, select_hits, to_hit
from plateward.search.results import ReadHit
from plateward.store.plate_index import matching_plates
from plateward.store.schema import PLATE_MAX_CHARS, reads

NO_FILTERS = Filters()


def search_plate(
    bind: Bind, plate: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ReadHit]:
    """Every read of exactly this plate (separators and case ignored), newest first."""
    require_justification(justification)
    wanted = plate_text(plate)
    query = select_hits(filters).where(reads.c.plate == wanted)
    return _in_capture_order(bind, query, filters, newest_first=True)


def search_partial(
    bind: Bind, pattern: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ReadHit]:
    """Reads whose plate matches a pattern: ``?`` one character, ``*`` any run; newest first."""
    require_justification(justification)
    normalised = normalise_pattern(pattern)
    condition: ColumnElement[bool]
    if has_wildcard(normalised):
        like = like_pattern(normalised)
        dialect = bind.dialect.name
        condition = reads.c.plate.in_(matching_plates(normalised, like, LIKE_ESCAPE, dialect))
    else:
        condition = reads.c.plate == normalised
    query = select_hits(filters).where(condition)
    return _in_capture_order(bind, query, filters, newest_first=True)


def plate_timeline(
    bind: Bind, plate: str, *, justification: Justification, filters: Filters = NO_FILTERS
) -> list[ReadHit]:
    """Every read of a plate in the order it was seen: where the vehicle went, and when."""
    require_justification(justification)
    wanted = plate_text(plate)
    query = select_hits(filters).where(reads.c.plate == wanted)
    return _in_capture_order(bind, query, filters, newest_first=False)


def _in_capture_order(
    bind: Bind, query: Select[Any], filters: Filters, *, newest_first: bool
) -> list[ReadHit]:
    with connected(bind) as connection:
        order = plate_order(connection, newest_first=newest_first)
        rows = connection.execute(query.order_by(*order).limit(filters.limit)).all()
    return [to_hit(row) for row in rows]


def plate_text(text: str) -> str:
    """A typed plate as stored: A-Z0-9, so '7b3-kx9' finds 7B3KX9."""
    plate = normalise(text)
    if not plate:
        raise InvalidInput(f"plate {text!r}: has no letters or digits")
    if len(plate) > PLATE_MAX_CHARS:
        raise InvalidInput(f"plate {text!r}: longer than {PLATE_MAX_CHARS} characters")
    return plate
