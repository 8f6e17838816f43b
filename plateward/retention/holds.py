"""Legal holds: reads kept past their retention period for a case (policy B).

A hold names its case and is placed by a person: on reads named one by one (one read, or the
reads exported as evidence, ``evidence/bundle.py``), which the person must be able to see, or on
every read of a plate captured in a window by their own agency's cameras. It lasts until
``expires_at``, or until someone releases it, saying why. A held read
keeps its images and its alerts too.

Placing a hold and destroying reads take turns (``take_turn``): a hold placed while a run is
deleting either sees its reads still stored (and the run then skips them) or is refused because
they are gone, never placed on reads that vanish under it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from plateward.access.users import User
from plateward.audit.log import Entry, append
from plateward.errors import Conflict, InvalidInput, NotFound
from plateward.retention.schema import legal_hold_reads, legal_holds
from plateward.search.justification import MAX_CASE_CHARS
from plateward.search.plates import plate_text
from plateward.search.scope import scoped, visible
from plateward.sharing.visibility import scope_for
from plateward.store.schema import agencies, cameras, reads

REASON = "legal hold (policy B)"
TURN_LOCK = 5420014
"""PostgreSQL advisory lock: a destruction batch and a hold placement take turns."""
MAX_HOLD_READS = 100_000


@dataclass(frozen=True)
class Hold:
    id: int
    kind: str
    case_number: str
    reason: str | None
    plate: str | None
    captured_from: dt.datetime | None
    captured_until: dt.datetime | None
    expires_at: dt.datetime | None
    placed_by: str
    agency: str
    placed_at: dt.datetime
    released_by: str | None
    released_at: dt.datetime | None
    release_reason: str | None
    read_count: int

    def is_active(self, now: dt.datetime) -> bool:
        return self.released_at is None and (self.expires_at is None or self.expires_at > now)

    def as_json(self, now: dt.datetime) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "case_number": self.case_number,
            "reason": self.reason, "plate": self.plate, "captured_from": _iso(self.captured_from),
            "captured_until": _iso(self.captured_until), "until": _iso(self.expires_at),
            "placed_by": self.placed_by, "agency": self.agency, "placed_at": _iso(self.placed_at),
            "released_by": self.released_by, "released_at": _iso(self.released_at),
            "release_reason": self.release_reason, "reads": self.read_count,
            "standing": self.standing(now),
        }  # fmt: skip

    def standing(self, now: dt.datetime) -> str:
        if self.released_at is not None:
            return "released"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def take_turn(connection: Connection) -> None:
    """Wait for a destruction batch or hold placement under way; hold the turn until commit."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": TURN_LOCK})
    else:
        # SQLite has one writer: a write that changes nothing takes its lock now, so what this
        # transaction reads next is what it will write against.
        connection.execute(text("UPDATE legal_holds SET id = id WHERE 0"))


def hold_reads(
    connection: Connection, user: User, read_ids: Sequence[uuid.UUID], *, case_number: str,
    reason: str | None = None, expires_at: dt.datetime | None = None,
    client_address: str | None = None, now: dt.datetime | None = None, merge: bool = False,
) -> Hold:  # fmt: skip
    """Hold these reads for ``case_number``; logged ``hold.place``.

    A read already held for the same case by an active hold is a conflict, unless ``merge``
    (evidence exports): then the case's active reads hold takes the reads it lacks.
    """
    now = now or dt.datetime.now(dt.UTC)
    case = _case(case_number)
    expires = _expiry(expires_at, now)
    wanted = list(dict.fromkeys(read_ids))
    if not wanted:
        raise InvalidInput("legal hold: name at least one read")
    if len(wanted) > MAX_HOLD_READS:
        raise InvalidInput(f"legal hold: {len(wanted)} reads, over {MAX_HOLD_READS} in one hold")
    take_turn(connection)
    with scoped(scope_for(connection, user, "read.view")):
        times = _stored(connection, wanted)
    missing = [str(r) for r in wanted if r not in times]
    if missing:
        raise NotFound(
            f"read {missing[0]}: not stored (never stored, or already destroyed by retention)"
            + (f", and {len(missing) - 1} more" if len(missing) > 1 else "")
        )
    already = _held_for_case(connection, wanted, case, now)
    if merge:
        existing = _case_reads_hold(connection, case, now)
        if existing is not None:
            fresh = [r for r in wanted if r not in already]
            _add_reads(connection, existing, fresh, times)
            hold = hold_by_id(connection, existing)
            _log(connection, user, client_address, "hold.extend", hold, len(fresh), fresh)
            return hold
        wanted = [r for r in wanted if r not in already] or wanted
    elif already:
        first = next(iter(already.items()))
        raise Conflict(
            f"read {first[0]}: already held for case {case} by hold {first[1]}; extend or"
            " release that hold instead of placing another"
        )
    hold_id = _insert(connection, user, kind="reads", case=case, reason=reason, expires=expires,
                      now=now)  # fmt: skip
    _add_reads(connection, hold_id, wanted, times)
    hold = hold_by_id(connection, hold_id)
    _log(connection, user, client_address, "hold.place", hold, len(wanted), wanted)
    return hold


def hold_plate(
    connection: Connection, user: User, plate: str, *, captured_from: dt.datetime,
    captured_until: dt.datetime, case_number: str, reason: str | None = None,
    expires_at: dt.datetime | None = None, client_address: str | None = None,
    now: dt.datetime | None = None,
) -> Hold:  # fmt: skip
    """Hold every read of ``plate`` captured in [from, until) for a case; logged ``hold.place``.

    An active hold of the same plate for the same case over an overlapping window is a
    conflict (extend that one, or release it first).
    """
    now = now or dt.datetime.now(dt.UTC)
    case = _case(case_number)
    expires = _expiry(expires_at, now)
    wanted = plate_text(plate)
    for name, moment in (("from", captured_from), ("until", captured_until)):
        if moment.utcoffset() is None:
            raise InvalidInput(f"legal hold: {name} {moment.isoformat()}: give a UTC offset")
    start, end = captured_from.astimezone(dt.UTC), captured_until.astimezone(dt.UTC)
    if start >= end:
        raise InvalidInput(
            f"legal hold: from {start.isoformat()} is not before until {end.isoformat()}"
        )
    take_turn(connection)
    overlap = connection.execute(
        select(legal_holds.c.id, legal_holds.c.captured_from, legal_holds.c.captured_until)
        .where(
            legal_holds.c.kind == "plate", legal_holds.c.plate == wanted,
            legal_holds.c.case_number == case, _active(now),
            legal_holds.c.captured_from < end, legal_holds.c.captured_until > start,
        )
        .limit(1)
    ).first()  # fmt: skip
    if overlap is not None:
        raise Conflict(
            f"plate {wanted}: hold {overlap.id} already holds its reads for case {case} from"
            f" {overlap.captured_from.isoformat()} to {overlap.captured_until.isoformat()};"
            " the windows overlap: extend or release that hold instead"
        )
    hold_id = _insert(connection, user, kind="plate", case=case, reason=reason, expires=expires,
                      now=now, plate=wanted, captured_from=start, captured_until=end)  # fmt: skip
    hold = hold_by_id(connection, hold_id)
    count = connection.execute(
        select(func.count())
        .select_from(reads)
        .join(cameras, cameras.c.id == reads.c.camera_id)
        .join(agencies, agencies.c.id == cameras.c.agency_id)
        .where(
            reads.c.plate == wanted, reads.c.captured_at >= start, reads.c.captured_at < end,
            agencies.c.code == user.agency,
        )
    ).scalar_one()  # fmt: skip
    _log(connection, user, client_address, "hold.place", hold, int(count), [])
    return hold


def release_hold(
    connection: Connection, user: User, hold_id: int, *, reason: str | None,
    client_address: str | None = None, now: dt.datetime | None = None,
) -> Hold:  # fmt: skip
    """End a hold now, saying why; its reads then go when their periods say. ``hold.release``."""
    now = now or dt.datetime.now(dt.UTC)
    hold = hold_by_id(connection, hold_id)
    if hold.released_at is not None:
        raise Conflict(f"hold {hold_id}: already released on {hold.released_at.isoformat()}")
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput(f"hold {hold_id}: say why it is released")
    connection.execute(
        update(legal_holds)
        .where(legal_holds.c.id == hold_id)
        .values(released_by=user.username, released_at=now, release_reason=why[:2000])
    )
    released = hold_by_id(connection, hold_id)
    _log(connection, user, client_address, "hold.release", released, released.read_count, [])
    return released


def held(
    read_id: ColumnElement[Any], plate: ColumnElement[Any], captured: ColumnElement[Any],
    camera: ColumnElement[Any], as_of: dt.datetime,
) -> ColumnElement[bool]:  # fmt: skip
    """Whether the row naming this read (its id, plate, capture time and camera) is under an
    active hold as of ``as_of``: the condition every destruction step adds, negated.

    A plate hold keeps the reads of its own agency's cameras: an agency decides how long its
    own reads live, and holds another agency's reads only by naming them (shared with it).
    """
    by_read = exists().where(
        legal_hold_reads.c.read_id == read_id,
        legal_holds.c.id == legal_hold_reads.c.hold_id,
        _active(as_of),
    )
    by_plate = exists().where(
        legal_holds.c.kind == "plate",
        legal_holds.c.plate == plate,
        legal_holds.c.captured_from <= captured,
        legal_holds.c.captured_until > captured,
        _active(as_of),
        cameras.c.id == camera,
        agencies.c.id == cameras.c.agency_id,
        agencies.c.code == legal_holds.c.agency,
    )
    return or_(by_read, by_plate)


def hold_by_id(connection: Connection, hold_id: int) -> Hold:
    found = list_holds(connection, hold_ids=[hold_id])
    if not found:
        raise NotFound(f"hold {hold_id}: no such legal hold")
    return found[0]


def list_holds(
    connection: Connection, *, active_at: dt.datetime | None = None,
    case_number: str | None = None, hold_ids: Sequence[int] = (), limit: int = 1000,
) -> list[Hold]:  # fmt: skip
    """Holds, newest first: active ones at ``active_at`` if given, a case's if given."""
    counted = (
        select(func.count()).where(legal_hold_reads.c.hold_id == legal_holds.c.id).scalar_subquery()
    )
    query = select(legal_holds, counted.label("read_count")).order_by(legal_holds.c.id.desc())
    if active_at is not None:
        query = query.where(_active(active_at))
    if case_number is not None:
        query = query.where(legal_holds.c.case_number == case_number.strip())
    if hold_ids:
        query = query.where(legal_holds.c.id.in_(list(hold_ids)))
    return [_hold(row) for row in connection.execute(query.limit(limit))]


def _active(at: dt.datetime) -> ColumnElement[bool]:
    return and_(
        legal_holds.c.released_at.is_(None),
        or_(legal_holds.c.expires_at.is_(None), legal_holds.c.expires_at > at),
    )


def _case(case_number: str | None) -> str:
    case = " ".join((case_number or "").split())
    if not case:
        raise InvalidInput("legal hold: give the case number the reads are held for")
    if len(case) > MAX_CASE_CHARS:
        raise InvalidInput(f"legal hold: case number over {MAX_CASE_CHARS} characters")
    return case


def _expiry(expires_at: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if expires_at is None:
        return None
    if expires_at.utcoffset() is None:
        raise InvalidInput(f"legal hold: until {expires_at.isoformat()}: give a UTC offset")
    if expires_at <= now:
        raise InvalidInput(
            f"legal hold: until {expires_at.isoformat()} is already past; a hold must end"
            " after it is placed (or leave it open until released)"
        )
    return expires_at.astimezone(dt.UTC)


def _stored(connection: Connection, wanted: Sequence[uuid.UUID]) -> dict[uuid.UUID, dt.datetime]:
    found: dict[uuid.UUID, dt.datetime] = {}
    for start in range(0, len(wanted), 5000):
        chunk = list(wanted[start : start + 5000])
        for read_id, captured in connection.execute(
            select(reads.c.id, reads.c.captured_at).where(reads.c.id.in_(chunk), *visible())
        ):
            found[read_id] = captured
    return found


def _held_for_case(
    connection: Connection, wanted: Sequence[uuid.UUID], case: str, now: dt.datetime
) -> dict[uuid.UUID, int]:
    out: dict[uuid.UUID, int] = {}
    for start in range(0, len(wanted), 5000):
        chunk = list(wanted[start : start + 5000])
        for read_id, hold_id in connection.execute(
            select(legal_hold_reads.c.read_id, legal_holds.c.id)
            .join(legal_holds, legal_holds.c.id == legal_hold_reads.c.hold_id)
            .where(
                legal_hold_reads.c.read_id.in_(chunk),
                legal_holds.c.case_number == case,
                _active(now),
            )
        ):
            out.setdefault(read_id, int(hold_id))
    return out


def _case_reads_hold(connection: Connection, case: str, now: dt.datetime) -> int | None:
    found = connection.execute(
        select(legal_holds.c.id)
        .where(legal_holds.c.kind == "reads", legal_holds.c.case_number == case, _active(now))
        .order_by(legal_holds.c.id)
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def _insert(
    connection: Connection, user: User, *, kind: str, case: str, reason: str | None,
    expires: dt.datetime | None, now: dt.datetime, plate: str | None = None,
    captured_from: dt.datetime | None = None, captured_until: dt.datetime | None = None,
) -> int:  # fmt: skip
    why = " ".join((reason or "").split()) or None
    return int(
        connection.execute(
            insert(legal_holds)
            .values(
                kind=kind, case_number=case, reason=why, plate=plate,
                captured_from=captured_from, captured_until=captured_until, expires_at=expires,
                placed_by=user.username, agency=user.agency, placed_at=now,
            )
            .returning(legal_holds.c.id)
        ).scalar_one()
    )  # fmt: skip


def _add_reads(
    connection: Connection, hold_id: int, wanted: Sequence[uuid.UUID],
    times: dict[uuid.UUID, dt.datetime],
) -> None:  # fmt: skip
    rows = [{"hold_id": hold_id, "read_id": r, "captured_at": times[r]} for r in wanted]
    for start in range(0, len(rows), 5000):
        connection.execute(insert(legal_hold_reads), rows[start : start + 5000])


def _log(
    connection: Connection, user: User, client_address: str | None, action: str, hold: Hold,
    count: int, read_ids: Sequence[uuid.UUID],
) -> None:  # fmt: skip
    query: dict[str, Any] = {"hold": hold.id, "kind": hold.kind}
    if hold.plate:
        query.update(
            plate=hold.plate, captured_from=_iso(hold.captured_from),
            captured_until=_iso(hold.captured_until),
        )  # fmt: skip
    if read_ids:
        query["reads"] = [str(r) for r in read_ids[:1000]]
        if len(read_ids) > 1000:
            query["more_reads"] = len(read_ids) - 1000
    if hold.expires_at is not None:
        query["until"] = _iso(hold.expires_at)
    if action == "hold.release":
        query["release_reason"] = hold.release_reason
    append(
        connection,
        Entry(
            username=user.username, agency=user.agency, action=action, query=query,
            case_number=hold.case_number, reason=hold.reason or REASON, result_count=count,
            client_address=client_address,
        ),
    )  # fmt: skip


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _hold(row: Any) -> Hold:
    m = row._mapping
    return Hold(
        id=m["id"], kind=m["kind"], case_number=m["case_number"], reason=m["reason"],
        plate=m["plate"], captured_from=m["captured_from"], captured_until=m["captured_until"],
        expires_at=m["expires_at"], placed_by=m["placed_by"], agency=m["agency"],
        placed_at=m["placed_at"], released_by=m["released_by"], released_at=m["released_at"],
        release_reason=m["release_reason"], read_count=int(m["read_count"] or 0),
    )  # fmt: skip
