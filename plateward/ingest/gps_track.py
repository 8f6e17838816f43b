"""A patrol car's GPS track, to place reads that its camera's system stored without a position.

Some in-car systems keep the vehicle's track apart from the reads. Given the track (GPX, as
most GPS loggers write it, or CSV with a time, latitude and longitude column), each read is
placed where the car was at its capture time: between the two fixes around it, linearly, when
both are within ``MAX_GAP_S`` of it; at a single fix within ``NEAREST_S`` otherwise. A read
further from any fix is refused rather than placed where the car may not have been.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from plateward.errors import InvalidInput
from plateward.ingest.formats.encoding import Encoding, choose_encoding, open_text
from plateward.ingest.formats.times import Clock, TimeProblem, capture_time

MAX_GAP_S = 60.0
NEAREST_S = 10.0
_TIME = ("time", "timestamp", "datetime", "date_time", "utc", "gps_time")
_LAT = ("latitude", "lat", "gps_latitude", "y")
_LON = ("longitude", "lon", "lng", "long", "gps_longitude", "x")
_HEADING = ("heading", "course", "bearing", "track")


@dataclass(frozen=True)
class Fix:
    at: float
    """Seconds since 1970."""
    latitude: float
    longitude: float
    heading: float | None = None


class GpsTrack:
    def __init__(self, name: str, fixes: list[Fix]) -> None:
        if not fixes:
            raise InvalidInput(f"{name}: no GPS fixes in the track")
        self.name = name
        self.fixes = sorted(fixes, key=lambda f: f.at)
        self.times = [f.at for f in self.fixes]

    def at(self, moment: dt.datetime) -> Fix | None:
        """Where the vehicle was at ``moment``, or None when the track does not say."""
        t = moment.timestamp()
        k = bisect.bisect_left(self.times, t)
        before = self.fixes[k - 1] if k > 0 else None
        after = self.fixes[k] if k < len(self.fixes) else None
        if after is not None and after.at == t:
            return after
        if before and after and t - before.at <= MAX_GAP_S and after.at - t <= MAX_GAP_S:
            share = (t - before.at) / (after.at - before.at)
            heading = _bearing(before, after) if before != after else before.heading
            return Fix(
                t,
                before.latitude + share * (after.latitude - before.latitude),
                before.longitude + share * (after.longitude - before.longitude),
                heading if heading is not None else after.heading,
            )
        near = [f for f in (before, after) if f is not None and abs(f.at - t) <= NEAREST_S]
        return min(near, key=lambda f: abs(f.at - t)) if near else None

    def describe_gap(self, moment: dt.datetime) -> str:
        return f"no GPS fix within {MAX_GAP_S:g} s of {moment.isoformat()} in {self.name}"


def load_track(path: Path, clock: Clock, encoding: str | None = None) -> GpsTrack:
    chosen = choose_encoding(path, encoding)
    with open_text(path, chosen) as stream:
        head = stream.read(512).lstrip("\ufeff \r\n\t")
    if head.startswith("<"):
        return GpsTrack(str(path), _gpx(path))
    return GpsTrack(str(path), _csv(path, clock, chosen))


def _gpx(path: Path) -> list[Fix]:
    fixes: list[Fix] = []
    try:
        for _event, element in ElementTree.iterparse(path, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag not in ("trkpt", "rtept", "wpt"):
                continue
            time = next((c.text for c in element if c.tag.rsplit("}", 1)[-1] == "time"), None)
            course = next(
                (c.text for c in element if c.tag.rsplit("}", 1)[-1] in ("course", "heading")),
                None,
            )
            if time:
                moment = dt.datetime.fromisoformat(time.strip())
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.UTC)  # GPX times are UTC by definition
                fixes.append(
                    Fix(
                        moment.timestamp(),
                        float(element.attrib["lat"]),
                        float(element.attrib["lon"]),
                        float(course) % 360 if course else None,
                    )
                )
            element.clear()
    except (ElementTree.ParseError, KeyError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable GPX track ({exc})") from None
    return fixes


def _csv(path: Path, clock: Clock, encoding: Encoding) -> list[Fix]:
    fixes: list[Fix] = []
    with open_text(path, encoding) as stream:
        reader = csv.DictReader(stream)
        header = {name.strip().lower(): name for name in reader.fieldnames or []}
        time, lat, lon = (_column(header, names) for names in (_TIME, _LAT, _LON))
        heading = _column(header, _HEADING)
        if time is None or lat is None or lon is None:
            raise InvalidInput(
                f"{path}: a GPS track needs time, latitude and longitude columns (or GPX);"
                f" found {', '.join(header) or 'none'}"
            )
        for row in reader:
            try:
                moment = capture_time(row[time], clock)
                fixes.append(
                    Fix(
                        moment.timestamp(),
                        float(row[lat]),
                        float(row[lon]),
                        float(row[heading]) % 360 if heading and row.get(heading) else None,
                    )
                )
            except (TimeProblem, TypeError, ValueError) as exc:
                raise InvalidInput(f"{path} line {reader.line_num}: {exc}") from None
    return fixes


def _column(header: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((header[name] for name in names if name in header), None)


def _bearing(a: Fix, b: Fix) -> float | None:
    if (a.latitude, a.longitude) == (b.latitude, b.longitude):
        return None
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlon = math.radians(b.longitude - a.longitude)
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return math.degrees(math.atan2(x, y)) % 360
