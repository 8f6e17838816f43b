"""Half-year audit periods: ``2026H1`` is January to June, ``2026H2`` July to December, in UTC.

Policy H asks for semi-annual audits, so the half-year is the unit an audit covers and the unit
whose lateness ``due.py`` measures. Boundaries are UTC midnights so that an entry belongs to
the same period whichever time zone the auditor's machine is in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from plateward.errors import InvalidInput

_PATTERN = re.compile(r"(\d{4})H([12])")


@dataclass(frozen=True, order=True)
class Period:
    """One half-year; ``half`` is 1 (January-June) or 2 (July-December)."""

    year: int
    half: int

    def __str__(self) -> str:
        return f"{self.year}H{self.half}"

    @property
    def start(self) -> dt.datetime:
        """The first instant in the period (inclusive)."""
        return dt.datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period (exclusive), i.e. the next period's start."""
        return self.next().start

    def next(self) -> Period:
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    def previous(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)


def parse_period(text: str) -> Period:
    """``2026H2`` (case-insensitive) as a Period; anything else is refused with the format."""
    match = _PATTERN.fullmatch(text.strip().upper())
    if match is None:
        raise InvalidInput(f"period {text!r}: write it as YEAR then H1 or H2, e.g. 2026H2")
    year = int(match.group(1))
    if year < 1970:
        raise InvalidInput(f"period {text!r}: the year must be 1970 or later")
    return Period(year, int(match.group(2)))


def period_of(moment: dt.datetime | dt.date) -> Period:
    """The period an instant (converted to UTC) or a calendar date falls in."""
    if isinstance(moment, dt.datetime):
        if moment.utcoffset() is None:
            raise InvalidInput(f"{moment.isoformat()}: give a UTC offset")
        moment = moment.astimezone(dt.UTC)
    return Period(moment.year, 1 if moment.month <= 6 else 2)
