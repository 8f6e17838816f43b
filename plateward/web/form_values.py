"""Reading dates and numbers out of page forms, with the error a person can act on.

A browser sends every field as text; an empty field is None. Times are ``clock.parse_local``'s.
"""

from __future__ import annotations

import datetime as dt

from plateward.errors import InvalidInput


def day_or_none(field: str, text: str) -> dt.date | None:
    value = text.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} {value!r}: not a date (YYYY-MM-DD)") from None


def int_or_none(field: str, text: str) -> int | None:
    value = text.strip().replace(",", "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field} {value!r}: not a whole number") from None
