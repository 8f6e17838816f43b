"""What a file looks like, so one given to the wrong import is refused naming the right one.

A file's first bytes tell a spreadsheet, an archive, a PDF or a database from text; a JSON
record's keys tell the vendors apart (OpenALPR's ``data_type``, Plate Recognizer's
``results``, Flock's ``objectId``, Verkada's ``webhook_type``, Plateward's own batch); a CSV
header tells Plateward's export from Stream's, the Forensic Plate Finder's, a Genetec export
and a search-audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from plateward.ingest.formats.csv_files import find_column
from plateward.ingest.formats.flock import looks_like_flock
from plateward.ingest.formats.openalpr import looks_like_openalpr
from plateward.ingest.formats.platerecognizer import looks_like_platerecognizer
from plateward.ingest.formats.verkada import looks_like_verkada

_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx): export it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls): export it as CSV"),
    (b"%PDF", "a PDF document: ask the vendor for the data as CSV or JSON"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"SQLite format 3\x00", "a SQLite database: export its reads as CSV"),
    (b"\xff\xd8\xff", "a JPEG image: read it with `plateward read`"),
    (b"\x89PNG", "a PNG image: read it with `plateward read`"),
)

JSON_FORMATS: tuple[tuple[str, str, Callable[[object], bool]], ...] = (
    ("openalpr", "OpenALPR / Rekor records", looks_like_openalpr),
    ("verkada", "Verkada webhooks", looks_like_verkada),
    ("flock", "Flock Safety reads", looks_like_flock),
    (
        "platerecognizer",
        "Plate Recognizer webhooks or Snapshot answers",
        looks_like_platerecognizer,
    ),
)

CSV_FORMATS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("csv", "a Plateward CSV export", ("id", "captured_at", "plate", "confidence")),
    ("platerecognizer-csv", "a Plate Recognizer Stream CSV", ("timestamp", "plate", "dscore")),
    ("openalpr-forensic", "an OpenALPR Forensic Plate Finder CSV",
     ("plate_number", "confidence", "frame_num")),
    ("openalpr-forensic", "an OpenALPR Forensic Plate Finder CSV",
     ("plate_number", "video_time_start_s", "best_plate_id")),
    ("genetec", "a Genetec AutoVu reads export", ("License plate", "Event timestamp")),
    ("genetec", "a Genetec AutoVu reads export", ("Plate read", "Event timestamp")),
)  # fmt: skip

AUDIT_HEADINGS = ("Search Time", "Reason")


def describe_binary(path: Path) -> str | None:
    """What a file that is not text is, or None for text."""
    with path.open("rb") as stream:
        head = stream.read(16)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return None


def json_format(value: object) -> tuple[str, str] | None:
    """The import a JSON record belongs to, and how to describe it."""
    if isinstance(value, dict):
        if isinstance(value.get("reads"), list):
            return ("api", "a Plateward batch for POST /api/v1/reads")
        if value.get("type") in ("FeatureCollection", "Feature"):
            return ("geojson", "GeoJSON (a Plateward export, or a map layer)")
    for name, what, test in JSON_FORMATS:
        if test(value):
            return name, what
    return None


def csv_format(header: list[str]) -> tuple[str, str] | None:
    for name, what, needed in CSV_FORMATS:
        if all(find_column(header, [column]) is not None for column in needed):
            return name, what
    if all(find_column(header, [column]) is not None for column in AUDIT_HEADINGS):
        return ("audit", "a search-audit log: import it with `plateward audit import-history`")
    return None


def xml_description(text: str) -> str | None:
    head = text.lstrip("\ufeff \r\n\t")[:400].lower()
    if not head.startswith("<"):
        return None
    if "<gpx" in head:
        return "a GPX track: give it to an import as --gps-track FILE"
    return "an XML document: ask the vendor for the reads as CSV or JSON"
