"""The evidence package: what goes into the ZIP, and its manifest.

    README.txt                     what the package is and how to check it
    custody.json, custody.txt      the chain of custody: who exported what, when and why
    reads.csv, reads.json          the reads, every stored field, times in UTC
    images/READ-plate.jpg          each image with the report number in a margin below it
    images/READ-context.jpg
    originals/READ-plate.jpg       each image exactly as stored (its SHA-256 is its name in
    originals/READ-context.jpg     Plateward's image store, given in reads.csv)
    manifest.json                  the SHA-256 and size of every other file

``plateward evidence verify`` hashes every file again against the manifest. The manifest's
own SHA-256 is logged in the access log entry of the export, so a package whose manifest was
rewritten to match altered files no longer matches the log.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plateward.evidence.margin import burn_margin

FORMAT = "plateward-evidence/1"
MANIFEST = "manifest.json"
READ_COLUMNS = (
    "id", "captured_at", "received_at", "agency", "camera", "camera_name", "plate",
    "raw_text", "confidence", "alternatives", "region", "region_confidence", "latitude",
    "longitude", "heading", "plate_image", "context_image",
)  # fmt: skip
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class Custody:
    """Who exported, when, why, under which case and report, from where."""

    case_number: str
    report_number: str
    reason: str | None
    username: str
    full_name: str
    role: str
    agency: str
    exported_at: dt.datetime
    client_address: str | None
    hold_id: int
    software: str


@dataclass(frozen=True)
class StoredImage:
    role: str
    """``plate`` or ``context``."""
    sha256: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class EvidenceRead:
    fields: dict[str, Any]
    """The read's columns as plain values (``READ_COLUMNS``)."""
    images: tuple[StoredImage, ...]


def write_package(target: Path, custody: Custody, found: Sequence[EvidenceRead]) -> str:
    """Write the ZIP to ``target``; returns the manifest's SHA-256."""
    files: dict[str, bytes] = {
        "README.txt": _readme(custody).encode(),
        "custody.json": json.dumps(_custody_json(custody, found), indent=2).encode(),
        "custody.txt": _custody_text(custody, found).encode(),
        "reads.csv": _csv(found).encode(),
        "reads.json": json.dumps([r.fields for r in found], indent=2).encode(),
    }
    for read in found:
        read_id = read.fields["id"]
        for image in read.images:
            extension = EXTENSIONS.get(image.media_type, "bin")
            files[f"originals/{read_id}-{image.role}.{extension}"] = image.data
            files[f"images/{read_id}-{image.role}.jpg"] = burn_margin(
                image.data, _margin_lines(custody, read.fields),
                f"read {read_id} {image.role} image",
            )  # fmt: skip
    manifest = {
        "format": FORMAT,
        "case_number": custody.case_number,
        "report_number": custody.report_number,
        "created_at": custody.exported_at.isoformat(),
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            package.writestr(_entry(name, custody.exported_at), data)
        package.writestr(_entry(MANIFEST, custody.exported_at), manifest_bytes)
    return hashlib.sha256(manifest_bytes).hexdigest()


def _entry(name: str, at: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=at.astimezone(dt.UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _margin_lines(custody: Custody, fields: dict[str, Any]) -> list[str]:
    return [
        f"REPORT {custody.report_number}",
        f"CASE {custody.case_number}",
        f"{fields['plate']} {fields['captured_at'][:19].replace('T', ' ')} UTC {fields['camera']}",
        f"READ {fields['id']}",
    ]


def _csv(found: Sequence[EvidenceRead]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(READ_COLUMNS)
    for read in found:
        writer.writerow([_cell(read.fields[name]) for name in READ_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _custody_json(custody: Custody, found: Sequence[EvidenceRead]) -> dict[str, Any]:
    return {
        "case_number": custody.case_number,
        "report_number": custody.report_number,
        "reason": custody.reason,
        "exported_by": {
            "username": custody.username,
            "full_name": custody.full_name,
            "role": custody.role,
            "agency": custody.agency,
        },
        "exported_at": custody.exported_at.isoformat(),
        "client_address": custody.client_address,
        "legal_hold": custody.hold_id,
        "reads": [r.fields["id"] for r in found],
        "images": sum(len(r.images) for r in found),
        "software": custody.software,
        "logged_as": "evidence.export in the access log, with this package's manifest SHA-256",
    }


def _custody_text(custody: Custody, found: Sequence[EvidenceRead]) -> str:
    lines = [
        "CHAIN OF CUSTODY",
        "",
        f"Case number:    {custody.case_number}",
        f"Report number:  {custody.report_number}",
        f"Reason:         {custody.reason or '-'}",
        (
            f"Exported by:    {custody.full_name} ({custody.username}), {custody.role},"
            f" {custody.agency}"
        ),
        f"Exported at:    {custody.exported_at.isoformat()} (UTC)",
        f"From address:   {custody.client_address or '-'}",
        f"Legal hold:     {custody.hold_id} (the reads are kept until it is released)",
        f"Reads:          {len(found)}",
        f"Software:       {custody.software}",
        "",
        "Transfers after export (who received the package, when, for what):",
        "",
        "  Date/time        Released by            Received by            Purpose",
        "  ---------------  ---------------------  ---------------------  ----------------",
        "",
    ]
    return "\n".join(lines) + "\n"


def _readme(custody: Custody) -> str:
    return (
        f"Plateward evidence package for case {custody.case_number}, report"
        f" {custody.report_number}.\n\n"
        "images/ holds each plate and context image with the report number written in a margin"
        " below it; originals/ holds the same images exactly as the system stored them.\n"
        "reads.csv and reads.json hold the reads. custody.txt and custody.json record who"
        " exported them, when and why.\n"
        "manifest.json lists the SHA-256 of every other file. To check that nothing changed:\n\n"
        "    plateward evidence verify THIS.zip\n\n"
        "The manifest's own SHA-256 is recorded in the agency's access log with the export.\n"
    )
