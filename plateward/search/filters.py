"""The narrowing every search accepts: time, cameras, region, confidence, vehicle and a limit.

Times are checked to carry a UTC offset and converted to UTC here, once: SQLite stores capture
times as naive UTC text, so a local time compared as-is would silently shift the window by the
offset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from plateward.errors import InvalidInput
from plateward.moments import utc_moment
from plateward.vehicle import (
    DIRECTIONS,
    normalise_body_type,
    normalise_color,
    normalise_direction,
    normalise_make,
    normalise_model,
)

DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000


@dataclass(frozen=True)
class Filters:
    """What to keep; ``start`` is inclusive and ``end`` exclusive, both UTC-aware."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    cameras: tuple[str, ...] = ()
    region: str | None = None
    min_confidence: float | None = None
    limit: int = DEFAULT_LIMIT
    make: str | None = None
    model: str | None = None
    color: str | None = None
    body_type: str | None = None
    direction: str | None = None
    """Vehicle attributes, compared in the vocabulary ingest stores them in (vehicle.py)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _utc("start", self.start))
        object.__setattr__(self, "end", _utc("end", self.end))
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise InvalidInput(
                f"time range: start {self.start.isoformat()} is not before end"
                f" {self.end.isoformat()}"
            )
        object.__setattr__(self, "cameras", _codes(self.cameras))
        region = (self.region or "").strip().lower() or None
        object.__setattr__(self, "region", region)
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise InvalidInput(f"minimum confidence {self.min_confidence}: must be between 0 and 1")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit {self.limit}: must be between 1 and {MAX_LIMIT}")
        object.__setattr__(self, "make", normalise_make(self.make))
        object.__setattr__(self, "model", normalise_model(self.model))
        object.__setattr__(self, "color", normalise_color(self.color))
        object.__setattr__(self, "body_type", normalise_body_type(self.body_type))
        direction = normalise_direction(self.direction)
        if self.direction is not None and self.direction.strip() and direction is None:
            raise InvalidInput(f"direction {self.direction!r}: one of {', '.join(DIRECTIONS)}")
        object.__setattr__(self, "direction", direction)

    def vehicle(self) -> dict[str, str]:
        """The vehicle attributes asked for, by column name."""
        wanted = {
            "vehicle_make": self.make,
            "vehicle_model": self.model,
            "vehicle_color": self.color,
            "vehicle_body_type": self.body_type,
            "vehicle_direction": self.direction,
        }
        return {column: value for column, value in wanted.items() if value is not None}

    def require_window(self, search: str) -> tuple[dt.datetime, dt.datetime]:
        """The time window, for searches that must not run over all time."""
        if self.start is None or self.end is None:
            raise InvalidInput(f"{search}: give a time window (a start and an end)")
        return self.start, self.end


def _utc(name: str, moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else utc_moment(name, moment)


def _codes(cameras: Iterable[str]) -> tuple[str, ...]:
    if isinstance(cameras, str):
        cameras = (cameras,)
    codes = tuple(dict.fromkeys(c.strip() for c in cameras if c.strip()))
    return codes
