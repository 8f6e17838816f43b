"""The hot lists over HTTP: /api/v1/hotlists for people, /api/v1/edge/hotlists for edge agents.

People see the lists of their own agency and the lists shared with every agency; they change
only their own agency's. Every change and every look at a list's entries is in the access log
(``lists.py``). Edge agents, signed in with their camera's key, download the entries their
camera matches against, as changes since the revision they hold.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.audit.actor import Actor, actor_for
from plateward.errors import InvalidInput, NotFound
from plateward.hotlist.entries import entry_values
from plateward.hotlist.imports import import_file
from plateward.hotlist.lists import (
    HotList,
    ListSettings,
    add_entry,
    all_lists,
    change_list,
    count_active,
    create_list,
    expire_entries,
    list_by_name,
    list_entries,
)
from plateward.hotlist.reasons import Reason
from plateward.hotlist.refresh import refresh_list
from plateward.hotlist.sync import SyncPage, changes_for_camera
from plateward.ingest.api import camera_from_key
from plateward.store.cameras import Camera
from plateward.store.schema import agencies
from plateward.web.state import AppState, app_state

router = APIRouter(prefix="/api/v1", tags=["hot lists"])

Viewer = Annotated[User, Depends(require(Action.VIEW_HOTLISTS))]
Editor = Annotated[User, Depends(require(Action.EDIT_HOTLISTS))]
UPLOAD_CHUNK = 1 << 20


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    source: str = Field("agency_list", description="ncic_extract, doj_extract, agency_list, person")
    description: str = Field("", max_length=2000)
    all_agencies: bool = Field(False, description="Every agency's cameras match against it.")
    tolerant: bool = Field(False, description="Also alert on look-alike readings (0/O, 8/B).")
    state_must_agree: bool = True
    edge_sync: bool = Field(True, description="Edge agents keep a copy and alert offline.")
    refresh_location: str | None = Field(None, description="File the list is re-imported from.")
    refresh_every_minutes: int | None = Field(None, gt=0)
    stale_after_hours: int | None = Field(None, gt=0)


class ListChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=2000)
    all_agencies: bool | None = None
    tolerant: bool | None = None
    state_must_agree: bool | None = None
    edge_sync: bool | None = None
    active: bool | None = None
    refresh_location: str | None = None
    refresh_every_minutes: int | None = Field(None, gt=0)
    stale_after_hours: int | None = Field(None, gt=0)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: str = Field(max_length=40, description="A plate, or a pattern with ? and *.")
    state: str | None = Field(None, max_length=3)
    reason: Reason
    case_number: str | None = Field(None, max_length=64)
    ori: str | None = Field(None, max_length=16)
    ncic_number: str | None = Field(None, max_length=16)
    plate_type: str | None = Field(None, max_length=8)
    plate_year: str | None = Field(None, max_length=8)
    vehicle_year: str | None = Field(None, max_length=8)
    vehicle_make: str | None = Field(None, max_length=32)
    vehicle_model: str | None = Field(None, max_length=32)
    vehicle_style: str | None = Field(None, max_length=16)
    vehicle_color: str | None = Field(None, max_length=32)
    notes: str | None = Field(None, max_length=2000)
    priority: int | None = Field(None, ge=1, le=5)
    starts_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = Field(
        None, description="When it stops alerting; default hotlist.default_entry_days from now."
    )


class ExpireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[int] = Field(default_factory=list, max_length=10_000)
    plates: list[str] = Field(default_factory=list, max_length=10_000)
    all: bool = False
    note: str | None = Field(None, max_length=2000)


def _actor(request: Request, user: User) -> Actor:
    return actor_for(user, request.client.host if request.client else None)


def _may_see(user: User, hotlist: HotList) -> None:
    if hotlist.agency != user.agency and not hotlist.all_agencies:
        raise NotFound(f"hot list {hotlist.name!r}: no such list")


def _may_change(user: User, hotlist: HotList) -> None:
    _may_see(user, hotlist)
    if hotlist.agency != user.agency:
        raise HTTPException(
            403, f"hot list {hotlist.name!r} belongs to {hotlist.agency}; only its people change it"
        )


def list_json(hotlist: HotList, active_entries: int | None = None) -> dict[str, Any]:
    out = {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in vars(hotlist).items()}
    stale = hotlist.stale_after()
    out["stale_after"] = None if stale is None else stale.isoformat()
    if active_entries is not None:
        out["active_entries"] = active_entries
    return out


def entry_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}


@router.get("/hotlists")
def get_lists(request: Request, user: Viewer) -> dict[str, Any]:
    """The lists this person's agency may use, with how many entries are active."""
    with app_state(request).db.connect() as connection:
        visible = [h for h in all_lists(connection) if h.agency == user.agency or h.all_agencies]
        return {"lists": [list_json(h, count_active(connection, h.id)) for h in visible]}


@router.post("/hotlists", status_code=201)
def post_list(request: Request, user: Editor, body: ListIn) -> dict[str, Any]:
    """Make a list owned by the caller's agency."""
    state = app_state(request)
    with state.db.begin() as connection:
        agency_id = connection.execute(
            agencies.select().with_only_columns(agencies.c.id).where(agencies.c.code == user.agency)
        ).scalar_one()
        settings = ListSettings(**body.model_dump(exclude={"name", "source"}))
        created = create_list(
            connection, _actor(request, user), name=body.name, source=body.source,
            agency_id=agency_id, settings=settings,
        )  # fmt: skip
    return list_json(created, 0)


@router.patch("/hotlists/{name}")
def patch_list(request: Request, user: Editor, name: str, body: ListChange) -> dict[str, Any]:
    """Change a list's settings (tolerance, state rule, refresh, active, ...)."""
    with app_state(request).db.begin() as connection:
        _may_change(user, list_by_name(connection, name))
        changed = change_list(
            connection, _actor(request, user), name, body.model_dump(exclude_unset=True)
        )
    return list_json(changed)


@router.get("/hotlists/{name}")
def get_list(
    request: Request, user: Viewer, name: str, plate: str | None = None,
    include_ended: bool = False, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:  # fmt: skip
    """A page of the list's entries (a view of the list, logged)."""
    with app_state(request).db.begin() as connection:
        _may_see(user, list_by_name(connection, name))
        hotlist, total, page = list_entries(
            connection, _actor(request, user), name, include_ended=include_ended, plate=plate,
            limit=limit, offset=offset,
        )  # fmt: skip
    return {"list": list_json(hotlist), "total": total, "entries": [entry_json(e) for e in page]}


@router.post("/hotlists/{name}/entries", status_code=201)
def post_entry(request: Request, user: Editor, name: str, body: EntryIn) -> dict[str, Any]:
    """Add a plate or pattern; it alerts on the next read that matches."""
    state = app_state(request)
    now = dt.datetime.now(dt.UTC)
    values = entry_values(
        body.model_dump(), "entry", now,
        default_expires_at=now + dt.timedelta(days=state.settings.hotlist.default_entry_days),
    )  # fmt: skip
    with state.db.begin() as connection:
        _may_change(user, list_by_name(connection, name))
        entry = add_entry(connection, _actor(request, user), name, values)
    return entry_json(entry)


@router.post("/hotlists/{name}/expire")
def post_expire(request: Request, user: Editor, name: str, body: ExpireIn) -> dict[str, Any]:
    """End entries now, by id or plate, or the whole list."""
    with app_state(request).db.begin() as connection:
        _may_change(user, list_by_name(connection, name))
        count = expire_entries(
            connection, _actor(request, user), name, entry_ids=body.entries, plates=body.plates,
            everything=body.all, note=body.note,
        )  # fmt: skip
    return {"expired": count}


@router.post(
    "/hotlists/{name}/import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def post_import(
    request: Request, user: Editor, name: str, replace: bool = False,
    file_name: Annotated[str, Query(max_length=200)] = "upload",
) -> dict[str, Any]:  # fmt: skip
    """Import a hot list file (the request body): merged, or with ``replace`` replacing the list.

    The answer is the import's report: lines added, changed, removed, unchanged, and every
    rejected line with its number and why.
    """
    state = app_state(request)
    with state.db.connect() as connection:
        _may_change(user, list_by_name(connection, name))
    upload = await _save_upload(request, state)
    try:
        report = await run_in_threadpool(
            _import, state, _actor(request, user), name, upload, replace, file_name
        )
    finally:
        upload.unlink(missing_ok=True)
    answer: dict[str, Any] = vars(report)
    return answer


def _import(
    state: AppState, actor: Actor, name: str, path: Path, replace: bool, file_name: str
) -> Any:
    with state.db.begin() as connection:
        return import_file(
            connection, actor, name, path, replace=replace, file_name=file_name,
            max_rejected_share=state.settings.hotlist.max_rejected_share,
        )  # fmt: skip


async def _save_upload(request: Request, state: AppState) -> Path:
    limit = state.settings.hotlist.max_upload_bytes
    folder = state.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".hotlist") as handle:
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"hot list file over the {limit} byte limit")
                handle.write(chunk)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
    if size == 0:
        Path(handle.name).unlink(missing_ok=True)
        raise InvalidInput("the request body is empty: send the hot list file as the body")
    return Path(handle.name)


@router.post("/hotlists/{name}/refresh")
def post_refresh(request: Request, user: Editor, name: str) -> dict[str, Any]:
    """Re-read the list from its refresh_location now."""
    state = app_state(request)
    with state.db.connect() as connection:
        _may_change(user, list_by_name(connection, name))
    report = refresh_list(state.db, name, state.settings.hotlist, _actor(request, user))
    return {"unchanged_file": report is None, "report": None if report is None else vars(report)}


@router.get("/hotlists/{name}/imports")
def get_imports(request: Request, user: Viewer, name: str) -> dict[str, Any]:
    """The list's imports and refreshes, newest first, each with its report."""
    from plateward.hotlist.schema import hotlist_imports

    with app_state(request).db.connect() as connection:
        hotlist = list_by_name(connection, name)
        _may_see(user, hotlist)
        rows = connection.execute(
            hotlist_imports.select()
            .where(hotlist_imports.c.list_id == hotlist.id)
            .order_by(hotlist_imports.c.id.desc())
            .limit(100)
        ).mappings()
        return {"imports": [entry_json(dict(r)) for r in rows]}


@router.get("/edge/hotlists", response_model=SyncPage)
def edge_sync(
    request: Request, camera: Annotated[Camera, Depends(camera_from_key)],
    since: Annotated[int, Query(ge=0)] = 0, after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
    until: Annotated[int | None, Query(ge=0)] = None,
) -> SyncPage:  # fmt: skip
    """The entries this camera matches against, changed since revision ``since``.

    ``since=0`` is a full copy. Further pages pass ``after_id`` (the last page's
    ``next_after_id``) and ``until`` (the first page's ``revision``); when ``complete`` is
    true the agent holds everything up to ``revision``.
    """
    with app_state(request).db.connect() as connection:
        return changes_for_camera(connection, camera, since, after_id, limit, until)
