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
    if "capturedAt" in value and isinstance(value.get("plate"), dict):
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
    ocr = value.get("ocr") if isinstance(value.get("ocr"), dict) else {}
    assert isinstance(ocr, dict)
    plate, raw = plate_text(ocr.get("label"), where, "ocr.label")
    captured_at = when(value.get("eventTime"), where, "eventTime", context)
    latitude, longitude = position(value.get("deviceLat"), value.get("deviceLong"), where)
    state = text(ocr.get("state"))
    confidence = ocr.get("labelConfidence")
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw,
        "confidence": 0.0 if confidence is None else fraction(confidence, where, "labelConfidence"),
        "alternatives": [],
        "region": region_code(state),
        "region_confidence": optional_number(ocr.get("stateConfidence"), where, "stateConfidence")
        if state
        else None,
        "latitude": latitude,
        "longitude": longitude,
    }
    read_id = source_id(SYSTEM, value.get("objectId"))
    if read_id is not None:
        fields["id"] = read_id
    return Sighting(
        where=where,
        system=SYSTEM,
        source=_source(text(value.get("deviceExternalId")), text(value.get("deviceName"))),
        fields=fields,
        id_parts=(text(value.get("deviceExternalId")), captured_at.isoformat(), plate),
    )


def _lookup_read(value: Mapping[str, Any], where: str, context: Context) -> list[Found]:
    plate_info = mapping(value.get("plate"), f"{where} plate")
    plate, raw = plate_text(plate_info.get("plate"), where, "plate.plate")
    captured_at = when(value.get("capturedAt"), where, "capturedAt", context)
    device = value.get("device") if isinstance(value.get("device"), dict) else {}
    assert isinstance(device, dict)
    location = device.get("location") if isinstance(device.get("location"), dict) else {}
    assert isinstance(location, dict)
    latitude, longitude = position(location.get("latitude"), location.get("longitude"), where)
    state_info = value.get("state") if isinstance(value.get("state"), dict) else {}
    assert isinstance(state_info, dict)
    state = text(state_info.get("state"))
    confidence = plate_info.get("confidence")
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw,
        "confidence": 0.0 if confidence is None else fraction(confidence, where, "confidence"),
        "alternatives": [],
        "region": region_code(state),
        "region_confidence": optional_number(state_info.get("confidence"), where, "state")
        if state
        else None,
        "latitude": latitude,
        "longitude": longitude,
    }
    read_id = source_id(SYSTEM, value.get("id"))
    if read_id is not None:
        fields["id"] = read_id
    device_id = text(device.get("id"))
    return [
        Sighting(
            where=where,
            system=SYSTEM,
            source=_source(device_id, text(device.get("name"))),
            fields=fields,
            id_parts=(device_id, captured_at.isoformat(), plate),
        )
    ]


def _source(device_id: str | None, name: str | None) -> Source | None:
    if device_id is None:
        return None if name is None else Source(name)
    return Source(device_id, (name,) if name else (), name)
