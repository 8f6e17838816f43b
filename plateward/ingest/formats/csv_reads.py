"""CSV in the columns of ``plateward export csv``: moving reads between Plateward databases.

Only ``captured_at``, ``plate`` and ``confidence`` are required, so a hand-made file works too;
a row without an ``id`` gets one derived from the camera, time and plate. A row whose
``camera`` column names another camera is refused: importing a many-camera export into one
camera would move reads to a place they were not taken, so such a file is split first.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plateward.errors import InvalidInput
from plateward.ingest.formats.records import (
    BadRecord,
    Record,
    Target,
    build_read,
    fraction,
    normalise_plate,
    optional_number,
    source_id,
    stable_id,
    timestamp,
)
from plateward.store.export import COLUMNS
from plateward.store.reads import NewRead

SYSTEM = "csv"
REQUIRED = ("captured_at", "plate", "confidence")


def csv_records(path: Path) -> Iterator[Record]:
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        header = reader.fieldnames or []
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise InvalidInput(
                f"{path}: no {', '.join(missing)} column; expected the header of"
                f" `plateward export csv`: {','.join(COLUMNS)}"
            )
        try:
            for row in reader:
                yield Record(f"{path} line {reader.line_num}", row)
        except csv.Error as exc:
            raise InvalidInput(f"{path} line {reader.line_num}: not valid CSV ({exc})") from None


def csv_reads(record: Record, target: Target) -> list[NewRead]:
    where = record.where
    row: dict[str | None, Any] = record.value
    if None in row or any(value is None for value in row.values()):
        raise BadRecord(where, "the row does not have as many fields as the header")
    camera = (row.get("camera") or "").strip()
    if camera and camera != target.camera_code:
        raise BadRecord(
            where,
            f"the read is from camera {camera}, not {target.camera_code};"
            " import each camera's rows into that camera",
        )
    raw = (row.get("plate") or "").strip()
    plate = normalise_plate(raw)
    if not plate:
        raise BadRecord(where, f"plate: {raw!r} has no letters or digits")
    captured_at = timestamp(row.get("captured_at"), where, "captured_at")
    read_id = source_id(SYSTEM, row.get("id")) or stable_id(
        SYSTEM, target.camera_code, captured_at.astimezone(dt.UTC).isoformat(), plate
    )
    fields: dict[str, Any] = {
        "id": read_id,
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": (row.get("raw_text") or "").strip() or raw,
        "confidence": fraction(row.get("confidence"), where, "confidence"),
        "alternatives": _alternatives(row.get("alternatives"), where),
        "region": (row.get("region") or "").strip() or None,
        "region_confidence": optional_number(
            row.get("region_confidence"), where, "region_confidence"
        ),
        "latitude": optional_number(row.get("latitude"), where, "latitude"),
        "longitude": optional_number(row.get("longitude"), where, "longitude"),
        "heading": optional_number(row.get("heading"), where, "heading"),
        "plate_image": (row.get("plate_image") or "").strip() or None,
        "context_image": (row.get("context_image") or "").strip() or None,
    }
    return [build_read(fields, target, where)]


def _alternatives(text: str | None, where: str) -> Any:
    if not text or not text.strip():
        return []
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRecord(where, f"alternatives: not valid JSON ({exc.msg})") from None
