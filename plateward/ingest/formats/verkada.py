"""Verkada license plate webhooks (``webhook_type: "lpr"``), one read each.

Verkada posts ``{"webhook_type": "lpr", "org_id", "webhook_id", "created_at", "data":
{"camera_id", "created", "detected", "license_plate_number", "confidence", "crop",
"image_url", "license_plate_state"}}``: ``created`` is the detection time in seconds and
``detected`` (newer payloads) in milliseconds, ``confidence`` is 0-1 and the state is written
``us-ca``. Other webhook types (access control, alerts) are not reads. The image URL is
signed and short-lived, so it is not fetched. Verkada sends no position: the camera's site is
the read's.
"""

from __future__ import annotations

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
    plate_text,
    text,
    when,
)
from plateward.ingest.formats.regions import region_code

SYSTEM = "verkada"


def verkada_reads(record: Record, context: Context) -> list[Found]:
    where = record.where
    value = mapping(record.value, where)
    kind = str(value.get("webhook_type") or "").lower()
    if kind and kind != "lpr":
        return []
    data = mapping(value.get("data"), f"{where} data")
    if "license_plate_number" not in data:
        raise BadRecord(where, "data.license_plate_number: missing")
    plate, raw = plate_text(data.get("license_plate_number"), where, "license_plate_number")
    moment = next(
        (data[k] for k in ("detected", "created") if data.get(k) not in (None, "")),
        value.get("created_at"),
    )
    captured_at = when(moment, where, "data.created", context)
    confidence = data.get("confidence")
    camera = text(data.get("camera_id"))
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw,
        "confidence": 0.0 if confidence is None else fraction(confidence, where, "confidence"),
        "alternatives": [],
        "region": region_code(text(data.get("license_plate_state"))),
        "latitude": None,
        "longitude": None,
    }
    return [
        Sighting(
            where=where,
            system=SYSTEM,
            source=None if camera is None else Source(camera),
            fields=fields,
            id_parts=(camera, captured_at.isoformat(), plate),
        )
    ]


def looks_like_verkada(value: object) -> bool:
    return isinstance(value, dict) and (
        "webhook_type" in value
        or (isinstance(value.get("data"), dict) and "license_plate_number" in value["data"])
    )
