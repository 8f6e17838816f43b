"""Checking what people type into the governance forms, with errors that name the field.

Records requests, breach incidents and maintenance tickets are filled in by hand, from the
API, the console and the pages alike; the same checks here give the same one-line error
("requester_name: required") whichever way the form came, before anything is written.
"""

from __future__ import annotations

import datetime as dt

from plateward.errors import InvalidInput

EARLIEST = dt.date(2000, 1, 1)
"""No ALPR record predates this; an earlier date is a typo."""


def required_text(field: str, value: str | None, max_chars: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field}: required")
    return _bounded(field, text, max_chars)


def optional_text(field: str, value: str | None, max_chars: int) -> str | None:
    text = (value or "").strip()
    return _bounded(field, text, max_chars) if text else None


def past_date(field: str, day: dt.date, today: dt.date) -> dt.date:
    """A day that has happened: not after ``today``, not before ``EARLIEST``."""
    if day > today:
        raise InvalidInput(f"{field} {day}: after today ({today})")
    if day < EARLIEST:
        raise InvalidInput(f"{field} {day}: before {EARLIEST}; check the date")
    return day


def past_moment(field: str, moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A time that has happened, with its UTC offset, as UTC."""
    utc = utc_moment(field, moment)
    if utc > now:
        raise InvalidInput(f"{field} {moment.isoformat()}: in the future")
    if utc.date() < EARLIEST:
        raise InvalidInput(f"{field} {moment.isoformat()}: before {EARLIEST}; check the date")
    return utc


def utc_moment(field: str, moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{field} {moment.isoformat()}: give a UTC offset, e.g. 2026-05-01T08:00:00-07:00"
        )
    return moment.astimezone(dt.UTC)


def in_order(first: str, start: object, second: str, end: object) -> None:
    """Refuse ``end`` before ``start`` (either may be missing: nothing to compare)."""
    if start is not None and end is not None and end < start:  # type: ignore[operator]
        raise InvalidInput(f"{second} {_show(end)}: before {first} {_show(start)}")


def _bounded(field: str, text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise InvalidInput(f"{field}: {len(text)} characters, over the {max_chars} limit")
    if "\x00" in text:
        raise InvalidInput(f"{field}: contains a NUL character")
    return text


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
