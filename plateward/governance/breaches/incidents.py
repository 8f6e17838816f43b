"""Breach incidents: recorded, kept up to date as the response goes on, and closed.

Attachment 2 asks the Tech / Network Infrastructure Unit to write down what happened, when it
was found and by whom, what systems and data were involved, how many people are affected and
what was done to contain it. Here that record is kept by administrators and Internal Affairs;
every version of it stays in the history (each edit lists the fields it changed) and in the
access log, in the transaction that makes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from plateward.audit.actor import Actor
from plateward.audit.log import append_change
from plateward.errors import InvalidInput, NotFound
from plateward.governance.breaches.rules import DataKind
from plateward.governance.breaches.schema import breach_events, breach_files, breach_incidents
from plateward.governance.fields import (
    in_order,
    optional_text,
    past_date,
    past_moment,
    required_text,
    utc_moment,
)
from plateward.governance.files import AttachmentFiles, clean_file_name
from plateward.store.schema import agencies, cameras

REASON = "data breach response (Civil Code 1798.29, Attachment 2)"
MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 20_000
MAX_PEOPLE = 100_000_000


@dataclass(frozen=True)
class IncidentFields:
    """Everything a person writes about an incident; ``None`` where it is not known yet."""

    title: str
    discovered_at: dt.datetime
    discovered_by: str
    what_happened: str
    systems_involved: str
    data_kinds: tuple[str, ...]
    data_from: dt.datetime
    data_to: dt.datetime | None = None
    data_involved: str | None = None
    camera_codes: tuple[str, ...] = ()
    occurred_from: dt.datetime | None = None
    occurred_to: dt.datetime | None = None
    people_affected: int | None = None
    containment: str | None = None
    law_enforcement_delay: str | None = None
    what_you_can_do: str | None = None
    contact: str | None = None
    notice_sent_on: dt.date | None = None
    attorney_general_notified_on: dt.date | None = None


EDITABLE = frozenset(f.name for f in dataclasses.fields(IncidentFields))


@dataclass(frozen=True)
class Incident:
    id: int
    agency: str
    agency_name: str
    fields: IncidentFields
    status: str
    recorded_by: str
    recorded_at: dt.datetime
    updated_at: dt.datetime
    closed_by: str | None
    closed_at: dt.datetime | None
    closing_summary: str | None


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    by: str
    kind: str
    text: str


@dataclass(frozen=True)
class IncidentFile:
    id: int
    incident_id: int
    file_name: str
    sha256: str
    media_type: str
    size_bytes: int
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    events: list[Event]
    files: list[IncidentFile]


def record_incident(
    connection: Connection,
    fields: IncidentFields,
    *,
    agency_code: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Incident:
    """Record a new incident for the agency; the response starts from here."""
    now = now or dt.datetime.now(dt.UTC)
    checked = check_fields(connection, fields, now)
    agency_id = connection.execute(
        select(agencies.c.id).where(agencies.c.code == agency_code)
    ).scalar_one_or_none()
    if agency_id is None:
        raise NotFound(f"agency {agency_code}: no such agency")
    incident_id = int(
        connection.execute(
            insert(breach_incidents)
            .values(
                agency_id=agency_id,
                **_values(checked),
                status="open",
                recorded_by=actor.username[:64],
                recorded_at=now,
                updated_at=now,
            )
            .returning(breach_incidents.c.id)
        ).scalar_one()
    )
    _event(connection, incident_id, actor, "recorded", f"recorded: {checked.title}", now)
    _log(
        connection,
        actor,
        "breach.add",
        {
            "incident": incident_id,
            "discovered_at": checked.discovered_at.isoformat(),
            "data_from": checked.data_from.isoformat(),
            "data_to": checked.data_to.isoformat() if checked.data_to else None,
        },
    )
    return incident_by_id(connection, incident_id)


def edit_incident(
    connection: Connection,
    incident_id: int,
    changes: dict[str, Any],
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Incident:
    """Change some fields; the whole record is checked again, as if it were new."""
    now = now or dt.datetime.now(dt.UTC)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise InvalidInput(f"incident {incident_id}: no field named {', '.join(unknown)}")
    current = incident_by_id(connection, incident_id)
    if current.status == "closed":
        raise InvalidInput(f"incident {incident_id}: closed on {current.closed_at:%Y-%m-%d}")
    merged = dataclasses.replace(current.fields, **changes)
    checked = check_fields(connection, merged, now)
    changed = sorted(
        name for name in EDITABLE if getattr(checked, name) != getattr(current.fields, name)
    )
    if not changed:
        return current
    connection.execute(
        update(breach_incidents)
        .where(breach_incidents.c.id == incident_id)
        .values(**_values(checked), updated_at=now)
    )
    _event(connection, incident_id, actor, "edited", "changed " + ", ".join(changed), now)
    _log(connection, actor, "breach.edit", {"incident": incident_id, "fields": changed})
    return incident_by_id(connection, incident_id)


def add_note(connection: Connection, incident_id: int, *, text: str, actor: Actor) -> None:
    incident_by_id(connection, incident_id)
    _event(connection, incident_id, actor, "note", required_text("note", text, MAX_TEXT_CHARS))
    _log(connection, actor, "breach.note", {"incident": incident_id})


def close_incident(
    connection: Connection,
    incident_id: int,
    *,
    summary: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Incident:
    """Close the response with a summary of how it ended."""
    now = now or dt.datetime.now(dt.UTC)
    current = incident_by_id(connection, incident_id)
    if current.status == "closed":
        raise InvalidInput(
            f"incident {incident_id}: already closed on {current.closed_at:%Y-%m-%d}"
        )
    text = required_text("summary", summary, MAX_TEXT_CHARS)
    connection.execute(
        update(breach_incidents)
        .where(breach_incidents.c.id == incident_id)
        .values(
            status="closed",
            closed_by=actor.username[:64],
            closed_at=now,
            closing_summary=text,
            updated_at=now,
        )
    )
    _event(connection, incident_id, actor, "closed", text, now)
    _log(connection, actor, "breach.close", {"incident": incident_id})
    return incident_by_id(connection, incident_id)


def list_incidents(connection: Connection, *, actor: Actor | None = None) -> list[Incident]:
    """Every incident, newest discovery first; with ``actor``, the look is logged."""
    rows = connection.execute(
        _query().order_by(breach_incidents.c.discovered_at.desc(), breach_incidents.c.id.desc())
    ).all()
    found = [_incident(row) for row in rows]
    if actor is not None:
        _log(connection, actor, "breach.list", {}, len(found))
    return found


def incident_by_id(connection: Connection, incident_id: int) -> Incident:
    row = connection.execute(_query().where(breach_incidents.c.id == incident_id)).first()
    if row is None:
        raise NotFound(f"incident {incident_id}: no such breach incident")
    return _incident(row)


def incident_detail(
    connection: Connection, incident_id: int, *, actor: Actor | None = None
) -> IncidentDetail:
    incident = incident_by_id(connection, incident_id)
    events = [
        Event(r.at, r.by, r.kind, r.text)
        for r in connection.execute(
            select(breach_events)
            .where(breach_events.c.incident_id == incident_id)
            .order_by(breach_events.c.id)
        )
    ]
    files = [
        _file(r)
        for r in connection.execute(
            select(breach_files)
            .where(breach_files.c.incident_id == incident_id)
            .order_by(breach_files.c.id)
        )
    ]
    if actor is not None:
        _log(connection, actor, "breach.view", {"incident": incident_id})
    return IncidentDetail(incident, events, files)


def attach_file(
    connection: Connection,
    files: AttachmentFiles,
    incident_id: int,
    *,
    file_name: str,
    data: bytes,
    actor: Actor,
) -> IncidentFile:
    """Keep a file with the incident: evidence, a report, the notice as sent."""
    incident_by_id(connection, incident_id)
    name = clean_file_name(file_name)
    stored = files.put(data, name)
    now = dt.datetime.now(dt.UTC)
    file_id = connection.execute(
        insert(breach_files)
        .values(
            incident_id=incident_id,
            file_name=name,
            sha256=stored.sha256,
            media_type=stored.media_type,
            size_bytes=stored.size_bytes,
            added_by=actor.username[:64],
            added_at=now,
        )
        .returning(breach_files.c.id)
    ).scalar_one()
    _event(
        connection,
        incident_id,
        actor,
        "file",
        f"file {name} ({stored.size_bytes} bytes, sha256 {stored.sha256})",
        now,
    )
    _log(
        connection,
        actor,
        "breach.file.add",
        {"incident": incident_id, "file_name": name, "sha256": stored.sha256},
    )
    return incident_file(connection, incident_id, int(file_id))


def incident_file(
    connection: Connection, incident_id: int, file_id: int, *, actor: Actor | None = None
) -> IncidentFile:
    row = connection.execute(
        select(breach_files).where(
            breach_files.c.id == file_id, breach_files.c.incident_id == incident_id
        )
    ).first()
    if row is None:
        raise NotFound(f"incident {incident_id}: no file {file_id}")
    if actor is not None:
        _log(
            connection,
            actor,
            "breach.file.get",
            {"incident": incident_id, "file": file_id, "sha256": row.sha256},
        )
    return _file(row)


def record_notice_event(
    connection: Connection, incident_id: int, *, actor: Actor, reminders: int
) -> None:
    """The notice was drafted: an event and a log entry, so who drafted what stays known."""
    _event(connection, incident_id, actor, "notice", f"notice drafted ({reminders} reminders)")
    _log(connection, actor, "breach.notice", {"incident": incident_id})


def check_fields(
    connection: Connection, fields: IncidentFields, now: dt.datetime
) -> IncidentFields:
    """The fields cleaned and checked; the first problem is an ``InvalidInput`` naming it."""
    today = now.date()
    kinds = []
    for kind in fields.data_kinds:
        try:
            kinds.append(DataKind(str(kind).strip().lower()).value)
        except ValueError:
            choices = ", ".join(k.value for k in DataKind)
            raise InvalidInput(f"data_kinds {kind!r}: must be among {choices}") from None
    if not kinds:
        raise InvalidInput("data_kinds: name at least one kind of data involved")
    discovered_at = past_moment("discovered_at", fields.discovered_at, now)
    occurred_from = _optional_past("occurred_from", fields.occurred_from, now)
    occurred_to = _optional_past("occurred_to", fields.occurred_to, now)
    data_from = past_moment("data_from", fields.data_from, now)
    data_to = None if fields.data_to is None else utc_moment("data_to", fields.data_to)
    in_order("occurred_from", occurred_from, "occurred_to", occurred_to)
    in_order("occurred_from", occurred_from, "discovered_at", discovered_at)
    if data_to is not None and data_to <= data_from:
        raise InvalidInput(
            f"data_to {data_to.isoformat()}: not after data_from {data_from.isoformat()}"
        )
    if fields.people_affected is not None and not 0 <= fields.people_affected <= MAX_PEOPLE:
        raise InvalidInput(f"people_affected {fields.people_affected}: must be 0 to {MAX_PEOPLE}")
    notice_sent_on = _optional_day("notice_sent_on", fields.notice_sent_on, today)
    ag_on = _optional_day(
        "attorney_general_notified_on", fields.attorney_general_notified_on, today
    )
    in_order("discovered_at", discovered_at.date(), "notice_sent_on", notice_sent_on)
    in_order("discovered_at", discovered_at.date(), "attorney_general_notified_on", ag_on)
    codes = tuple(dict.fromkeys(c.strip() for c in fields.camera_codes if c.strip()))
    if codes:
        known = set(
            connection.execute(select(cameras.c.code).where(cameras.c.code.in_(codes))).scalars()
        )
        missing = [c for c in codes if c not in known]
        if missing:
            raise InvalidInput(f"camera_codes: no camera {', '.join(missing)}")
    return IncidentFields(
        title=required_text("title", fields.title, MAX_TITLE_CHARS),
        discovered_at=discovered_at,
        discovered_by=required_text("discovered_by", fields.discovered_by, MAX_TITLE_CHARS),
        what_happened=required_text("what_happened", fields.what_happened, MAX_TEXT_CHARS),
        systems_involved=required_text("systems_involved", fields.systems_involved, MAX_TEXT_CHARS),
        data_kinds=tuple(dict.fromkeys(kinds)),
        data_from=data_from,
        data_to=data_to,
        data_involved=optional_text("data_involved", fields.data_involved, MAX_TEXT_CHARS),
        camera_codes=codes,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        people_affected=fields.people_affected,
        containment=optional_text("containment", fields.containment, MAX_TEXT_CHARS),
        law_enforcement_delay=optional_text(
            "law_enforcement_delay", fields.law_enforcement_delay, MAX_TEXT_CHARS
        ),
        what_you_can_do=optional_text("what_you_can_do", fields.what_you_can_do, MAX_TEXT_CHARS),
        contact=optional_text("contact", fields.contact, MAX_TEXT_CHARS),
        notice_sent_on=notice_sent_on,
        attorney_general_notified_on=ag_on,
    )


def _optional_past(field: str, moment: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    return None if moment is None else past_moment(field, moment, now)


def _optional_day(field: str, day: dt.date | None, today: dt.date) -> dt.date | None:
    return None if day is None else past_date(field, day, today)


def _values(fields: IncidentFields) -> dict[str, Any]:
    values = dataclasses.asdict(fields)
    values["data_kinds"] = list(fields.data_kinds)
    values["camera_codes"] = list(fields.camera_codes)
    return values


def _query() -> Any:
    return select(
        breach_incidents, agencies.c.code.label("agency_code"), agencies.c.name.label("agency_name")
    ).join(agencies, agencies.c.id == breach_incidents.c.agency_id)


def _incident(row: Any) -> Incident:
    m = row._mapping
    fields = IncidentFields(
        **{name: m[name] for name in EDITABLE if name not in ("data_kinds", "camera_codes")},
        data_kinds=tuple(m["data_kinds"]),
        camera_codes=tuple(m["camera_codes"]),
    )
    return Incident(
        id=m["id"],
        agency=m["agency_code"],
        agency_name=m["agency_name"],
        fields=fields,
        status=m["status"],
        recorded_by=m["recorded_by"],
        recorded_at=m["recorded_at"],
        updated_at=m["updated_at"],
        closed_by=m["closed_by"],
        closed_at=m["closed_at"],
        closing_summary=m["closing_summary"],
    )


def _file(row: Any) -> IncidentFile:
    return IncidentFile(
        id=row.id,
        incident_id=row.incident_id,
        file_name=row.file_name,
        sha256=row.sha256,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        added_by=row.added_by,
        added_at=row.added_at,
    )


def _event(
    connection: Connection,
    incident_id: int,
    actor: Actor,
    kind: str,
    text: str,
    at: dt.datetime | None = None,
) -> None:
    connection.execute(
        insert(breach_events).values(
            incident_id=incident_id,
            at=at or dt.datetime.now(dt.UTC),
            by=actor.username[:64],
            kind=kind,
            text=text,
        )
    )


def _log(
    connection: Connection, actor: Actor, action: str, query: dict[str, Any], count: int = 1
) -> None:
    append_change(connection, actor, action, query, reason=REASON, result_count=count)
