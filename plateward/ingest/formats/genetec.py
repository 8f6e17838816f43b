"""Genetec AutoVu reads, as Security Center's Reads report exports them to CSV.

Security Desk exports a report with the columns the user chose to show, headed with their
display names, and its times in the workstation's local time and format. So columns are found
by their headings (several names for each field, from Genetec's documentation of the read
fields: license plate, plate state, ALPR unit, event timestamp, latitude and longitude,
confidence score, vehicle type, relative motion, and the vehicle make and colour that
AutoVu's vehicle analytics add), and times without an offset are read in ``--timezone``.

The ALPR unit (a fixed Sharp camera, or a patrol vehicle's Patroller) is each row's source;
an export of several units is imported with a camera map, one Plateward camera per unit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from plateward.errors import InvalidInput
from plateward.ingest.formats.csv_files import cell, csv_records, find_column
from plateward.ingest.formats.encoding import Encoding
from plateward.ingest.formats.records import (
    Context,
    Found,
    Record,
    Sighting,
    Source,
    number,
    optional_number,
    plate_text,
    position,
    source_id,
    when,
)
from plateward.ingest.formats.regions import region_code
from plateward.vehicle import (
    normalise_body_type,
    normalise_color,
    normalise_direction,
    normalise_make,
    normalise_model,
)

SYSTEM = "genetec"
FIELDS: dict[str, tuple[str, ...]] = {
    "plate": ("License plate", "Plate", "Plate read", "Plate number", "License plate read",
              "Plate text", "Read plate"),
    "time": ("Event timestamp", "Timestamp", "Date/time", "Date and time", "Read time",
             "Read timestamp", "Date time", "Capture time", "Time"),
    "date": ("Date", "Event date", "Read date"),
    "state": ("Plate state", "Plate origin", "State", "Origin", "Province", "Jurisdiction"),
    "unit": ("ALPR unit", "LPR unit", "Unit", "Patroller", "Camera", "Sharp", "Source",
             "Entity", "Unit name"),
    "id": ("Read ID", "Read Guid", "Event ID", "ID", "Guid"),
    "latitude": ("Latitude", "GPS latitude", "Lat"),
    "longitude": ("Longitude", "GPS longitude", "Long", "Lon"),
    "confidence": ("Confidence score", "Read confidence", "Confidence", "Plate confidence"),
    "make": ("Vehicle make", "Make"),
    "model": ("Vehicle model", "Model"),
    "color": ("Vehicle color", "Vehicle colour", "Color", "Colour"),
    "body_type": ("Vehicle type", "Vehicle class", "Type of vehicle"),
    "direction": ("Relative motion", "Direction of travel", "Direction", "Travel direction"),
    "heading": ("Heading", "Vehicle heading"),
}  # fmt: skip


def genetec_records(path: Path, encoding: Encoding | None = None) -> Iterator[Record]:
    def check(header: list[str]) -> None:
        missing = [name for name in ("plate",) if find_column(header, FIELDS[name]) is None] + (
            [] if _has_time(header) else ["time"]
        )
        if missing:
            raise InvalidInput(
                f"{path}: no {' or '.join(missing)} column: not a Genetec AutoVu reads export"
                f" (found {', '.join(header)}); export the Reads report with at least"
                " License plate and Event timestamp"
            )

    return csv_records(path, encoding, check)


def genetec_reads(record: Record, context: Context) -> list[Found]:
    where = record.where
    row: Mapping[str, str | None] = record.value
    columns = {name: find_column(row.keys(), names) for name, names in FIELDS.items()}
    plate, raw = plate_text(cell(row, columns["plate"]), where, "license plate")
    moment = cell(row, columns["time"])
    date = cell(row, columns["date"])
    if date and moment and ":" in moment and "/" not in moment and "-" not in moment:
        moment = f"{date} {moment}"  # a Date column and a Time column
    captured_at = when(moment or date, where, "event timestamp", context)
    latitude, longitude = position(
        cell(row, columns["latitude"]), cell(row, columns["longitude"]), where
    )
    confidence = number(cell(row, columns["confidence"]))
    if confidence is not None and confidence > 1:
        confidence /= 100.0  # Sharp cameras report 0-100
    state = cell(row, columns["state"])
    unit = cell(row, columns["unit"])
    fields: dict[str, Any] = {
        "captured_at": captured_at,
        "plate": plate,
        "raw_text": raw,
        # A read export without a score: the read stands as the unit reported it.
        "confidence": 1.0 if confidence is None else min(max(confidence, 0.0), 1.0),
        "alternatives": [],
        "region": _region(state),
        "latitude": latitude,
        "longitude": longitude,
        "heading": _heading(optional_number(cell(row, columns["heading"]), where, "heading")),
        "vehicle_make": normalise_make(cell(row, columns["make"])),
        "vehicle_model": normalise_model(cell(row, columns["model"])),
        "vehicle_color": normalise_color(cell(row, columns["color"])),
        "vehicle_body_type": normalise_body_type(cell(row, columns["body_type"])),
        "vehicle_direction": normalise_direction(cell(row, columns["direction"])),
    }
    read_id = source_id(SYSTEM, cell(row, columns["id"]))
    if read_id is not None:
        fields["id"] = read_id
    return [
        Sighting(
            where=where,
            system=SYSTEM,
            source=None if unit is None else Source(unit),
            fields=fields,
            id_parts=(unit, captured_at.isoformat(), plate),
        )
    ]


def _has_time(header: list[str]) -> bool:
    return any(find_column(header, FIELDS[name]) is not None for name in ("time", "date"))


def _region(state: str | None) -> str | None:
    """A US state or Canadian province code as Plateward writes regions (``us-ca``)."""
    return region_code(state)


def _heading(value: float | None) -> float | None:
    return None if value is None else value % 360
