"""Flock Safety plate reads: LPR alert webhooks, and reads from Flock's plate lookup API.

- The LPR hotlist alert webhook posts one flat object per read that matched a hot list:
  ``objectId`` (the read's UUID), ``eventTime`` (ISO 8601), ``deviceExternalId`` and
  ``deviceName`` (the camera), ``deviceLat``/``deviceLong``, ``networkName`` and ``ocr``
  (``label``, ``labelConfidence``, ``state``, ``stateConfidence``), with ``sources`` naming
  the hot lists. The hot-list match itself is Flock's: Plateward stores the read and runs its
  own hot lists over it.
- The plate lookup API (``/reads/lookup``) answers ``{"results": [read, ...]}``, each read
  ``{"id", "capturedAt", "device": {"id", "name", "location": {...}}, "plate": {"plate",
  "confidence"}, "state": {"state", "confidence"}}``; a saved answer, or one read a line,
  imports as is.

Flock's image URLs are signed and expire within hours, and an air-gapped server cannot fetch
them: they are not kept. The camera's position comes with each read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plateward.ingest.formats.records import (
    BadRecord,
    Context,
    Found,
    Record,
    Sighting,
    Source,
    fraction,
    mapping,
    optional_number,
    plate_text,
    position,
    source_id,
    text,
    when,
)
from plateward.ingest.formats.regions import region_code

SYSTEM = "flock"


def flock_reads(record: Record, context: Context) -> list[Found]:
    where = record.where
    value = mapping(record.value, where)
    if isinstance(value.get("results"), list) and "totalItems" in value or _is_page(value):
        found: list[Found] = []
        for index, item in enumerate(value["results"]):
            found.extend(_lookup_read(mapping(item, f"{where} result {index}"),
                                      f"{where} result {index}", context))  # fmt: skip
        return found
    if "capturedAt" in value and "plate" in value:
        return _lookup_read(value, where, context)
    if "eventTime" in value or "objectId" in value:
        return [_alert(value, where, context)]
    raise BadRecord(where, "not a Flock read: no objectId/eventTime (alert) or capturedAt (lookup)")


def looks_like_flock(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    return (
        "deviceExternalId" in value
        or "objectId" in value
        or ("capturedAt" in value and isinstance(value.get("device"), dict))
        or _is_page(value)
    )


def _is_page(value: Mapping[str, Any]) -> bool:
    results = value.get("results")
    return (
        isinstance(results, list)
        and ("nextPageId" in value or "totalItems" in value)
        and all(isinstance(r, dict) and "capturedAt" in r for r in results[:1])
    )


def _alert(value: Mapping[str, Any], where: str, context: Context) -> Sighting:
    ocr = _object(value, "ocr")
    return _read(
        where, context,
        plate=(ocr.get("label"), ocr.get("labelConfidence"), "ocr.label"),
        state=(ocr.get("state"), ocr.get("stateConfidence")),
        moment=(value.get("eventTime"), "eventTime"),
        place=(value.get("deviceLat"), value.get("deviceLong")),
        read_id=value.get("objectId"),
        device=(text(value.get("deviceExternalId")), text(value.get("deviceName"))),
    )  # fmt: skip


def _lookup_read(value: Mapping[str, Any], where: str, context: Context) -> list[Found]:
    plate_info = value.get("plate")
    if not isinstance(plate_info, dict):  # a flattened export: the plate as text
        plate_info = {"plate": plate_info, "confidence": value.get("confidence")}
    device, state = _object(value, "device"), _object(value, "state")
    if not state and value.get("state") is not None:
        state = {"state": value.get("state")}
    location = _object(device, "location")
    return [
        _read(
            where,
            context,
            plate=(plate_info.get("plate"), plate_info.get("confidence"), "plate.plate"),
            state=(state.get("state"), state.get("confidence")),
            moment=(value.get("capturedAt"), "capturedAt"),
            place=(location.get("latitude"), location.get("longitude")),
            read_id=value.get("id"),
            device=(text(device.get("id")), text(device.get("name"))),
        )
    ]


def _read(
    where: str,
    context: Context,
    *,
    plate: tuple[object, object, str],
    state: tuple[object, object],
    moment: tuple[object, str],
    place: tuple[object, object],
    read_id: object,
    device: tuple[str | None, str | None],
) -> Sighting:
    """A read from the fields the alert and the lookup name differently."""
    label, confidence, plate_name = plate
    number, raw = plate_text(label, where, plate_name)
    captured_at = when(moment[0], where, moment[1], context)
    latitude, longitude = position(*place, where)
    state_name = text(state[0])
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": number,
        "raw_text": raw,
        "confidence": 0.0 if confidence is None else fraction(confidence, where, "confidence"),
        "alternatives": [],
        "region": region_code(state_name),
        "region_confidence": optional_number(state[1], where, "state confidence")
        if state_name
        else None,
        "latitude": latitude,
        "longitude": longitude,
    }
    found_id = source_id(SYSTEM, read_id)
    if found_id is not None:
        fields["id"] = found_id
    return Sighting(
        where=where,
        system=SYSTEM,
        source=_source(*device),
        fields=fields,
        id_parts=(device[0], captured_at.isoformat(), number),
    )


def _object(value: Mapping[str, Any], name: str) -> dict[str, Any]:
    found = value.get(name)
    return found if isinstance(found, dict) else {}


def _source(device_id: str | None, name: str | None) -> Source | None:
    if device_id is None:
        return None if name is None else Source(name)
    return Source(device_id, (name,) if name else (), name)
