"""Times that come from outside: with a UTC offset, inside the years the system can hold, in UTC.

``0001-01-01T00:00:00+14:00`` is a valid ISO 8601 time whose UTC instant falls in year 0, which
Python cannot represent; ``9999-12-31T23:59:59-14:00`` falls in year 10000. Every time a caller
gives (a search window, a capture time, a log query) goes through ``utc_moment``, so such a time
is refused with a message naming it, instead of failing somewhere deeper.
"""

from __future__ import annotations

import datetime as dt

from plateward.errors import InvalidInput

FIRST_YEAR = 1900
LAST_YEAR = 9998


def utc_moment(name: str, moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; InvalidInput naming ``name`` if it has no offset or is out of range."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{name} {moment.isoformat()}: give a UTC offset, e.g. 2026-05-01T08:00:00-07:00"
        )
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if utc is None or not FIRST_YEAR <= utc.year <= LAST_YEAR:
        raise InvalidInput(
            f"{name} {moment.isoformat()}: out of range (years {FIRST_YEAR} to {LAST_YEAR}, UTC)"
        )
    return utc


def parse_moment(name: str, text: str | None) -> dt.datetime | None:
    """A time typed at the console: ISO 8601 with its offset, or a date (midnight UTC).

    None when not given. A bare local time is refused: at the console nothing says whose zone
    it would be in.
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == len("2026-05-01"):
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name} {text!r}: not an ISO 8601 time, e.g. 2026-05-01T08:00:00-07:00"
        ) from None
    return utc_moment(name, parsed)


def parse_day(name: str, text: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` typed at the console; None when not given."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name} {text!r}: not a date, write it as YYYY-MM-DD") from None
