"""Plate Recognizer Stream's CSV output (``csv_file`` in Stream's config.ini), one read a row.

The columns are Stream's documented ones: ``timestamp, plate, score, dscore, file, box,
model_make, color, vehicle, region, orientation, candidates, source_url, position_sec,
direction``. The structured cells (``region``, ``candidates``, ``model_make`` ...) are written
as Python literals (``{'code': 'us-ca', 'score': 0.9}``), so they are read with
``ast.literal_eval``, which evaluates literals only. Stream writes one file per camera and
names the camera in each row's screenshot path (``camera-1_screenshots/...``, its default
``image_format``); that name, or a ``camera_id`` column where a version writes one, is the
row's source.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plateward.errors import InvalidInput
from plateward.ingest.formats.csv_files import csv_records, find_column
from plateward.ingest.formats.encoding import Encoding
from plateward.ingest.formats.platerecognizer import platerecognizer_reads
from plateward.ingest.formats.records import BadRecord, Context, Found, Record

COLUMNS = ("timestamp", "plate", "score")
STRUCTURED = ("box", "model_make", "color", "vehicle", "region", "orientation", "candidates")
_CAMERA_IN_PATH = re.compile(r"(?:^|[/\\])([^/\\]+?)_screenshots[/\\]")


def stream_csv_records(path: Path, encoding: Encoding | None = None) -> Iterator[Record]:
    def check(header: list[str]) -> None:
        missing = [name for name in COLUMNS if find_column(header, [name]) is None]
        if missing:
            raise InvalidInput(
                f"{path}: no {', '.join(missing)} column: not a Plate Recognizer Stream CSV"
                " (timestamp,plate,score,dscore,file,box,model_make,color,vehicle,region,...)"
            )

    return csv_records(path, encoding, check)


def stream_csv_reads(record: Record, context: Context) -> list[Found]:
    """The row as the frame Stream would have posted, read by the webhook's own reader."""
    where = record.where
    row: dict[str, str] = {k.strip().lower(): v for k, v in record.value.items()}
    result: dict[str, Any] = {
        "plate": row.get("plate"),
        "score": row.get("score"),
        "dscore": row.get("dscore"),
    }
    for name in STRUCTURED:
        if row.get(name, "").strip():
            result[name] = _literal(row[name], where, name)
    camera = (row.get("camera_id") or "").strip() or _camera_in_path(row.get("file") or "")
    frame = {"camera_id": camera, "timestamp": row.get("timestamp"), "results": [result]}
    return platerecognizer_reads(Record(where, frame), context)


def _literal(text: str, where: str, name: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise BadRecord(where, f"{name}: {text[:60]!r} is not a Stream value") from None


def _camera_in_path(path: str) -> str | None:
    found = _CAMERA_IN_PATH.search(path)
    return found.group(1) if found else None
