"""Hot lists and their entries: creating, changing, adding, expiring and reading them.

Every change takes the next revision (``next_revision``), stamps it on what it touched and
writes its access log entry, all in the caller's transaction: a list is changed and logged
together or not at all, and the copies the servers and edge agents hold learn of it by
revision (``schema.py`` says why that misses nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, insert, or_, select, update

from plateward.audit.actor import Actor
from plateward.audit.log import append_change
from plateward.errors import Conflict, InvalidInput, NotFound
from plateward.hotlist.entries import EntryValues
from plateward.hotlist.schema import SOURCES, hotlist_entries, hotlist_revisions, hotlists
from plateward.store.schema import agencies

REASON = "hot list maintenance (policy A.4)"
VIEW_REASON = "hot list review (policy A.4)"
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class HotList:
    id: int
    name: str
    source: str
    description: str
    agency_id: int
    agency: str
    all_agencies: bool
    tolerant: bool
    state_must_agree: bool
    edge_sync: bool
    active: bool
    refresh_location: str | None
    refresh_every_minutes: int | None
    stale_after_hours: int | None
    created_by: str
    created_at: dt.datetime
    imported_at: dt.datetime | None
    refresh_checked_at: dt.datetime | None
    refresh_error: str | None
    refresh_error_at: dt.datetime | None
    revision: int

    def stale_after(self) -> dt.datetime | None:
        """When the list stops matching if no import refreshes it (an extract gone stale)."""
        if self.stale_after_hours is None:
            return None
        since = self.imported_at or self.created_at
        return since + dt.timedelta(hours=self.stale_after_hours)


@dataclass(frozen=True)
class ListSettings:
    """What can be set on a list when it is made or changed."""

    description: str = ""
    all_agencies: bool = False
    tolerant: bool = False
    state_must_agree: bool = True
    edge_sync: bool = True
    active: bool = True
    refresh_location: str | None = None
    refresh_every_minutes: int | None = None
    stale_after_hours: int | None = None

    def check(self) -> None:
        if self.refresh_every_minutes is not None and self.refresh_every_minutes <= 0:
            raise InvalidInput("refresh_every_minutes must be a positive number of minutes")
        if self.stale_after_hours is not None and self.stale_after_hours <= 0:
            raise InvalidInput("stale_after_hours must be a positive number of hours")
        if self.refresh_every_minutes is not None and not self.refresh_location:
            raise InvalidInput("a refresh schedule needs refresh_location (the file to re-read)")


def next_revision(connection: Connection) -> int:
    """The next revision number; holds the counter's row lock until the transaction ends."""
    return int(
        connection.execute(
            update(hotlist_revisions)
            .where(hotlist_revisions.c.id == 1)
            .values(revision=hotlist_revisions.c.revision + 1)
            .returning(hotlist_revisions.c.revision)
        ).scalar_one()
    )


def current_revision(connection: Connection) -> int:
    return int(connection.execute(select(hotlist_revisions.c.revision)).scalar_one())


_LIST_COLUMNS = [*hotlists.c, agencies.c.code.label("agency")]


def _hotlist(row: RowMapping) -> HotList:
    return HotList(**{k: row[k] for k in HotList.__dataclass_fields__})


def all_lists(connection: Connection) -> list[HotList]:
    rows = connection.execute(
        select(*_LIST_COLUMNS).join(agencies).order_by(hotlists.c.name)
    ).mappings()
    return [_hotlist(r) for r in rows]


def list_by_name(connection: Connection, name: str) -> HotList:
    row = (
        connection.execute(select(*_LIST_COLUMNS).join(agencies).where(hotlists.c.name == name))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"hot list {name!r}: no such list")
    return _hotlist(row)


def list_by_id(connection: Connection, list_id: int) -> HotList:
    row = (
        connection.execute(select(*_LIST_COLUMNS).join(agencies).where(hotlists.c.id == list_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"hot list {list_id}: no such list")
    return _hotlist(row)


def create_list(
    connection: Connection, actor: Actor, *, name: str, source: str, agency_id: int,
    settings: ListSettings,
) -> HotList:  # fmt: skip
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"hot list name {name!r}: 1 to {MAX_NAME_CHARS} characters")
    if source not in SOURCES:
        raise InvalidInput(f"hot list source {source!r}: must be one of {', '.join(SOURCES)}")
    settings.check()
    if connection.execute(select(hotlists.c.id).where(hotlists.c.name == name)).first():
        raise Conflict(f"hot list {name!r} already exists")
    revision = next_revision(connection)
    list_id = connection.execute(
        insert(hotlists)
        .values(
            name=name,
            source=source,
            agency_id=agency_id,
            created_by=actor.username,
            created_at=dt.datetime.now(dt.UTC),
            revision=revision,
            **settings.__dict__,
        )
        .returning(hotlists.c.id)
    ).scalar_one()
    append_change(
        connection, actor, "hotlist.create",
        {"list": name, "source": source, **_jsonable(settings.__dict__)}, reason=REASON,
    )  # fmt: skip
    return list_by_id(connection, int(list_id))


def change_list(
    connection: Connection, actor: Actor, name: str, changes: dict[str, Any]
) -> HotList:
    """Change a list's settings; matching rules take effect on the copies by revision."""
    current = list_by_name(connection, name)
    allowed = set(ListSettings.__dataclass_fields__)
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"hot list {name!r}: cannot change {', '.join(sorted(unknown))}")
    merged = {k: getattr(current, k) for k in allowed} | changes
    ListSettings(**merged).check()
    revision = next_revision(connection)
    connection.execute(
        update(hotlists).where(hotlists.c.id == current.id).values(**changes, revision=revision)
    )
    append_change(
        connection, actor, "hotlist.change", {"list": name, **_jsonable(changes)}, reason=REASON
    )
    return list_by_id(connection, current.id)


def active_entry_condition(now: dt.datetime) -> Any:
    return and_(
        hotlist_entries.c.removed_at.is_(None),
        or_(hotlist_entries.c.expires_at.is_(None), hotlist_entries.c.expires_at > now),
    )


def add_entry(
    connection: Connection, actor: Actor, list_name: str, values: EntryValues
) -> dict[str, Any]:
    """Add one entry; the same plate, state and reason already on the list is a conflict."""
    hotlist = list_by_name(connection, list_name)
    now = dt.datetime.now(dt.UTC)
    plate, state, reason = values.key()
    existing = connection.execute(
        select(hotlist_entries.c.id).where(
            hotlist_entries.c.list_id == hotlist.id,
            hotlist_entries.c.plate == plate,
            func.coalesce(hotlist_entries.c.state, "") == state,
            hotlist_entries.c.reason == reason,
            active_entry_condition(now),
        )
    ).first()
    if existing is not None:
        raise Conflict(
            f"{plate} ({state or 'any state'}, {reason}) is already on {list_name!r}"
            f" as entry {existing.id}"
        )
    revision = next_revision(connection)
    entry_id = connection.execute(
        insert(hotlist_entries)
        .values(
            list_id=hotlist.id, added_by=actor.username, added_at=now, revision=revision,
            **values.row(),
        )
        .returning(hotlist_entries.c.id)
    ).scalar_one()  # fmt: skip
    append_change(
        connection, actor, "hotlist.entry.add",
        {"list": list_name, "entry": int(entry_id), "plate": plate, "state": values.state,
         "reason": reason, "expires_at": _iso(values.expires_at)},
        reason=REASON,
    )  # fmt: skip
    return entry_by_id(connection, int(entry_id))


def expire_entries(
    connection: Connection, actor: Actor, list_name: str, *, entry_ids: Sequence[int] = (),
    plates: Sequence[str] = (), everything: bool = False, note: str | None = None,
) -> int:  # fmt: skip
    """End entries now (a recovered car, a cancelled BOLO); returns how many ended."""
    if not (entry_ids or plates or everything):
        raise InvalidInput("say which entries to expire: entry ids, plates, or all of the list")
    hotlist = list_by_name(connection, list_name)
    now = dt.datetime.now(dt.UTC)
    which = [hotlist_entries.c.list_id == hotlist.id, active_entry_condition(now)]
    if not everything:
        which.append(
            or_(
                hotlist_entries.c.id.in_(list(entry_ids)),
                hotlist_entries.c.plate.in_([p.strip().upper() for p in plates]),
            )
        )
    revision = next_revision(connection)
    count = connection.execute(
        update(hotlist_entries).where(*which).values(expires_at=now, revision=revision)
    ).rowcount
    if count == 0:
        raise NotFound(f"hot list {list_name!r}: no active entry matches")
    append_change(
        connection, actor, "hotlist.entry.expire",
        {"list": list_name, "entries": list(entry_ids), "plates": list(plates),
         "all": everything, "note": note},
        reason=REASON, result_count=count,
    )  # fmt: skip
    return int(count)


def entry_by_id(connection: Connection, entry_id: int) -> dict[str, Any]:
    row = (
        connection.execute(
            select(hotlist_entries, hotlists.c.name.label("list"))
            .join(hotlists)
            .where(hotlist_entries.c.id == entry_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"hot list entry {entry_id}: no such entry")
    return dict(row)


def list_entries(
    connection: Connection, actor: Actor, list_name: str, *, include_ended: bool = False,
    plate: str | None = None, limit: int = 100, offset: int = 0,
) -> tuple[HotList, int, list[dict[str, Any]]]:  # fmt: skip
    """A page of a list's entries, and how many there are; logged as a view of the list."""
    hotlist = list_by_name(connection, list_name)
    now = dt.datetime.now(dt.UTC)
    where = [hotlist_entries.c.list_id == hotlist.id]
    if not include_ended:
        where.append(active_entry_condition(now))
    if plate:
        where.append(hotlist_entries.c.plate == plate.strip().upper())
    total = int(connection.execute(select(func.count()).where(*where)).scalar_one())
    rows = connection.execute(
        select(hotlist_entries)
        .where(*where)
        .order_by(hotlist_entries.c.priority, hotlist_entries.c.plate, hotlist_entries.c.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    page = [dict(r) for r in rows]
    append_change(
        connection, actor, "hotlist.view",
        {"list": list_name, "plate": plate, "include_ended": include_ended, "limit": limit,
         "offset": offset},
        reason=VIEW_REASON, result_count=len(page),
    )  # fmt: skip
    return hotlist, total, page


def count_active(connection: Connection, list_id: int) -> int:
    now = dt.datetime.now(dt.UTC)
    return int(
        connection.execute(
            select(func.count()).where(
                hotlist_entries.c.list_id == list_id, active_entry_condition(now)
            )
        ).scalar_one()
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in values.items()}
