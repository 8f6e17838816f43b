"""The hot list pages: the lists, one list's entries, adding and expiring entries, imports.

The same domain functions as the API and the console commands do the work, with the same
permission table, training gate and access log entries; an import's report (every rejected
line with its number and why) is shown on the list's page right after the upload.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session
from plateward.audit.actor import Actor, actor_for
from plateward.errors import PlatewardError
from plateward.hotlist.entries import entry_values
from plateward.hotlist.imports import ImportReport, import_file
from plateward.hotlist.lists import (
    HotList,
    ListSettings,
    add_entry,
    all_lists,
    count_active,
    create_list,
    expire_entries,
    list_by_name,
    list_entries,
)
from plateward.hotlist.reasons import LABELS, Reason
from plateward.hotlist.schema import SOURCES, hotlist_imports
from plateward.store.schema import agencies
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Session, Depends(page_for(Action.VIEW_HOTLISTS))]
Editor = Annotated[Session, Depends(page_for(Action.EDIT_HOTLISTS))]
PAGE_ROWS = 100
UPLOAD_CHUNK = 1 << 20


def _actor(request: Request, session: Session) -> Actor:
    return actor_for(session.user, request.client.host if request.client else None)


def _visible(session: Session, hotlist: HotList) -> bool:
    return hotlist.agency == session.user.agency or hotlist.all_agencies


@router.get("/hotlists")
def lists_page(request: Request, session: Viewer) -> Response:
    return _lists(request, session, error=None)


def _lists(request: Request, session: Session, error: str | None, status: int = 200) -> Response:
    with app_state(request).db.connect() as connection:
        shown = [
            (h, count_active(connection, h.id))
            for h in all_lists(connection)
            if _visible(session, h)
        ]
    return render(
        request, "hotlists.html", status_code=status, signed_in=session, lists=shown,
        sources=SOURCES, error=error, may_edit=allowed(session.user.role, Action.EDIT_HOTLISTS),
    )  # fmt: skip


@router.post("/hotlists")
def create_page(
    request: Request, session: Editor,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    name: Annotated[str, Form(max_length=100)], source: Annotated[str, Form(max_length=16)],
    description: Annotated[str, Form(max_length=2000)] = "",
    tolerant: Annotated[bool, Form()] = False, all_agencies: Annotated[bool, Form()] = False,
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            agency_id = connection.execute(
                select(agencies.c.id).where(agencies.c.code == session.user.agency)
            ).scalar_one()
            create_list(
                connection, _actor(request, session), name=name, source=source,
                agency_id=agency_id,
                settings=ListSettings(description=description, tolerant=tolerant,
                                      all_agencies=all_agencies),
            )  # fmt: skip
    except PlatewardError as exc:
        return _lists(request, session, exc.message, 422 if exc.status == 400 else exc.status)
    return RedirectResponse(f"/hotlists/{name.strip()}", status_code=303)


@router.get("/hotlists/{name}")
def list_page(
    request: Request, name: str, session: Viewer, plate: str = "", offset: int = 0,
) -> Response:  # fmt: skip
    return _list(request, session, name, plate=plate, offset=max(0, offset))


def _list(
    request: Request, session: Session, name: str, *, plate: str = "", offset: int = 0,
    error: str | None = None, report: ImportReport | None = None, status: int = 200,
) -> Response:  # fmt: skip
    state = app_state(request)
    try:
        with state.db.begin() as connection:
            hotlist = list_by_name(connection, name)
            if not _visible(session, hotlist):
                raise PlatewardError(f"hot list {name!r}: no such list")
            _, total, page = list_entries(
                connection, _actor(request, session), name, plate=plate or None,
                limit=PAGE_ROWS, offset=offset,
            )  # fmt: skip
            history = connection.execute(
                select(hotlist_imports)
                .where(hotlist_imports.c.list_id == hotlist.id)
                .order_by(hotlist_imports.c.id.desc())
                .limit(10)
            ).mappings().all()  # fmt: skip
    except PlatewardError as exc:
        return render(request, "refused.html", status_code=404, signed_in=session,
                      message=exc.message)  # fmt: skip
    may_edit = allowed(session.user.role, Action.EDIT_HOTLISTS) and (
        hotlist.agency == session.user.agency
    )
    return render(
        request, "hotlist.html", status_code=status, signed_in=session, hotlist=hotlist,
        total=total, entries=page, offset=offset, page_rows=PAGE_ROWS, plate=plate,
        history=history, error=error, report=report, may_edit=may_edit,
        reasons=[(r.value, LABELS[r]) for r in Reason],
        default_days=state.settings.hotlist.default_entry_days,
    )  # fmt: skip


@router.post("/hotlists/{name}/entries")
def add_page(
    request: Request, name: str, session: Editor,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    plate: Annotated[str, Form(max_length=40)], reason: Annotated[str, Form(max_length=32)],
    state: Annotated[str, Form(max_length=3)] = "", case_number: Annotated[str, Form(max_length=64)] = "",
    expires_at: Annotated[str, Form(max_length=40)] = "",
    vehicle: Annotated[str, Form(max_length=100)] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    app = app_state(request)
    now = dt.datetime.now(dt.UTC)
    try:
        values = entry_values(
            {"plate": plate, "reason": reason, "state": state, "case_number": case_number,
             "expires_at": expires_at, "vehicle_model": vehicle or None, "notes": notes},
            "entry", now,
            default_expires_at=now + dt.timedelta(days=app.settings.hotlist.default_entry_days),
        )  # fmt: skip
        with app.db.begin() as connection:
            _editable(connection, session, name)
            add_entry(connection, _actor(request, session), name, values)
    except PlatewardError as exc:
        return _list(request, session, name, error=exc.message,
                     status=422 if exc.status == 400 else exc.status)  # fmt: skip
    return RedirectResponse(f"/hotlists/{name}", status_code=303)


def _editable(connection: Any, session: Session, name: str) -> None:
    hotlist = list_by_name(connection, name)
    if hotlist.agency != session.user.agency:
        raise PlatewardError(
            f"hot list {name!r} belongs to {hotlist.agency}; only its people change it"
        )


@router.post("/hotlists/{name}/expire")
def expire_page(
    request: Request, name: str, session: Editor,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
    entry: Annotated[int, Form()], note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    try:
        with app_state(request).db.begin() as connection:
            _editable(connection, session, name)
            expire_entries(connection, _actor(request, session), name, entry_ids=[entry],
                           note=note or None)  # fmt: skip
    except PlatewardError as exc:
        return _list(request, session, name, error=exc.message, status=exc.status)
    return RedirectResponse(f"/hotlists/{name}", status_code=303)


@router.post("/hotlists/{name}/import")
async def import_page(
    request: Request, name: str, session: Editor,
    submitted: Annotated[str | None, Depends(submitted_csrf)], file: UploadFile,
    replace: Annotated[bool, Form()] = False,
) -> Response:  # fmt: skip
    check_csrf(session.csrf_token, submitted)
    state = app_state(request)
    folder = state.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    limit = state.settings.hotlist.max_upload_bytes
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".hotlist") as handle:
        path = Path(handle.name)
        size = 0
        while chunk := await file.read(UPLOAD_CHUNK):
            size += len(chunk)
            if size > limit:
                break
            handle.write(chunk)
    try:
        if size > limit:
            return await run_in_threadpool(
                _list, request, session, name, error=f"the file is over the {limit} byte limit",
                status=413,
            )  # fmt: skip

        def work() -> ImportReport:
            with state.db.begin() as connection:
                _editable(connection, session, name)
                return import_file(
                    connection, _actor(request, session), name, path, replace=replace,
                    file_name=file.filename or "upload",
                    max_rejected_share=state.settings.hotlist.max_rejected_share,
                )  # fmt: skip

        try:
            report = await run_in_threadpool(work)
        except PlatewardError as exc:
            return await run_in_threadpool(
                _list, request, session, name, error=exc.message,
                status=422 if exc.status == 400 else exc.status,
            )  # fmt: skip
        return await run_in_threadpool(
            _list, request, session, name, report=report, status=200 if report.applied else 422
        )
    finally:
        path.unlink(missing_ok=True)
