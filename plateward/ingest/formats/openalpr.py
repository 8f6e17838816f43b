"""OpenALPR and Rekor Scout output, in every envelope the agent, the CLI and the APIs use.

- ``alpr_group``: one vehicle pass, the agent's best reading over many frames.
- ``alpr_alert``: a Rekor alert, which wraps the whole ``alpr_group`` that triggered it (the
  same pass: it gets the group's id, so an alert after its group is a duplicate, not a second
  read). A group wrapped in ``{"data_type": null, "group": {...}}`` reads the same way.
- ``alpr_results`` (also ``alpr_plate``): one video frame or image and each plate in it, from
  the agent's per-frame output, the ``alpr -j`` command line, the web service and the Cloud
  API v3; and the open-source ``alprd`` of 2014, which wrote the same without a
  ``data_type`` and its ``epoch_time`` in seconds.
- ``heartbeat``: the agent's health and each camera stream's state, not a read.

Preview groups (``is_preview``) are superseded by the final group and skipped. Confidences are
0-100; a position of 0,0 means no GPS fix. A frame's read and the group whose best frame it is
get the same id (frame uuid and plate index), so importing both stores that pass once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from plateward.ingest.formats.records import (
    BadRecord,
    Context,
    Found,
    Heartbeat,
    Record,
    Sighting,
    Source,
    StreamStatus,
    alternatives,
    best_name,
    fraction,
    jpeg,
    mapping,
    number,
    optional_number,
    plate_text,
    position,
    text,
    when,
)
from plateward.ingest.formats.times import TimeProblem, capture_time
from plateward.vehicle import (
    direction_from_image_angle,
    normalise_body_type,
    normalise_color,
    normalise_direction,
    normalise_make,
    normalise_model,
)

SYSTEM = "openalpr"
PERCENT = 100.0
FRAME_TYPES = ("alpr_results", "alpr_plate")
NOT_READS = ("heartbeat", "vehicle", "alpr_vehicle", "system_status")


def openalpr_reads(record: Record, context: Context) -> list[Found]:
    where = record.where
    value = mapping(record.value, where)
    kind = value.get("data_type")
    if kind == "alpr_group":
        return _group(value, where, context)
    if kind == "alpr_alert" or (kind is None and isinstance(value.get("group"), dict)):
        return _alert(value, where, context)
    if kind in FRAME_TYPES or (kind is None and _is_frame(value)):
        return _frame(value, where, context)
    if kind == "heartbeat":
        return [_heartbeat(value, where, context)]
    if "openalpr_webhook" in value or kind in NOT_READS:
        return []  # the web server's test post, a vehicle without a plate
    if kind is None and "best_plate_number" in value:
        return _group(value, where, context)
    if kind is None:
        raise BadRecord(where, "not an OpenALPR record: no data_type, group, results or plate")
    raise BadRecord(
        where, f"data_type {kind!r}: not one OpenALPR writes reads in (alpr_group, alpr_alert,"
        " alpr_results, heartbeat)",
    )  # fmt: skip


def looks_like_openalpr(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    kind = value.get("data_type")
    if isinstance(kind, str):
        return kind.startswith("alpr_") or kind == "heartbeat"
    return "best_plate_number" in value or _is_frame(value) or "agent_uid" in value


def _is_frame(value: Mapping[str, Any]) -> bool:
    return isinstance(value.get("results"), list) and (
        "epoch_time" in value or "processing_time_ms" in value or "img_width" in value
    )


def _alert(value: Mapping[str, Any], where: str, context: Context) -> list[Found]:
    group = dict(mapping(value.get("group"), f"{where} group"))
    # The alert names the agent and camera; a group inside it may leave them out.
    group.setdefault("agent_uid", value.get("agent_uid"))
    group.setdefault("camera_id", value.get("camera_number"))
    if not group.get("data_type"):
        group["data_type"] = "alpr_group"
    config = group.get("web_server_config")
    if not isinstance(config, dict) and (value.get("camera_name") or value.get("site_name")):
        group["web_server_config"] = {
            "camera_label": value.get("camera_name"), "agent_label": value.get("site_name"),
        }  # fmt: skip
    return _group(group, where, context)


def _group(group: Mapping[str, Any], where: str, context: Context) -> list[Found]:
    if group.get("is_preview") is True:
        return []
    best = group.get("best_plate") if isinstance(group.get("best_plate"), dict) else {}
    assert isinstance(best, dict)
    plate, raw = plate_text(
        group.get("best_plate_number") or best.get("plate"), where, "best_plate_number"
    )
    captured_at = when(
        _first(group, "epoch_start", "best_uuid_epoch_ms", "epoch_time"), where, "epoch_start",
        context,
    )  # fmt: skip
    confidence = group.get("best_confidence", best.get("confidence"))
    region = text(group.get("best_region")) or text(best.get("region"))
    region_confidence = optional_number(
        group.get("best_region_confidence", best.get("region_confidence")), where,
        "best_region_confidence",
    )  # fmt: skip
    candidates = group.get("candidates")
    if candidates is None:
        candidates = best.get("candidates")
    latitude, longitude = position(group.get("gps_latitude"), group.get("gps_longitude"), where)
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw,
        "confidence": fraction(confidence, where, "best_confidence", scale=PERCENT),
        "alternatives": alternatives(_candidates(candidates, where), plate),
        "region": region.lower() if region else None,
        "region_confidence": None
        if region_confidence is None or not region
        else region_confidence / PERCENT,
        "latitude": latitude,
        "longitude": longitude,
        **_vehicle(group.get("vehicle"), group.get("travel_direction")),
    }
    best_uuid = text(group.get("best_uuid"))
    index = _plate_index(group, best, best_uuid)
    if best_uuid is not None:
        parts: tuple[str | None, ...] = (best_uuid, f"#{index}" if index is not None else plate)
    else:
        agent, camera = text(group.get("agent_uid")) or "", text(group.get("camera_id")) or ""
        parts = (agent, camera, str(group.get("epoch_start")), plate)
    images = {
        name: data
        for name, data in (
            ("plate_image", jpeg(best.get("plate_crop_jpeg"), where, "plate_crop_jpeg")),
            (
                "context_image",
                jpeg(group.get("overview_jpeg"), where, "overview_jpeg")
                or jpeg(group.get("vehicle_crop_jpeg"), where, "vehicle_crop_jpeg"),
            ),
        )
        if data is not None
    }
    return [
        Sighting(
            where=where,
            system=SYSTEM,
            source=_source(group),
            fields=fields,
            id_parts=parts,
            images=images,
        )
    ]


def _frame(frame: Mapping[str, Any], where: str, context: Context) -> list[Found]:
    results = frame.get("results")
    if not isinstance(results, list):
        raise BadRecord(where, "results: expected a list")
    if not results:
        return []
    moment = _first(frame, "epoch_time", "epoch_start")
    captured_at = when(moment, where, "epoch_time", context)
    frame_uuid = text(frame.get("uuid"))
    source = _source(frame)
    latitude, longitude = position(frame.get("gps_latitude"), frame.get("gps_longitude"), where)
    found: list[Found] = []
    for k, item in enumerate(results):
        at = f"{where} result {k}"
        result = mapping(item, at)
        plate, raw = plate_text(result.get("plate"), at, "plate")
        region = text(result.get("region"))
        region_confidence = optional_number(
            result.get("region_confidence"), at, "region_confidence"
        )
        index = result.get("plate_index", k)
        vehicle = result.get("vehicle")
        if vehicle is None and isinstance(frame.get("vehicles"), list):
            vehicle = _vehicle_of(frame["vehicles"], k)
        fields: dict[str, Any] = {
            "captured_at": captured_at,
            "plate": plate,
            "raw_text": raw,
            "confidence": fraction(result.get("confidence"), at, "confidence", scale=PERCENT),
            "alternatives": alternatives(_candidates(result.get("candidates"), at), plate),
            "region": region.lower() if region else None,
            "region_confidence": None
            if region_confidence is None or not region
            else region_confidence / PERCENT,
            "latitude": latitude,
            "longitude": longitude,
            **_vehicle(vehicle, None),
        }
        parts: tuple[str | None, ...] = (
            (frame_uuid, f"#{index}")
            if frame_uuid
            else (None if source is None else source.key, str(moment), f"#{index}", plate)
        )
        crop = jpeg(result.get("plate_crop_jpeg"), at, "plate_crop_jpeg")
        found.append(
            Sighting(
                where=at,
                system=SYSTEM,
                source=source,
                fields=fields,
                id_parts=parts,
                images={} if crop is None else {"plate_image": crop},
            )
        )
    return found


def _heartbeat(value: Mapping[str, Any], where: str, context: Context) -> Heartbeat:
    agent = text(value.get("agent_uid")) or text(value.get("agent_hostname")) or "agent"
    try:
        reported = capture_time(value.get("timestamp"), context.clock)
    except TimeProblem:
        reported = None
    streams: list[StreamStatus] = []
    for stream in value.get("video_streams") or []:
        if not isinstance(stream, dict) or stream.get("camera_id") is None:
            continue
        camera_id = str(stream["camera_id"])
        name = text(stream.get("camera_name"))
        source = Source(f"{agent}:{camera_id}", (camera_id, *([name] if name else [])), name)
        streaming = stream.get("is_streaming")
        streams.append(
            StreamStatus(
                source,
                streaming if isinstance(streaming, bool) else None,
                # Never the stream URL: it often carries the camera's password.
                {k: stream.get(k) for k in ("camera_name", "fps", "last_update") if k in stream},
            )
        )
    detail = {
        k: value.get(k)
        for k in (
            "agent_version", "agent_hostname", "os", "cpu_usage_percent", "cpu_cores",
            "daemon_uptime_seconds", "system_uptime_seconds", "license_valid",
            "recording_enabled", "beanstalk_queue_size", "disk_drive_free_bytes",
            "processing_threads_active", "processing_threads_configured",
        )
        if k in value
    }  # fmt: skip
    return Heartbeat(where, SYSTEM, Source(agent), reported, tuple(streams), detail)


def _source(record: Mapping[str, Any]) -> Source | None:
    config = record.get("web_server_config")
    labels: tuple[str | None, ...] = ()
    if isinstance(config, dict):
        labels = (text(config.get("camera_label")), text(config.get("agent_label")))
    agent = text(record.get("agent_uid")) or text(record.get("site_id"))
    return _named_source(agent, text(record.get("camera_id")), labels)


@lru_cache(maxsize=1024)
def _named_source(
    agent: str | None, camera: str | None, labels: tuple[str | None, ...]
) -> Source | None:
    """An agent's few cameras send millions of records: their sources are made once."""
    named = [label for label in labels if label]
    label = " / ".join(named) or None
    if camera is None:
        return None if agent is None else Source(agent, tuple(named), label)
    key = f"{agent}:{camera}" if agent else camera
    aliases = tuple(dict.fromkeys(a for a in (camera, *named) if a != key))
    return Source(key, aliases, label)


def _plate_index(
    group: Mapping[str, Any], best: Mapping[str, Any], best_uuid: str | None
) -> int | None:
    index = best.get("plate_index")
    if isinstance(index, int) and not isinstance(index, bool):
        return index
    uuids, indexes = group.get("uuids"), group.get("plate_indexes")
    if best_uuid and isinstance(uuids, list) and isinstance(indexes, list):
        try:
            found = indexes[uuids.index(best_uuid)]
        except (ValueError, IndexError):
            return None
        return found if isinstance(found, int) and not isinstance(found, bool) else None
    return None


def _candidates(found: object, where: str) -> list[tuple[object, object]]:
    if found is None:
        return []
    if not isinstance(found, list):
        raise BadRecord(where, "candidates: expected a list")
    out: list[tuple[object, object]] = []
    for item in found:
        if isinstance(item, dict):
            confidence = number(item.get("confidence"))
            out.append((item.get("plate"), None if confidence is None else confidence / PERCENT))
    return out


def _vehicle(vehicle: object, travel_direction: object) -> dict[str, Any]:
    """Make, model, colour, body type and direction from the agent's vehicle classifier."""
    names: tuple[str | None, ...] = ()
    if isinstance(vehicle, dict):
        names = tuple(
            best_name(vehicle.get(k)) for k in ("make", "make_model", "color", "body_type")
        )
    angle = number(travel_direction)
    if angle is not None:
        direction = direction_from_image_angle(angle)
    elif isinstance(travel_direction, str):
        direction = normalise_direction(travel_direction)
    else:
        direction = None
    return _attributes(names, direction)


@lru_cache(maxsize=4096)
def _attributes(names: tuple[str | None, ...], direction: str | None) -> dict[str, Any]:
    """The classifier's best guesses as read attributes; the same few recur across reads.

    The dict is shared between reads that have the same guesses: callers copy it.
    """
    attributes: dict[str, Any] = {}
    if names:
        make_name, make_model, color, body_type = names
        make = normalise_make(make_name)
        model = None
        if make_model:
            # "ford_focus": the make, an underscore, the model.
            head, _, tail = make_model.partition("_")
            model = normalise_model(tail) if tail else None
            make = make or normalise_make(head)
        attributes = {
            "vehicle_make": make,
            "vehicle_model": model,
            "vehicle_color": normalise_color(color),
            "vehicle_body_type": normalise_body_type(body_type),
        }
    attributes["vehicle_direction"] = direction
    return {k: v for k, v in attributes.items() if v is not None}


def _vehicle_of(vehicles: list[Any], index: int) -> object:
    """The Cloud API's ``vehicles`` list runs beside ``results``; each has ``details``."""
    if index < len(vehicles) and isinstance(vehicles[index], dict):
        return vehicles[index].get("details")
    return None


def _first(record: Mapping[str, Any], *names: str) -> object:
    for name in names:
        if record.get(name) not in (None, ""):
            return record[name]
    return None
