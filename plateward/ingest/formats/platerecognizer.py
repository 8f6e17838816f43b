"""Plate Recognizer output: Stream webhooks (``{hook, data: {results}}``) and Snapshot answers.

One record is one frame and may hold several plates, so it gives one read per result. Results
carry no id of their own, so a read's id is derived from the source camera, the frame's time and
the plate; the same frame imported twice gives the same ids. Stream's candidates have no score
and are kept as alternatives with confidence 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plateward.ingest.formats.records import (
    BadRecord,
    Record,
    Target,
    alternatives,
    build_read,
    fraction,
    mapping,
    normalise_plate,
    optional_number,
    stable_id,
    timestamp,
)
from plateward.store.reads import NewRead

SYSTEM = "platerecognizer"


def platerecognizer_reads(record: Record, target: Target) -> list[NewRead]:
    where = record.where
    value = mapping(record.value, where)
    hook = value.get("hook")
    if isinstance(hook, Mapping) and hook.get("event", "recognition") != "recognition":
        return []
    frame = mapping(value["data"], f"{where} data") if "data" in value else value
    if "results" not in frame:
        raise BadRecord(where, "neither data.results (Stream webhook) nor results (Snapshot)")
    results = frame["results"]
    if not isinstance(results, list):
        raise BadRecord(where, "results: expected a list")
    captured_at = timestamp(frame.get("timestamp"), where, "timestamp")
    source_camera = str(frame.get("camera_id") or target.camera_code)
    reads = []
    for index, result in enumerate(results):
        at = f"{where} result {index}"
        utc = captured_at.astimezone(dt.UTC).isoformat()
        reads.append(_read(mapping(result, at), at, target, utc, source_camera))
    return reads


def _read(
    result: Mapping[str, Any], where: str, target: Target, captured_at: str, source_camera: str
) -> NewRead:
    raw = result.get("plate")
    if not isinstance(raw, str) or not raw.strip():
        raise BadRecord(where, "plate: missing")
    plate = normalise_plate(raw)
    if not plate:
        raise BadRecord(where, f"plate: {raw!r} has no letters or digits")
    region = result.get("region")
    code = region.get("code") if isinstance(region, Mapping) else None
    region_score = (
        optional_number(region.get("score"), where, "region.score")
        if isinstance(region, Mapping)
        else None
    )
    candidates = result.get("candidates") or []
    if not isinstance(candidates, list):
        raise BadRecord(where, "candidates: expected a list")
    fields: dict[str, Any] = {
        "id": stable_id(SYSTEM, source_camera, captured_at, plate),
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw.strip(),
        "confidence": fraction(result.get("score"), where, "score"),
        "alternatives": alternatives(
            ((c.get("plate"), c.get("score")) for c in candidates if isinstance(c, Mapping)),
            plate,
        ),
        "region": code.lower() if isinstance(code, str) and code else None,
        "region_confidence": region_score if isinstance(code, str) and code else None,
        "latitude": None,
        "longitude": None,
    }
    return build_read(fields, target, where)
