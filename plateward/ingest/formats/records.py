"""What every vendor format shares: records, sightings, plate clean-up, ids and field readers.

A format turns a file (or a request body) into ``Record``s, and a record into ``Sighting``s:
plate reads as the vendor reported them, with the vendor's own name for the camera that made
them (``Source``) but not yet a Plateward camera. ``ingest/destinations.py`` decides which
camera a sighting becomes a read of, and ``ingest/sightings.py`` checks it with the same
``ReadIn`` model the cameras' API uses, so an imported read can never hold what a camera could
not send.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plateward.errors import InvalidInput
from plateward.ingest.formats.times import Clock, TimeProblem, capture_time

IMPORT_NAMESPACE = uuid.UUID("5d0e7c1a-3b4f-5e2a-9c8d-6f1b2a3c4d5e")
"""Namespace of the UUIDv5 ids given to reads that arrive without a UUID; never change it, or
re-importing an old file would store its reads a second time."""

MAX_ALTERNATIVES = 20
_NOT_PLATE = re.compile(r"[^A-Z0-9]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BadRecord(InvalidInput):
    """One record that cannot become a read; the import may skip it (``--skip-bad``)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass(frozen=True)
class Record:
    """One value read from a file: ``where`` names the file and line or index for messages.

    A line that is not even valid JSON (or not decodable text) still becomes a record, with
    ``problem`` set, so that ``--skip-bad`` can step over it and carry on with the next line.
    """

    where: str
    value: Any
    problem: str | None = None


@dataclass(frozen=True)
class Source:
    """The vendor's own name for the camera (or agent and camera) that made a read.

    ``key`` is the most specific identifier and the one a camera map is best written with;
    ``aliases`` are other names the same camera goes by in the vendor's world (its numeric id
    without the agent, its label), which a map may use instead.
    """

    key: str
    aliases: tuple[str, ...] = ()
    label: str | None = None

    def names(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)

    def describe(self) -> str:
        return self.key if not self.label else f"{self.key} ({self.label})"


@dataclass
class Sighting:
    """One plate read as another system reported it, before it is a read of a Plateward camera.

    ``fields`` are ``ReadIn`` fields (without ``id`` when the vendor gave none, and without a
    position when the record has none). Without an id, one is derived from ``id_parts``;
    a part that is None stands for the code of the camera the read goes to, for sources that
    name no camera of their own.
    """

    where: str
    system: str
    source: Source | None
    fields: dict[str, Any]
    id_parts: tuple[str | None, ...] = ()
    images: dict[str, bytes] = field(default_factory=dict)
    """``plate_image`` and ``context_image`` bytes that came in the record itself."""
    image_digests: dict[str, str] = field(default_factory=dict)
    """Images named by SHA-256 (Plateward's own CSV): kept only if this database holds them."""


@dataclass(frozen=True)
class Heartbeat:
    """An agent saying it is alive, and how each of its cameras is streaming."""

    where: str
    system: str
    source: Source
    reported_at: dt.datetime | None
    streams: tuple[StreamStatus, ...]
    detail: dict[str, Any]


@dataclass(frozen=True)
class StreamStatus:
    source: Source
    streaming: bool | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What every record of one file or request is read with."""

    clock: Clock
    video_start: dt.datetime | None = None
    """When the video began, for formats that time reads within a video (forensic CSV)."""


Found = Sighting | Heartbeat


def sightings_in(
    record: Record, reads: Callable[[Record, Context], list[Found]], context: Context
) -> list[Sighting]:
    """The plate reads a format finds in a record (none: a heartbeat, a preview); a record
    that could not even be read raises ``BadRecord``, as a format's refusal does."""
    if record.problem is not None:
        raise BadRecord(record.where, record.problem)
    return [item for item in reads(record, context) if isinstance(item, Sighting)]


def normalise_plate(text: str) -> str:
    """Upper-case A-Z0-9 only: other systems keep spaces, dashes and lower case."""
    return _NOT_PLATE.sub("", text.upper())


def stable_id(system: str, *parts: str) -> uuid.UUID:
    """The same id every time the same source read is imported, so it is stored once."""
    return uuid.UUID(stable_id_text(system, *parts))


_NAMESPACE_BYTES = IMPORT_NAMESPACE.bytes


def stable_id_text(system: str, *parts: str) -> str:
    """``stable_id`` as text (RFC 4122 version 5, as ``uuid.uuid5`` makes it).

    Built by hand because ``uuid.UUID``'s constructor was a fifth of validating an imported
    read; pydantic turns the text into a UUID in a fraction of that.
    """
    name = "\x1f".join((system, *parts)).encode()
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def source_id(system: str, value: object) -> uuid.UUID | None:
    """The source's own id: kept when it is already a UUID, else hashed into one."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        return stable_id(system, text)


def alternatives(candidates: Iterable[tuple[object, object]], chosen: str) -> list[dict[str, Any]]:
    """Other readings as ``{plate, confidence}``: cleaned, without the chosen plate, best first.

    Candidates are hints for tolerant search, so one that cannot be a plate is dropped rather
    than failing the read.
    """
    out: dict[str, float] = {}
    for text, confidence in candidates:
        plate = normalise_plate(str(text or ""))
        if not plate or len(plate) > 10 or plate == chosen or plate in out:
            continue
        value = number(confidence)
        out[plate] = min(max(value if value is not None else 0.0, 0.0), 1.0)
    ranked = sorted(out.items(), key=lambda item: -item[1])[:MAX_ALTERNATIVES]
    return [{"plate": plate, "confidence": confidence} for plate, confidence in ranked]


def plate_text(value: object, where: str, name: str) -> tuple[str, str]:
    """The normalised plate and the text as the vendor wrote it."""
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise BadRecord(where, f"{name}: missing")
    raw = str(value).strip()
    plate = normalise_plate(raw)
    if not plate:
        raise BadRecord(where, f"{name}: {raw!r} has no letters or digits")
    return plate, raw[:64]


def when(value: object, where: str, name: str, context: Context) -> dt.datetime:
    try:
        return capture_time(value, context.clock)
    except TimeProblem as exc:
        raise BadRecord(where, f"{name}: {exc}") from None


def fraction(value: object, where: str, name: str, *, scale: float = 1.0) -> float:
    """A confidence as 0-1; ``scale`` converts systems that report 0-100."""
    found = number(value)
    if found is None:
        raise BadRecord(where, f"{name}: expected a number, got {value!r}")
    return found / scale


def optional_number(value: object, where: str, name: str) -> float | None:
    if value is None or value == "":
        return None
    found = number(value)
    if found is None:
        raise BadRecord(where, f"{name}: expected a number, got {value!r}")
    return found


def position(
    latitude: object, longitude: object, where: str, *, zero_is_missing: bool = True
) -> tuple[float | None, float | None]:
    """A GPS position, or (None, None) when the record has none; 0,0 is "no fix"."""
    lat = optional_number(latitude, where, "latitude")
    lon = optional_number(longitude, where, "longitude")
    if lat is None or lon is None or (zero_is_missing and lat == 0 and lon == 0):
        return None, None
    return lat, lon


def mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BadRecord(where, f"expected a JSON object, got {type(value).__name__}")
    return value


def text(value: object) -> str | None:
    """A string field as text, or None when absent or blank."""
    kind = type(value)
    if kind is str:
        return value.strip() or None  # type: ignore[attr-defined]
    if kind is int or kind is float:
        return str(value)
    return None


def number(value: object) -> float | None:
    kind = type(value)
    if kind is float or kind is int:
        found = float(value)  # type: ignore[arg-type]
    elif value is None or isinstance(value, bool):
        return None
    elif isinstance(value, int | float):
        found = float(value)
    elif isinstance(value, str):
        try:
            found = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return found if math.isfinite(found) else None


def best_name(options: object, key: str = "name") -> str | None:
    """The first (most confident) ``{name, confidence}`` of a vendor's ranked list."""
    if type(options) is list and options and type(options[0]) is dict:
        first = text(options[0].get(key))
        if first:
            return first
    if isinstance(options, list):
        for option in options:
            if isinstance(option, dict) and text(option.get(key)):
                return text(option.get(key))
    if isinstance(options, dict):
        return text(options.get(key))
    return text(options)


def jpeg(value: object, where: str, name: str) -> bytes | None:
    """A base64 image from a payload; an empty or placeholder value means none."""
    if not isinstance(value, str) or len(value.strip()) < 16:
        return None
    data = value.strip()
    if data.startswith("data:"):
        data = data.partition(",")[2]
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRecord(where, f"{name}: not base64 image data") from None


def image_digest(value: object, where: str, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _SHA256.match(value):
        raise BadRecord(where, f"{name}: expected a SHA-256 hex digest, got {value!r}")
    return value
