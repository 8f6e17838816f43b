"""CSV in the columns of ``plateward export csv``: moving reads between Plateward databases.

Only ``captured_at``, ``plate`` and ``confidence`` are required, so a hand-made file works too;
a row without an ``id`` gets one derived from the camera, time and plate. The ``camera``
column names a Plateward camera: without ``--camera`` each row goes to the camera it names;
with ``--camera``, a row naming another camera is refused, since importing a many-camera export
into one camera would move reads to a place they were not taken.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plateward.errors import InvalidInput
from plateward.ingest.formats.csv_files import csv_records
from plateward.ingest.formats.encoding import Encoding
from plateward.ingest.formats.records import (
    BadRecord,
    Context,
    Found,
    Record,
    Sighting,
    Source,
    fraction,
    image_digest,
    optional_number,
    plate_text,
    source_id,
    when,
)
from plateward.store.export import COLUMNS

SYSTEM = "csv"
REQUIRED = ("captured_at", "plate", "confidence")
VEHICLE = ("vehicle_make", "vehicle_model", "vehicle_color", "vehicle_body_type",
           "vehicle_direction")  # fmt: skip


def plateward_csv_records(path: Path, encoding: Encoding | None = None) -> Iterator[Record]:
    def check(header: list[str]) -> None:
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise InvalidInput(
                f"{path}: no {', '.join(missing)} column; expected the header of"
                f" `plateward export csv`: {','.join(COLUMNS)}"
            )

    return csv_records(path, encoding, check)


def csv_reads(record: Record, context: Context) -> list[Found]:
    where = record.where
    row: dict[str, Any] = record.value
    plate, raw = plate_text(row.get("plate"), where, "plate")
    captured_at = when(row.get("captured_at"), where, "captured_at", context)
    camera = (row.get("camera") or "").strip()
    fields: dict[str, Any] = {
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
        **{name: (row.get(name) or "").strip() or None for name in VEHICLE},
    }
    read_id = source_id(SYSTEM, row.get("id"))
    if read_id is not None:
        fields["id"] = read_id
    digests = {
        name: digest
        for name in ("plate_image", "context_image")
        if (digest := image_digest((row.get(name) or "").strip(), where, name)) is not None
    }
    return [
        Sighting(
            where=where,
            system=SYSTEM,
            source=Source(camera) if camera else None,
            fields=fields,
            id_parts=(None, captured_at.isoformat(), plate),
            image_digests=digests,
        )
    ]


def _alternatives(text: str | None, where: str) -> Any:
    if not text or not text.strip():
        return []
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRecord(where, f"alternatives: not valid JSON ({exc.msg})") from None
