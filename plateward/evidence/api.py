"""Evidence exports over HTTP: POST /api/v1/evidence answers with the package itself."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.evidence.export import MAX_EVIDENCE_READS, export_evidence
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1", tags=["evidence"])

Exporter = Annotated[User, Depends(require(Action.EXPORT))]


class EvidenceIn(BaseModel):
    case_number: str | None = Field(None, max_length=64, description="The case (required).")
    report_number: str | None = Field(None, max_length=64, description="Written on each image.")
    reason: str | None = Field(None, max_length=500)
    read_ids: list[uuid.UUID] = Field(max_length=MAX_EVIDENCE_READS)


@router.post("/evidence", response_class=FileResponse)
async def evidence_export(request: Request, user: Exporter, body: EvidenceIn) -> FileResponse:
    """The reads' evidence package (a ZIP); the reads are put on legal hold under the case."""
    state = app_state(request)
    folder = Path(tempfile.mkdtemp(prefix="plateward-evidence-"))
    target = folder / "evidence.zip"
    try:
        done = await run_in_threadpool(
            export_evidence, state.db, state.images, user, body.read_ids, target,
            case_number=body.case_number, report_number=body.report_number, reason=body.reason,
            client_address=request.client.host if request.client else None,
        )  # fmt: skip
    except BaseException:
        _remove(folder)
        raise
    name = f"evidence-{_safe(body.case_number)}-{_safe(body.report_number)}.zip"
    return FileResponse(
        done.path, media_type="application/zip", filename=name,
        headers={"Cache-Control": "no-store", "X-Manifest-SHA256": done.manifest_sha256},
        background=BackgroundTask(_remove, folder),
    )  # fmt: skip


def _safe(text: str | None) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in (text or ""))[:40]


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()
