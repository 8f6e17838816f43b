"""The breach rules that need no database: what kinds of data exist, the Attorney General's
threshold, and whether one access log entry could have touched the data of an incident.

An inquiry's log entry keeps the query as the person gave it, not the reads it returned, so
"did this access see the exposed data" is answered from the query: its time window (``start``
and ``end``, or each stakeout area's) must overlap the incident's data range, and when both
name cameras they must share one. A query without a window (a plate's whole history, a read
or image looked at by its id) may have returned data from any time, so it is listed too,
marked as such, rather than silently left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from enum import StrEnum
from typing import Any

ATTORNEY_GENERAL_THRESHOLD = 500
"""Civil Code 1798.29(e): more than this many California residents notified for one breach
means a sample copy of the notice goes to the Attorney General."""


class DataKind(StrEnum):
    PLATE_READS = "plate_reads"
    PLATE_IMAGES = "plate_images"
    HOT_LISTS = "hot_lists"
    ACCESS_LOG = "access_log"
    ACCOUNTS = "accounts"


PLAIN_WORDS: dict[DataKind, str] = {
    DataKind.PLATE_READS: (
        "license plate numbers read by our cameras, with the date, time and place each vehicle"
        " was seen"
    ),
    DataKind.PLATE_IMAGES: "photographs of license plates and of the vehicles carrying them",
    DataKind.HOT_LISTS: (
        "lists of license plates of interest to investigations, with the case numbers and reasons"
    ),
    DataKind.ACCESS_LOG: (
        "records of which staff member searched for which license plates, when and why"
    ),
    DataKind.ACCOUNTS: "staff user names together with protected (hashed) passwords",
}
"""What each kind of data is, in the words of a notice to the public (Civil Code 1798.29(d)
asks for plain language)."""


class Touch(StrEnum):
    """Why an access log entry is listed against an incident."""

    WINDOW = "time window overlaps the data"
    NO_WINDOW = "no time window: may include the data"


def needs_attorney_general_copy(people_affected: int | None) -> bool:
    return people_affected is not None and people_affected > ATTORNEY_GENERAL_THRESHOLD


def touch(
    query: dict[str, Any],
    data_from: dt.datetime,
    data_to: dt.datetime | None,
    cameras: Collection[str],
) -> Touch | None:
    """How the query could have touched the data (``data_to`` None: up to now); None: it could
    not."""
    named = _cameras(query)
    if cameras and named and not set(named) & set(cameras):
        return None
    windows = list(_windows(query))
    if not windows:
        return Touch.NO_WINDOW
    for start, end in windows:
        if (end is None or end > data_from) and (
            start is None or data_to is None or start < data_to
        ):
            return Touch.WINDOW
    return None


def _windows(query: dict[str, Any]) -> Iterator[tuple[dt.datetime | None, dt.datetime | None]]:
    """The query's time windows; a half-open one (only a start) runs to the end of time."""
    parts = [query, *[a for a in query.get("areas") or [] if isinstance(a, dict)]]
    for part in parts:
        start, end = _moment(part.get("start")), _moment(part.get("end"))
        if start is not None or end is not None:
            yield start, end


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _cameras(query: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("camera", "cameras"):
        value = query.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    return found
