"""Exporting reads as evidence: one inquiry that reads, holds, packages and logs.

The export is an inquiry like a search (``run_inquiry``): it needs a case number, sees only the
reads its person may see, and is logged as ``evidence.export`` in the same transaction as the
legal hold it places on the reads under that case (``hold.place`` or ``hold.extend``). The ZIP
is written beside its destination under a temporary name and moved into place only after that
transaction commits: a failed export leaves no file, no hold and no log entry.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

import plateward
from plateward.access.users import User
from plateward.errors import InvalidInput, NotFound
from plateward.evidence.bundle import Custody, EvidenceRead, StoredImage, write_package
from plateward.retention.holds import hold_reads
from plateward.search.inquiry import Inquiry, jsonable, run_inquiry
from plateward.search.justification import MAX_CASE_CHARS, Justification
from plateward.search.query import as_utc
from plateward.search.scope import visible
from plateward.store.images import ImageStore
from plateward.store.schema import agencies, cameras, images, reads

MAX_EVIDENCE_READS = 1000


@dataclass(frozen=True)
class Exported:
    path: Path
    reads: int
    images: int
    hold_id: int
    manifest_sha256: str


def export_evidence(
    db: Engine, store: ImageStore, user: User, read_ids: Sequence[uuid.UUID], out: Path, *,
    case_number: str | None, report_number: str | None, reason: str | None = None,
    client_address: str | None = None, full_name: str = "",
) -> Exported:  # fmt: skip
    """Write the evidence package for ``read_ids`` to ``out`` and hold the reads for the case."""
    report = _report(report_number)
    justification = Justification(case_number, reason)
    if justification.case_number is None:
        raise InvalidInput("evidence export: give the case number the evidence belongs to")
    wanted = list(dict.fromkeys(read_ids))
    if not wanted:
        raise InvalidInput("evidence export: name at least one read")
    if len(wanted) > MAX_EVIDENCE_READS:
        raise InvalidInput(
            f"evidence export: {len(wanted)} reads, over {MAX_EVIDENCE_READS} in one package"
        )
    out = out.resolve()
    if out.is_dir():
        raise InvalidInput(f"{out}: a folder; name the ZIP file to write")
    if not out.parent.is_dir():
        raise InvalidInput(f"{out.parent}: no such folder")
    query: dict[str, Any] = {"report_number": report, "reads": [str(r) for r in wanted]}
    inquiry = Inquiry(
        user=user, action="evidence.export", query=query, justification=justification,
        client_address=client_address,
    )  # fmt: skip
    handle, temporary = tempfile.mkstemp(prefix=".evidence-", suffix=".zip", dir=out.parent)
    os.close(handle)
    staged = Path(temporary)

    def work(connection: Connection, why: Justification) -> Exported:
        found = _reads(connection, store, wanted)
        assert why.case_number is not None
        hold = hold_reads(
            connection, user, wanted, case_number=why.case_number,
            reason=f"evidence, report {report}", client_address=client_address, merge=True,
        )  # fmt: skip
        custody = Custody(
            case_number=why.case_number, report_number=report, reason=why.reason,
            username=user.username, full_name=full_name or user.full_name,
            role=user.role.value, agency=user.agency, exported_at=dt.datetime.now(dt.UTC),
            client_address=client_address, hold_id=hold.id,
            software=f"Plateward {plateward.__version__}",
        )  # fmt: skip
        digest = write_package(staged, custody, found)
        # The log entry, written by run_inquiry after this returns, carries the digest.
        query["manifest_sha256"] = digest
        query["hold"] = hold.id
        return Exported(out, len(found), sum(len(r.images) for r in found), hold.id, digest)

    try:
        done = run_inquiry(db, inquiry, work, lambda e: e.reads)
        os.replace(staged, out)
    finally:
        staged.unlink(missing_ok=True)
    return done


def _report(report_number: str | None) -> str:
    report = " ".join((report_number or "").split())
    if not report:
        raise InvalidInput(
            "evidence export: the report number is required; downloaded images are annotated"
            " with it (policy B)"
        )
    if len(report) > MAX_CASE_CHARS:
        raise InvalidInput(f"evidence export: report number over {MAX_CASE_CHARS} characters")
    return report


def _reads(
    connection: Connection, store: ImageStore, wanted: Sequence[uuid.UUID]
) -> list[EvidenceRead]:
    rows = {
        row.id: row
        for row in connection.execute(
            select(
                reads, cameras.c.code.label("camera"), cameras.c.name.label("camera_name"),
                agencies.c.code.label("agency"),
            )
            .join(cameras, cameras.c.id == reads.c.camera_id)
            .join(agencies, agencies.c.id == cameras.c.agency_id)
            .where(reads.c.id.in_(list(wanted)), *visible())
        )
    }  # fmt: skip
    missing = [str(r) for r in wanted if r not in rows]
    if missing:
        raise NotFound(
            f"read {missing[0]}: not found (never stored, destroyed by retention, or not"
            " yours to see)" + (f", and {len(missing) - 1} more" if len(missing) > 1 else "")
        )
    digests = {d for row in rows.values() for d in (row.plate_image, row.context_image) if d}
    media = dict(
        connection.execute(
            select(images.c.sha256, images.c.media_type).where(images.c.sha256.in_(digests))
        ).all()
    ) if digests else {}  # fmt: skip
    out = []
    for read_id in wanted:
        row = rows[read_id]
        m = row._mapping
        values = {name: m[name] for name in _FIELDS}
        for name in ("captured_at", "received_at"):
            values[name] = as_utc(values[name])
        fields = jsonable(values)
        found: list[StoredImage] = []
        for role, digest in (("plate", row.plate_image), ("context", row.context_image)):
            if digest is None:
                continue
            try:
                data = store.get(digest)
            except NotFound:
                raise NotFound(
                    f"read {read_id}: its {role} image {digest} is missing from the image store"
                ) from None
            found.append(StoredImage(role, digest, media.get(digest, "image/jpeg"), data))
        out.append(EvidenceRead(fields, tuple(found)))
    return out


_FIELDS = (
    "id", "captured_at", "received_at", "agency", "camera", "camera_name", "plate",
    "raw_text", "confidence", "alternatives", "region", "region_confidence", "latitude",
    "longitude", "heading", "plate_image", "context_image",
)  # fmt: skip
