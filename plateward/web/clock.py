"""Times as people read them: in the agency's time zone (``web.time_zone``), UTC on hover.

Everything is stored and exported in UTC; a deputy reads "14:05 PDT", and the ``<time>``
element carries the UTC instant (``datetime`` and ``title``), so hovering shows it and a
screen reader or a copy keeps it exact. Times people type into a page (a search window) are
read in the same zone, which is what a deputy means by "from 8 this morning".
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

from markupsafe import Markup, escape

from plateward.errors import InvalidInput

INPUT_FORMAT = "%Y-%m-%dT%H:%M"
"""What an ``<input type="datetime-local">`` sends and shows."""


@lru_cache(maxsize=16)
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local(moment: dt.datetime, zone_name: str) -> dt.datetime:
    return moment.astimezone(zone(zone_name))


def time_element(moment: dt.datetime | None, zone_name: str, seconds: bool = True) -> Markup:
    """``<time>`` showing local time and zone abbreviation, with the UTC instant on hover."""
    if moment is None:
        return Markup("")
    utc = moment.astimezone(dt.UTC)
    shown = local(moment, zone_name)
    text = shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    iso = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Markup('<time datetime="{0}" title="{1} UTC">{2} {3}</time>').format(
        iso, utc.strftime("%Y-%m-%d %H:%M:%S"), text, escape(shown.tzname() or "")
    )


def input_value(moment: dt.datetime | None, zone_name: str) -> str:
    """A stored instant as an ``<input type="datetime-local">`` value in the agency's zone."""
    return "" if moment is None else local(moment, zone_name).strftime(INPUT_FORMAT)


def parse_local(text: str, zone_name: str, field: str) -> dt.datetime | None:
    """A typed local time (``2026-11-02T08:00``, seconds optional) as an aware UTC instant.

    A time with its own offset is taken as written. In the hour a fall-back repeats, the
    first (daylight) reading is meant, as Python's ``fold=0`` says.
    """
    text = text.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{field} {text!r}: give a date and time, e.g. 2026-11-02T08:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(zone_name))
    return moment.astimezone(dt.UTC)
