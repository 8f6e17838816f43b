"""What every import format shares: plate clean-up, stable ids and one validation of a read.

A read that crosses into Plateward from another system is checked by the same ``ReadIn`` model
the cameras' API uses, so an imported read can never hold what a camera could not send.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from plateward.errors import InvalidInput
from plateward.ingest.models import ReadIn
from plateward.store.reads import NewRead

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

    A line that is not even valid JSON still becomes a record, with ``problem`` set, so that
    ``--skip-bad`` can step over it and carry on with the next line.
    """

    where: str
    value: Any
    problem: str | None = None


@dataclass(frozen=True)
class Target:
    """The camera the reads go into: its fixed site stands in for a read without a position."""

    camera_code: str
    latitude: float | None
    longitude: float | None
    latest: dt.datetime
    """Capture times after this are refused: a read cannot come from the future."""


def normalise_plate(text: str) -> str:
    """Upper-case A-Z0-9 only: other systems keep spaces, dashes and lower case."""
    return _NOT_PLATE.sub("", text.upper())


def stable_id(system: str, *parts: str) -> uuid.UUID:
    """The same id every time the same source read is imported, so it is stored once."""
    return uuid.uuid5(IMPORT_NAMESPACE, "\x1f".join((system, *parts)))


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
        value = _number(confidence)
        out[plate] = min(max(value if value is not None else 0.0, 0.0), 1.0)
    ranked = sorted(out.items(), key=lambda item: -item[1])[:MAX_ALTERNATIVES]
    return [{"plate": plate, "confidence": confidence} for plate, confidence in ranked]


def build_read(fields: Mapping[str, Any], target: Target, where: str) -> NewRead:
    """Validate one read exactly as the API would, filling the camera's site if needed."""
    data = {k: v for k, v in fields.items() if k not in ("plate_image", "context_image")}
    if data.get("latitude") is None or data.get("longitude") is None:
        if target.latitude is None or target.longitude is None:
            raise BadRecord(
                where,
                f"no position: the record has none and camera {target.camera_code}"
                " has no fixed site (set its latitude and longitude)",
            )
        data["latitude"], data["longitude"] = target.latitude, target.longitude
    try:
        read = ReadIn.model_validate(data)
    except ValidationError as exc:
        raise BadRecord(where, _describe(exc)) from None
    if read.captured_at > target.latest:
        raise BadRecord(where, f"capture time {read.captured_at.isoformat()} is in the future")
    return read.to_new_read(
        _image(fields.get("plate_image"), where, "plate_image"),
        _image(fields.get("context_image"), where, "context_image"),
    )


def epoch_ms(value: object, where: str, name: str) -> dt.datetime:
    number = _number(value)
    if number is None:
        raise BadRecord(where, f"{name}: expected milliseconds since 1970, got {value!r}")
    try:
        return dt.datetime.fromtimestamp(number / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise BadRecord(where, f"{name}: {value!r} is not a plausible time") from None


def timestamp(value: object, where: str, name: str) -> dt.datetime:
    """An ISO 8601 time that carries its offset: a time without one could be any zone."""
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(where, f"{name}: missing")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRecord(where, f"{name}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise BadRecord(where, f"{name}: {value!r} has no UTC offset (add Z or +00:00)")
    return moment


def fraction(value: object, where: str, name: str, *, scale: float = 1.0) -> float:
    """A confidence as 0-1; ``scale`` converts systems that report 0-100."""
    number = _number(value)
    if number is None:
        raise BadRecord(where, f"{name}: expected a number, got {value!r}")
    return number / scale


def optional_number(value: object, where: str, name: str) -> float | None:
    if value is None or value == "":
        return None
    number = _number(value)
    if number is None:
        raise BadRecord(where, f"{name}: expected a number, got {value!r}")
    return number


def mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadRecord(where, f"expected a JSON object, got {type(value).__name__}")
    return value


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _image(value: object, where: str, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _SHA256.match(value):
        raise BadRecord(where, f"{name}: expected a SHA-256 hex digest, got {value!r}")
    return value


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)
    )
