"""Capture times as other systems write them, told apart and checked for plausibility.

A number is a count since 1970 whose unit its size gives away: 1.7e9 is seconds (2023), 1.7e12
milliseconds, 1.7e15 microseconds, 1.7e18 nanoseconds. Any unit read wrongly lands in 1970 or
in the far future, so every time must also fall between ``EARLIEST`` and a few minutes from
now. Text is ISO 8601 (``2025-11-20T18:15:00Z``, ``2025-11-20 10:15:00.6-08:00``) or the way
Windows consoles export times: ``11/20/2025 10:15:00 AM`` (US order, month first), optionally
followed by UTC or GMT, or ``20.11.2025 10:15:00`` (day first, as the dots say).

A time without an offset could be in any zone. It is read in the zone the user named
(``--timezone``, or a camera's zone on the vendor endpoints) and refused without one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""Reads older than this are not plausible: no system here read plates before it."""
FUTURE_SLACK = dt.timedelta(minutes=5)
"""How far past now a capture time may be (clocks drift)."""

_UTC_WORDS = re.compile(r"\s*(?:UTC|GMT|Z)\s*$", re.IGNORECASE)
_US = re.compile(
    r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}),?\s+(?P<H>\d{1,2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?\s*(?P<p>[AaPp][Mm])?$"
)
_DOTTED = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}),?\s+(?P<H>\d{1,2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?$"
)


class TimeProblem(ValueError):
    """Why a value is not a usable capture time; the caller names the record."""


@dataclass(frozen=True)
class Clock:
    """What every capture time of one import or request is checked against."""

    zone: dt.tzinfo | None
    latest: dt.datetime
    earliest: dt.datetime = EARLIEST
    zone_hint: str = "--timezone ZONE (e.g. America/Los_Angeles, or UTC)"
    """How the user names the zone of offset-less times, for messages."""

    @classmethod
    def now(cls, zone: dt.tzinfo | None = None, zone_hint: str | None = None) -> Clock:
        latest = dt.datetime.now(dt.UTC) + FUTURE_SLACK
        if zone_hint is None:
            return cls(zone, latest)
        return cls(zone, latest, zone_hint=zone_hint)


def capture_time(value: object, clock: Clock) -> dt.datetime:
    """``value`` as an aware UTC time, or ``TimeProblem`` saying why not."""
    if isinstance(value, bool) or value is None:
        raise TimeProblem("missing")
    if isinstance(value, int | float):
        moment = _from_epoch(float(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise TimeProblem("missing")
        number = _number(text)
        moment = _from_epoch(number) if number is not None else _from_text(text, clock)
    else:
        raise TimeProblem(f"expected a time, got {type(value).__name__}")
    return check_plausible(moment.astimezone(dt.UTC), clock, value)


def check_plausible(moment: dt.datetime, clock: Clock, value: object) -> dt.datetime:
    if moment < clock.earliest:
        raise TimeProblem(
            f"{value!r} is {moment.isoformat()}, before {clock.earliest.year}: not a plausible"
            " capture time (a count of seconds read as milliseconds?)"
        )
    if moment > clock.latest:
        raise TimeProblem(f"{value!r} is {moment.isoformat()}, in the future")
    return moment


def epoch_unit(number: float) -> float:
    """Seconds per unit of a count since 1970, from its size."""
    size = abs(number)
    if size < 1e11:
        return 1.0
    if size < 1e14:
        return 1e-3
    if size < 1e17:
        return 1e-6
    return 1e-9


def _from_epoch(number: float) -> dt.datetime:
    if not math.isfinite(number):
        raise TimeProblem(f"{number!r} is not a time")
    try:
        return dt.datetime.fromtimestamp(number * epoch_unit(number), dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise TimeProblem(f"{number!r} is not a plausible time") from None


def _number(text: str) -> float | None:
    if not text or not (text[0].isdigit() or text[0] in "-."):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _from_text(text: str, clock: Clock) -> dt.datetime:
    utc = _UTC_WORDS.search(text)
    body = text[: utc.start()] if utc and not text.endswith(("z", "Z")) else text
    moment = _iso(body) or _pattern(body)
    if moment is None:
        raise TimeProblem(
            f"{text!r} is not a time Plateward reads (ISO 8601, seconds or milliseconds since"
            " 1970, or MM/DD/YYYY HH:MM:SS [AM|PM])"
        )
    if moment.tzinfo is not None:
        return moment
    if utc is not None:
        return moment.replace(tzinfo=dt.UTC)
    if clock.zone is None:
        raise TimeProblem(f"{text!r} has no UTC offset: give {clock.zone_hint}")
    return moment.replace(tzinfo=clock.zone)


def _iso(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _pattern(text: str) -> dt.datetime | None:
    found = _US.match(text) or _DOTTED.match(text)
    if found is None:
        return None
    parts = found.groupdict()
    hour = int(parts["H"])
    meridiem = (parts.get("p") or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    try:
        return dt.datetime(
            int(parts["y"]), int(parts["m"]), int(parts["d"]), hour, int(parts["M"]),
            int(parts["S"] or 0), int((parts["f"] or "0").ljust(6, "0")),
        )  # fmt: skip
    except ValueError:
        return None
