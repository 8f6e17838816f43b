"""OpenALPR Forensic Plate Finder CSV: the plate reads and plate groups found in a video file.

The Forensic Plate Finder (``alprvideocli``, ``alprvideogui``) writes two CSV files per video:
plate results (``id, group_id, country, plate_number, confidence, frame_num, video_time_s,
...``), one row per frame a plate was read in, and plate groups (``id, country,
plate_number, matches_pattern, plate_count, frame_start, frame_end, video_time_start_s,
video_time_end_s, best_plate_id, confidence, region, region_confidence``), one row per vehicle.
Either imports; the groups file gives one read per vehicle, as a camera would.

Times are seconds into the video, so the import needs the moment the video began
(``--video-start``), and the video's camera (``--camera``), since the file names neither. A
group's read takes its best plate's id, so importing both files stores that read once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plateward.errors import InvalidInput
from plateward.ingest.formats.csv_files import cell, csv_records, find_column
from plateward.ingest.formats.encoding import Encoding
from plateward.ingest.formats.records import (
    BadRecord,
    Context,
    Found,
    Record,
    Sighting,
    fraction,
    optional_number,
    plate_text,
)
from plateward.ingest.formats.times import TimeProblem, check_plausible

SYSTEM = "openalpr-forensic"
PERCENT = 100.0
RESULTS = ("id", "plate_number", "confidence", "video_time_s")
GROUPS = ("id", "plate_number", "confidence", "video_time_start_s", "best_plate_id")


def forensic_records(path: Path, encoding: Encoding | None = None) -> Iterator[Record]:
    def check(header: list[str]) -> None:
        for names in (RESULTS, GROUPS):
            if all(find_column(header, [n]) is not None for n in names):
                return
        raise InvalidInput(
            f"{path}: not an OpenALPR Forensic Plate Finder CSV: expected plate results"
            f" ({', '.join(RESULTS)}, ...) or plate groups ({', '.join(GROUPS)}, ...)"
        )

    return csv_records(path, encoding, check)


def forensic_reads(record: Record, context: Context) -> list[Found]:
    where = record.where
    row: dict[str, Any] = {k.strip().lower(): v for k, v in record.value.items()}
    if context.video_start is None:
        raise InvalidInput(
            f"{where.rsplit(' line ', 1)[0]}: the Forensic Plate Finder times reads in seconds"
            " into the video; give --video-start (when the video began, e.g."
            " 2025-11-20T10:15:00-08:00)"
        )
    group = "video_time_start_s" in row
    offset = optional_number(
        row.get("video_time_start_s" if group else "video_time_s"), where, "video time"
    )
    if offset is None or offset < 0:
        raise BadRecord(where, "video time: missing")
    try:
        captured_at = check_plausible(
            context.video_start + dt.timedelta(seconds=offset), context.clock, offset
        )
    except TimeProblem as exc:
        raise BadRecord(where, f"video time: {exc}") from None
    plate, raw = plate_text(row.get("plate_number"), where, "plate_number")
    region = cell(row, "region") or None
    region_confidence = optional_number(row.get("region_confidence"), where, "region_confidence")
    plate_id = cell(row, "best_plate_id" if group else "id")
    if plate_id is None:
        raise BadRecord(where, "best_plate_id: missing" if group else "id: missing")
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw,
        "confidence": fraction(row.get("confidence"), where, "confidence", scale=PERCENT),
        "alternatives": [],
        "region": region.lower() if region else None,
        "region_confidence": None
        if region_confidence is None or not region
        else region_confidence / PERCENT,
        "latitude": None,
        "longitude": None,
    }
    return [
        Sighting(
            where=where,
            system=SYSTEM,
            source=None,
            fields=fields,
            id_parts=(
                None,
                context.video_start.astimezone(dt.UTC).isoformat(),
                f"plate {plate_id}",
            ),
        )
    ]
