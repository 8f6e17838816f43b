"""What searches return: plain values, so the CLI, the API and the audit log share them.

A hit carries the plate image's SHA-256 rather than the image: the image store serves it by that
name, and a search result list stays small enough to send whole.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(slots=True)
class ReadHit:
    """One read that a search found; ``score`` and ``distance_m`` only where a search ranks.

    Not frozen, unlike the other results: a search builds up to a thousand of these, and a
    frozen dataclass sets each field through ``object.__setattr__``, which took 3.6 us per hit
    against 0.7 us here, a fifth of an exact-plate search on SQLite. Nothing changes a hit
    after the search returns it.
    """

    id: uuid.UUID
    plate: str
    captured_at: dt.datetime
    camera: str
    latitude: float
    longitude: float
    confidence: float
    region: str | None
    plate_image: str | None
    score: float | None = None
    """Likeness to the searched plate, 1.0 for the plate itself (tolerant search)."""
    distance_m: float | None = None
    """Great-circle distance from the searched point (radius and stakeout searches)."""


@dataclass(frozen=True)
class Area:
    """A place and time to look: a circle of ``radius_m`` around a point, over a window."""

    latitude: float
    longitude: float
    radius_m: float
    start: dt.datetime
    end: dt.datetime
    label: str = ""


@dataclass(frozen=True)
class CommonPlate:
    """A plate seen in several stakeout areas; ``areas`` are indexes into the areas searched."""

    plate: str
    areas: tuple[int, ...]
    reads: tuple[ReadHit, ...]


@dataclass(frozen=True)
class ClonePair:
    """Two consecutive reads of one plate too far apart for one vehicle to have driven."""

    plate: str
    first: ReadHit
    second: ReadHit
    distance_m: float
    elapsed_s: float
    speed_kmh: float
    """Implied speed; ``inf`` when both reads were taken at the same instant."""


class ResultKey(NamedTuple):
    """A hit as a kept result set holds it: which read, and its score where the search ranks.

    The web pages keep only this of a search and read each page's rows when it is shown, so
    the search need not fetch, convert and send a thousand hits' other columns (each with its
    camera's code looked up) for a result set that keeps none of them.
    """

    id: uuid.UUID
    captured_at: dt.datetime
    score: float | None = None
