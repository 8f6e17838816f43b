"""Plate Recognizer output: Stream and Snapshot webhooks, Snapshot answers, Stream JSON lines.

- Stream webhooks ``{"hook": {"event": "recognition"}, "data": {...}}`` and Snapshot webhooks
  (the same with ``"event": "image.done"``); the ``data`` alone is what the Snapshot API (cloud
  or on-premise SDK) answers and what Stream's ``jsonlines_file`` holds, one frame a line.
- A frame may hold several plates: one read per result. In vehicle detection mode a result is
  ``{"plate": {"props": {"plate": [...], "region": [...]}}, "vehicle": {"props": ...}}``, or
  ``"plate": null`` for a vehicle without a readable plate (not a read).
- Times: ``timestamp`` is UTC; the on-premise SDK writes it without an offset, which is read in
  the zone given with ``--timezone`` (or the camera's zone on the endpoint); Stream's
  ``timestamp_local`` carries an offset and serves when ``timestamp`` has none.
- Results carry no id: a read's id is derived from the camera, the frame's time and the plate,
  so the same frame twice gives the same ids. Stream's candidates have no score (kept at 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plateward.ingest.formats.records import (
    BadRecord,
    Context,
    Found,
    Record,
    Sighting,
    Source,
    alternatives,
    best_name,
    fraction,
    mapping,
    number,
    optional_number,
    plate_text,
    text,
    when,
)
from plateward.ingest.formats.times import TimeProblem, capture_time
from plateward.vehicle import (
    normalise_body_type,
    normalise_color,
    normalise_direction,
    normalise_make,
    normalise_model,
)

SYSTEM = "platerecognizer"
READ_EVENTS = ("recognition", "image.done")


def platerecognizer_reads(record: Record, context: Context) -> list[Found]:
    where = record.where
    value = mapping(record.value, where)
    hook = value.get("hook")
    event = hook.get("event", "recognition") if isinstance(hook, dict) else None
    if event is not None and event not in READ_EVENTS:
        return []  # Stream's other events (video clips, dwell, heartbeats) are not reads
    frame = mapping(value["data"], f"{where} data") if "data" in value else value
    if "results" not in frame:
        raise BadRecord(where, "neither data.results (webhook) nor results (Snapshot answer)")
    results = frame["results"]
    if not isinstance(results, list):
        raise BadRecord(where, "results: expected a list")
    if not results:
        return []
    captured_at = _frame_time(frame, where, context)
    camera = text(frame.get("camera_id"))
    if camera is None and event == "recognition" and isinstance(hook, dict):
        camera = text(hook.get("id"))  # Stream names the camera in the hook too
    source = None if camera is None else Source(camera)
    utc = captured_at.astimezone(dt.UTC).isoformat()
    found: list[Found] = []
    for index, result in enumerate(results):
        at = f"{where} result {index}"
        sighting = _sighting(mapping(result, at), at, source, camera, captured_at, utc)
        if sighting is not None:
            found.append(sighting)
    return found


def looks_like_platerecognizer(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    frame = value.get("data") if isinstance(value.get("data"), dict) else value
    assert isinstance(frame, dict)
    results = frame.get("results")
    return isinstance(value.get("hook"), dict) or (
        isinstance(results, list)
        and ("timestamp" in frame or "processing_time" in frame or "camera_id" in frame)
        and "data_type" not in value
    )


def _frame_time(frame: Mapping[str, Any], where: str, context: Context) -> dt.datetime:
    try:
        return capture_time(frame.get("timestamp"), context.clock)
    except TimeProblem as exc:
        local = frame.get("timestamp_local")
        if local:
            return when(local, where, "timestamp_local", context)
        raise BadRecord(where, f"timestamp: {exc}") from None


def _sighting(
    result: Mapping[str, Any],
    where: str,
    source: Source | None,
    camera: str | None,
    captured_at: dt.datetime,
    utc: str,
) -> Sighting | None:
    plate_field = result.get("plate")
    vehicle = result.get("vehicle") if isinstance(result.get("vehicle"), dict) else {}
    assert isinstance(vehicle, dict)
    if isinstance(plate_field, dict) or (plate_field is None and "vehicle" in result):
        # Vehicle detection mode: the plate is an object, or null for a vehicle without one.
        if not isinstance(plate_field, dict):
            return None
        props = plate_field.get("props") if isinstance(plate_field.get("props"), dict) else {}
        assert isinstance(props, dict)
        readings = props.get("plate") if isinstance(props.get("plate"), list) else []
        assert isinstance(readings, list)
        if not readings:
            return None
        best = mapping(readings[0], where)
        plate, raw = plate_text(best.get("value"), where, "plate.props.plate")
        score = best.get("score", plate_field.get("score"))
        candidates = [(r.get("value"), r.get("score")) for r in readings if isinstance(r, dict)]
        regions = props.get("region") if isinstance(props.get("region"), list) else []
        assert isinstance(regions, list)
        region_item = regions[0] if regions and isinstance(regions[0], dict) else {}
        code = text(region_item.get("value"))
        region_score = optional_number(region_item.get("score"), where, "region.score")
        vprops = vehicle.get("props") if isinstance(vehicle.get("props"), dict) else {}
        assert isinstance(vprops, dict)
        make_model = vprops.get("make_model")
        color = best_name(vprops.get("color"), "value")
        orientation = best_name(vprops.get("orientation"), "value")
    else:
        plate, raw = plate_text(plate_field, where, "plate")
        score = result.get("score")
        found = result.get("candidates") or []
        if not isinstance(found, list):
            raise BadRecord(where, "candidates: expected a list")
        candidates = [(c.get("plate"), c.get("score")) for c in found if isinstance(c, dict)]
        region = result.get("region")
        code = text(region.get("code")) if isinstance(region, dict) else None
        region_score = (
            optional_number(region.get("score"), where, "region.score")
            if isinstance(region, dict)
            else None
        )
        make_model = result.get("model_make")
        color = best_name(result.get("color"), "color")
        orientation = best_name(result.get("orientation"), "orientation")
    make, model = _make_model(make_model)
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw,
        "confidence": fraction(score, where, "score"),
        "alternatives": alternatives(candidates, plate),
        "region": code.lower() if code else None,
        "region_confidence": region_score if code else None,
        "latitude": None,
        "longitude": None,
        "vehicle_make": make,
        "vehicle_model": model,
        "vehicle_color": normalise_color(color),
        "vehicle_body_type": normalise_body_type(text(vehicle.get("type"))),
        "vehicle_direction": normalise_direction(orientation),
    }
    return Sighting(
        where=where,
        system=SYSTEM,
        source=source,
        fields=fields,
        id_parts=(camera, utc, plate),
    )


def _make_model(found: object) -> tuple[str | None, str | None]:
    if isinstance(found, list) and found and isinstance(found[0], dict):
        best = found[0]
        score = number(best.get("score"))
        if score is not None and score < 0.05:
            return None, None  # Stream lists guesses down to 0.6%: below 5% they say nothing
        return normalise_make(best.get("make")), normalise_model(best.get("model"))
    return None, None
