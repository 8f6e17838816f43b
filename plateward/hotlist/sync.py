"""What an edge agent downloads: its camera's lists, and their entries changed since a revision.

A camera matches against the active lists of its own agency and those shared with every
agency, when the list is marked for edge copies. The agent asks for the entries stamped after
the revision it holds, page by page (``after_id``) up to a revision fixed by the first page
(``until``), so a change made while it downloads is simply picked up next time. Every page
repeats the set of lists: an entry of a list no longer in it is dropped by the agent.

A first copy (``since=0``) carries only entries still active; later ones also carry what
ended, so the agent's copy loses it.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Connection, RowMapping, select

from plateward.hotlist.lists import HotList, active_entry_condition, all_lists, current_revision
from plateward.hotlist.schema import hotlist_entries
from plateward.store.cameras import Camera


class SyncList(BaseModel):
    id: int
    name: str
    tolerant: bool
    state_must_agree: bool
    stale_after: dt.datetime | None


class SyncEntry(BaseModel):
    id: int
    list_id: int
    plate: str
    state: str | None
    reason: str
    priority: int
    case_number: str | None
    vehicle: str
    notes: str | None
    starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    removed: bool


class SyncPage(BaseModel):
    revision: int
    """Everything up to this revision is in the pages of this download."""
    complete: bool
    """No more pages: the agent now holds the lists as of ``revision``."""
    next_after_id: int | None
    lists: list[SyncList]
    entries: list[SyncEntry]


def changes_for_camera(
    connection: Connection, camera: Camera, since: int, after_id: int, limit: int,
    until: int | None = None,
) -> SyncPage:  # fmt: skip
    revision = current_revision(connection) if until is None else until
    now = dt.datetime.now(dt.UTC)
    lists = [
        h
        for h in all_lists(connection)
        if h.active and h.edge_sync and (h.agency_id == camera.agency_id or h.all_agencies)
    ]
    ids = [h.id for h in lists]
    where = [
        hotlist_entries.c.list_id.in_(ids),
        hotlist_entries.c.revision <= revision,
        hotlist_entries.c.id > after_id,
    ]
    if since == 0:
        where.append(active_entry_condition(now))
    else:
        where.append(hotlist_entries.c.revision > since)
    rows = list(
        connection.execute(
            select(hotlist_entries).where(*where).order_by(hotlist_entries.c.id).limit(limit + 1)
        ).mappings()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return SyncPage(
        revision=revision,
        complete=not more,
        next_after_id=int(rows[-1]["id"]) if more else None,
        lists=[_sync_list(h) for h in lists],
        entries=[_sync_entry(r) for r in rows],
    )


def _sync_list(hotlist: HotList) -> SyncList:
    return SyncList(
        id=hotlist.id,
        name=hotlist.name,
        tolerant=hotlist.tolerant,
        state_must_agree=hotlist.state_must_agree,
        stale_after=hotlist.stale_after(),
    )


_VEHICLE = ("vehicle_year", "vehicle_color", "vehicle_make", "vehicle_model", "vehicle_style")


def _sync_entry(row: RowMapping) -> SyncEntry:
    return SyncEntry(
        id=row["id"],
        list_id=row["list_id"],
        plate=row["plate"],
        state=row["state"],
        reason=row["reason"],
        priority=row["priority"],
        case_number=row["case_number"],
        vehicle=" ".join(str(row[k]) for k in _VEHICLE if row[k]),
        notes=row["notes"],
        starts_at=row["starts_at"],
        expires_at=row["expires_at"],
        removed=row["removed_at"] is not None,
    )
