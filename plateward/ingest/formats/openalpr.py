"""OpenALPR agent output: ``alpr_group`` records, one per vehicle that passed.

The agent's queue and its webhook also carry heartbeats, per-frame ``alpr_results`` and early
``is_preview`` groups that a final group supersedes; those are not reads of their own, so they
are ignored rather than refused. OpenALPR reports confidences as 0-100 and writes a position of
0,0 when the camera has no GPS, which is taken to mean "no fix" (the camera's site is used).
"""

from __future__ import annotations

from typing import Any

from plateward.ingest.formats.records import (
    BadRecord,
    Record,
    Target,
    alternatives,
    build_read,
    epoch_ms,
    fraction,
    mapping,
    normalise_plate,
    optional_number,
    source_id,
    stable_id,
)
from plateward.store.reads import NewRead

SYSTEM = "openalpr"
PERCENT = 100.0


def openalpr_reads(record: Record, target: Target) -> list[NewRead]:
    where = record.where
    group = mapping(record.value, where)
    data_type = group.get("data_type", "alpr_group")
    if data_type != "alpr_group" or group.get("is_preview") is True:
        return []
    raw = group.get("best_plate_number")
    if not isinstance(raw, str) or not raw.strip():
        raise BadRecord(where, "best_plate_number: missing")
    plate = normalise_plate(raw)
    if not plate:
        raise BadRecord(where, f"best_plate_number: {raw!r} has no letters or digits")
    captured_at = epoch_ms(group.get("epoch_start"), where, "epoch_start")
    read_id = (
        source_id(SYSTEM, group.get("best_uuid"))
        or source_id(SYSTEM, group.get("uuid"))
        or stable_id(
            SYSTEM,
            str(group.get("agent_uid") or ""),
            str(group.get("camera_id") or target.camera_code),
            str(group.get("epoch_start")),
            plate,
        )
    )
    latitude = optional_number(group.get("gps_latitude"), where, "gps_latitude")
    longitude = optional_number(group.get("gps_longitude"), where, "gps_longitude")
    if latitude == 0 and longitude == 0:
        latitude = longitude = None
    region = group.get("best_region")
    region_confidence = optional_number(
        group.get("best_region_confidence"), where, "best_region_confidence"
    )
    fields: dict[str, Any] = {
        "id": read_id,
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw.strip(),
        "confidence": fraction(
            group.get("best_confidence"), where, "best_confidence", scale=PERCENT
        ),
        "alternatives": alternatives(_candidates(group, where), plate),
        "region": region.lower() if isinstance(region, str) and region else None,
        "region_confidence": None
        if region_confidence is None or not region
        else region_confidence / PERCENT,
        "latitude": latitude,
        "longitude": longitude,
    }
    return [build_read(fields, target, where)]


def _candidates(group: Any, where: str) -> list[tuple[object, object]]:
    found = group.get("candidates")
    if found is None and isinstance(group.get("best_plate"), dict):
        found = group["best_plate"].get("candidates")
    if found is None:
        return []
    if not isinstance(found, list):
        raise BadRecord(where, "candidates: expected a list")
    out: list[tuple[object, object]] = []
    for item in found:
        if isinstance(item, dict):
            confidence = optional_number(item.get("confidence"), where, "candidates.confidence")
            out.append((item.get("plate"), None if confidence is None else confidence / PERCENT))
    return out
