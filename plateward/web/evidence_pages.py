"""Exporting reads as evidence from the browser (policy B): ``/evidence``.

The form takes the case number, the report number written on every image, a reason and the
reads (typed, or those of a search result the person ran: ``/evidence?result=ID``); the answer
is the ZIP itself, built and logged by the same ``export_evidence`` as the console command and
the API, which also puts the reads on legal hold under the case.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.errors import InvalidInput, NotFound, PlatewardError
from plateward.evidence.export import MAX_EVIDENCE_READS, export_evidence
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.result_sets import load_result
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Exporter = Annotated[Session, Depends(page_for(Action.EXPORT))]


@router.get("/evidence")
def evidence_page(request: Request, session: Exporter, result: str = "") -> Response:
    form: dict[str, str] = {}
    if result:
        with app_state(request).db.connect() as connection:
            try:
                found = load_result(connection, result, session)
            except NotFound as exc:
                return _page(request, session, form, error=exc.message, status=404)
        form = {
            "read_ids": "\n".join(str(e.read_id) for e in found.entries[:MAX_EVIDENCE_READS]),
            "case_number": found.justification.case_number or "",
            "reason": found.justification.reason or "",
        }
    return _page(request, session, form)


@router.post("/evidence", response_model=None)
async def evidence_export(request: Request, session: Exporter) -> Response:
    check_csrf(session.csrf_token, await submitted_csrf(request))
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str) and len(v) <= 200_000}
    state = app_state(request)
    folder = Path(tempfile.mkdtemp(prefix="plateward-evidence-"))
    try:
        ids = _read_ids(form.get("read_ids", ""))
        done = await run_in_threadpool(
            export_evidence, state.db, state.images, session.user, ids, folder / "evidence.zip",
            case_number=form.get("case_number"), report_number=form.get("report_number"),
            reason=form.get("reason") or None, client_address=client_of(request),
        )  # fmt: skip
    except PlatewardError as exc:
        _remove(folder)
        return _page(request, session, form, error=exc.message, status=400)
    except BaseException:
        _remove(folder)
        raise
    name = f"evidence-{_safe(form.get('case_number'))}-{_safe(form.get('report_number'))}.zip"
    return FileResponse(
        done.path, media_type="application/zip", filename=name,
        headers={"Cache-Control": "no-store", "X-Manifest-SHA256": done.manifest_sha256},
        background=BackgroundTask(_remove, folder),
    )  # fmt: skip


def _page(
    request: Request, session: Session, form: dict[str, Any], *, error: str | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    return render(request, "evidence.html", status_code=status, signed_in=session, form=form,
                  error=error, limit=MAX_EVIDENCE_READS)  # fmt: skip


def _read_ids(text: str) -> list[uuid.UUID]:
    out = []
    for part in text.replace(",", " ").split():
        try:
            out.append(uuid.UUID(part))
        except ValueError:
            raise InvalidInput(f"read {part!r}: not a read id (a UUID)") from None
    return out


def _safe(text: str | None) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in (text or ""))[:40]


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()
