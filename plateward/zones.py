"""Time zones by name, for times that other systems write without a UTC offset.

Ingest reads such times in a zone the user names (``--timezone`` on imports, a camera's
``timezone`` on the vendor endpoints); both are checked here, once, when they are given.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from plateward.errors import InvalidInput


def parse_zone(name: str | None, what: str = "--timezone") -> dt.tzinfo | None:
    """The zone an IANA name (or UTC) stands for; None for no name."""
    if name is None or not name.strip():
        return None
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{what} {text!r}: not a time zone name (e.g. America/Los_Angeles, Europe/Paris, UTC)"
        ) from None
