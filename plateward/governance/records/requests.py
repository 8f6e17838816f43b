"""Records requests from intake to response: the Internal Affairs queue (policy C).

Anyone signed in may enter a request (a deputy at the front counter, an administrator opening
the mail); it lands at once in the queue that only Internal Affairs and administrators see,
with its due date. Every step (assignment, notes, the one extension, files, the response) is
an event on the request and an entry in the access log, written together. The log names the
request, never the requester: auditors read the log, and the requester's contact details are
for the people answering them. Reading a request's details is logged too, for the same reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, func, insert, select, update

from plateward.access.roles import Action, allowed
from plateward.access.users import user_by_name
from plateward.audit.actor import Actor
from plateward.audit.log import append_change
from plateward.errors import InvalidInput, NotFound
from plateward.governance.fields import past_date, required_text
from plateward.governance.files import AttachmentFiles, clean_file_name
from plateward.governance.records.rules import (
    NEEDS_GROUNDS,
    Channel,
    Outcome,
    ReplyBy,
    Status,
    Urgency,
    current_due,
    extended_due,
    extension_refusal,
    response_due,
    urgency,
)
from plateward.governance.records.schema import (
    records_request_events,
    records_request_files,
    records_requests,
)

E = TypeVar("E", Channel, ReplyBy, Outcome)
REASON = "public records request (policy C)"
MAX_NAME_CHARS = 200
MAX_CONTACT_CHARS = 1000
MAX_TEXT_CHARS = 20_000
MAX_NOTE_CHARS = 4000


@dataclass(frozen=True)
class Receipt:
    """What the person who entered a request is told: its number and when it is due."""

    id: int
    received_on: dt.date
    due_on: dt.date


@dataclass(frozen=True)
class RequestSummary:
    id: int
    received_on: dt.date
    channel: str
    requester_name: str
    reply_by: str
    description: str
    status: str
    assigned_to: str | None
    due_on: dt.date
    """The deadline now: the extended one when there is one."""
    extended: bool
    urgency: str
    outcome: str | None
    closed_on: dt.date | None
    entered_by: str


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    by: str
    kind: str
    text: str


@dataclass(frozen=True)
class RequestFile:
    id: int
    request_id: int
    part: str
    file_name: str
    sha256: str
    media_type: str
    size_bytes: int
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class RequestDetail:
    summary: RequestSummary
    requester_contact: str
    first_due_on: dt.date
    extension_reason: str | None
    extended_by: str | None
    extended_on: dt.date | None
    response_summary: str | None
    closed_by: str | None
    events: list[Event]
    files: list[RequestFile]


def submit_request(
    connection: Connection,
    *,
    received_on: dt.date,
    channel: str,
    requester_name: str,
    requester_contact: str,
    reply_by: str,
    description: str,
    actor: Actor,
    today: dt.date,
    holidays: Collection[dt.date] = (),
) -> Receipt:
    """Enter a request; it goes to the Internal Affairs queue with its due date."""
    chosen_channel = _choice("channel", channel, Channel)
    chosen_reply = _choice("reply_by", reply_by, ReplyBy)
    name = required_text("requester_name", requester_name, MAX_NAME_CHARS)
    contact = required_text("requester_contact", requester_contact, MAX_CONTACT_CHARS)
    asked = required_text("description", description, MAX_TEXT_CHARS)
    received_on = past_date("received_on", received_on, today)
    due = response_due(received_on, holidays)
    now = dt.datetime.now(dt.UTC)
    request_id = int(
        connection.execute(
            insert(records_requests)
            .values(
                received_on=received_on,
                channel=chosen_channel.value,
                requester_name=name,
                requester_contact=contact,
                reply_by=chosen_reply.value,
                description=asked,
                entered_by=actor.username[:64],
                entered_at=now,
                status=Status.OPEN.value,
                due_on=due,
            )
            .returning(records_requests.c.id)
        ).scalar_one()
    )
    _event(
        connection,
        request_id,
        actor,
        "received",
        f"received {received_on} by {chosen_channel.value}; response due {due}",
        now,
    )
    _log(
        connection,
        actor,
        "records.submit",
        {
            "request": request_id,
            "received_on": received_on.isoformat(),
            "channel": chosen_channel.value,
            "due_on": due.isoformat(),
        },
    )
    return Receipt(request_id, received_on, due)


def list_requests(
    connection: Connection,
    *,
    today: dt.date,
    include_closed: bool = False,
    actor: Actor | None = None,
) -> list[RequestSummary]:
    """The queue, soonest due first; with ``actor``, the look is logged (``records.list``)."""
    query = select(records_requests)
    if not include_closed:
        query = query.where(records_requests.c.status != Status.CLOSED.value)
    rows = connection.execute(query.order_by(records_requests.c.id)).all()
    found = sorted((_summary(row, today) for row in rows), key=lambda s: (s.due_on, s.id))
    if actor is not None:
        _log(connection, actor, "records.list", {"include_closed": include_closed}, len(found))
    return found


def queue_counts(connection: Connection, today: dt.date) -> dict[Urgency, int]:
    """How many open requests are overdue, due soon and on time: the home page's flag."""
    counts = dict.fromkeys((Urgency.OVERDUE, Urgency.DUE_SOON, Urgency.ON_TIME), 0)
    rows = connection.execute(
        select(records_requests.c.due_on, records_requests.c.extended_due_on, func.count())
        .where(records_requests.c.status != Status.CLOSED.value)
        .group_by(records_requests.c.due_on, records_requests.c.extended_due_on)
    )
    for due_on, extended_on, count in rows:
        counts[urgency(current_due(due_on, extended_on), False, today)] += int(count)
    return counts


def request_detail(
    connection: Connection, request_id: int, *, today: dt.date, actor: Actor | None = None
) -> RequestDetail:
    """One request with its contact details, history and files; logged with ``actor``."""
    row = _row(connection, request_id)
    events = [
        Event(r.at, r.by, r.kind, r.text)
        for r in connection.execute(
            select(records_request_events)
            .where(records_request_events.c.request_id == request_id)
            .order_by(records_request_events.c.id)
        )
    ]
    files = [
        _file(r)
        for r in connection.execute(
            select(records_request_files)
            .where(records_request_files.c.request_id == request_id)
            .order_by(records_request_files.c.id)
        )
    ]
    if actor is not None:
        _log(connection, actor, "records.view", {"request": request_id})
    return RequestDetail(
        summary=_summary(row, today),
        requester_contact=row.requester_contact,
        first_due_on=row.due_on,
        extension_reason=row.extension_reason,
        extended_by=row.extended_by,
        extended_on=row.extended_on,
        response_summary=row.response_summary,
        closed_by=row.closed_by,
        events=events,
        files=files,
    )


def assign_request(connection: Connection, request_id: int, *, username: str, actor: Actor) -> None:
    """Give the request to a member of Internal Affairs (or an administrator) to answer."""
    row = _open_row(connection, request_id)
    name = required_text("username", username, 64)
    try:
        person = user_by_name(connection, name)
    except NotFound:
        raise InvalidInput(f"user {name}: no such user") from None
    if not allowed(person.role, Action.WORK_RECORDS_REQUESTS):
        raise InvalidInput(
            f"user {person.username}: role {person.role.value} does not work records requests;"
            " assign someone in Internal Affairs"
        )
    connection.execute(
        update(records_requests)
        .where(records_requests.c.id == request_id)
        .values(assigned_to=person.username, status=Status.IN_PROGRESS.value)
    )
    before = f" (was {row.assigned_to})" if row.assigned_to else ""
    _event(connection, request_id, actor, "assigned", f"assigned to {person.username}{before}")
    _log(
        connection, actor, "records.assign", {"request": request_id, "assigned_to": person.username}
    )


def add_note(connection: Connection, request_id: int, *, text: str, actor: Actor) -> None:
    _row(connection, request_id)
    note = required_text("note", text, MAX_NOTE_CHARS)
    _event(connection, request_id, actor, "note", note)
    _log(connection, actor, "records.note", {"request": request_id})


def extend_request(
    connection: Connection,
    request_id: int,
    *,
    reason: str,
    noticed_on: dt.date,
    actor: Actor,
    today: dt.date,
    holidays: Collection[dt.date] = (),
) -> dt.date:
    """Extend the deadline once by 14 days for the reason given in the written notice."""
    row = _row(connection, request_id)
    why = required_text("reason", reason, MAX_NOTE_CHARS)
    refusal = extension_refusal(
        received_on=row.received_on,
        due_on=row.due_on,
        already_extended=row.extended_due_on is not None,
        closed=row.status == Status.CLOSED.value,
        noticed_on=noticed_on,
        today=today,
    )
    if refusal:
        raise InvalidInput(f"request {request_id}: {refusal}")
    new_due: dt.date = max(
        extended_due(row.received_on, holidays), row.due_on + dt.timedelta(days=1)
    )
    connection.execute(
        update(records_requests)
        .where(records_requests.c.id == request_id)
        .values(
            extended_due_on=new_due,
            extension_reason=why,
            extended_by=actor.username[:64],
            extended_on=noticed_on,
        )
    )
    _event(
        connection,
        request_id,
        actor,
        "extended",
        f"due date extended from {row.due_on} to {new_due} (notice of {noticed_on}): {why}",
    )
    _log(
        connection,
        actor,
        "records.extend",
        {
            "request": request_id,
            "due_on": new_due.isoformat(),
            "noticed_on": noticed_on.isoformat(),
        },
    )
    return new_due


def attach_file(
    connection: Connection,
    files: AttachmentFiles,
    request_id: int,
    *,
    part: str,
    file_name: str,
    data: bytes,
    actor: Actor,
) -> RequestFile:
    """Keep a file with the request: the requester's letter or part of the response package."""
    row = _row(connection, request_id)
    if part not in ("request", "response"):
        raise InvalidInput(f"part {part!r}: must be request or response")
    if row.status == Status.CLOSED.value:
        raise InvalidInput(f"request {request_id}: closed on {row.closed_on}; its files are final")
    name = clean_file_name(file_name)
    stored = files.put(data, name)
    now = dt.datetime.now(dt.UTC)
    file_id = connection.execute(
        insert(records_request_files)
        .values(
            request_id=request_id,
            part=part,
            file_name=name,
            sha256=stored.sha256,
            media_type=stored.media_type,
            size_bytes=stored.size_bytes,
            added_by=actor.username[:64],
            added_at=now,
        )
        .returning(records_request_files.c.id)
    ).scalar_one()
    _event(
        connection,
        request_id,
        actor,
        "file",
        f"{part} file {name} ({stored.size_bytes} bytes, sha256 {stored.sha256})",
        now,
    )
    _log(
        connection,
        actor,
        "records.file.add",
        {
            "request": request_id,
            "part": part,
            "file_name": name,
            "sha256": stored.sha256,
        },
    )
    return request_file(connection, request_id, int(file_id))


def request_file(
    connection: Connection, request_id: int, file_id: int, *, actor: Actor | None = None
) -> RequestFile:
    row = connection.execute(
        select(records_request_files).where(
            records_request_files.c.id == file_id,
            records_request_files.c.request_id == request_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"request {request_id}: no file {file_id}")
    if actor is not None:
        _log(
            connection,
            actor,
            "records.file.get",
            {"request": request_id, "file": file_id, "sha256": row.sha256},
        )
    return _file(row)


def close_request(
    connection: Connection,
    request_id: int,
    *,
    outcome: str,
    summary: str,
    closed_on: dt.date,
    actor: Actor,
    today: dt.date,
) -> RequestSummary:
    """Record the response sent: what was released or why not, and when."""
    row = _open_row(connection, request_id)
    chosen = _choice("outcome", outcome, Outcome)
    what = required_text("summary", summary, MAX_TEXT_CHARS)
    if chosen in NEEDS_GROUNDS and len(what) < 10:
        raise InvalidInput(f"outcome {chosen.value}: the summary must cite the exemption relied on")
    closed_on = past_date("closed_on", closed_on, today)
    if closed_on < row.received_on:
        raise InvalidInput(
            f"closed_on {closed_on}: before the request was received ({row.received_on})"
        )
    connection.execute(
        update(records_requests)
        .where(records_requests.c.id == request_id)
        .values(
            status=Status.CLOSED.value,
            outcome=chosen.value,
            response_summary=what,
            closed_on=closed_on,
            closed_by=actor.username[:64],
        )
    )
    due = current_due(row.due_on, row.extended_due_on)
    late = f", {(closed_on - due).days} days after it was due" if closed_on > due else ""
    _event(connection, request_id, actor, "closed", f"{chosen.value} on {closed_on}{late}: {what}")
    _log(
        connection,
        actor,
        "records.close",
        {
            "request": request_id,
            "outcome": chosen.value,
            "closed_on": closed_on.isoformat(),
            "late": closed_on > due,
        },
    )
    return _summary(_row(connection, request_id), today)


def _choice(field: str, value: str, kind: type[E]) -> E:
    try:
        return kind((value or "").strip().lower())
    except ValueError:
        choices = ", ".join(k.value for k in kind)
        raise InvalidInput(f"{field} {value!r}: must be one of {choices}") from None


def _row(connection: Connection, request_id: int) -> Any:
    row = connection.execute(
        select(records_requests).where(records_requests.c.id == request_id)
    ).first()
    if row is None:
        raise NotFound(f"request {request_id}: no such records request")
    return row


def _open_row(connection: Connection, request_id: int) -> Any:
    row = _row(connection, request_id)
    if row.status == Status.CLOSED.value:
        raise InvalidInput(f"request {request_id}: already closed on {row.closed_on}")
    return row


def _summary(row: Any, today: dt.date) -> RequestSummary:
    due = current_due(row.due_on, row.extended_due_on)
    closed = row.status == Status.CLOSED.value
    return RequestSummary(
        id=row.id,
        received_on=row.received_on,
        channel=row.channel,
        requester_name=row.requester_name,
        reply_by=row.reply_by,
        description=row.description,
        status=row.status,
        assigned_to=row.assigned_to,
        due_on=due,
        extended=row.extended_due_on is not None,
        urgency=urgency(due, closed, today).value,
        outcome=row.outcome,
        closed_on=row.closed_on,
        entered_by=row.entered_by,
    )


def _file(row: Any) -> RequestFile:
    return RequestFile(
        id=row.id,
        request_id=row.request_id,
        part=row.part,
        file_name=row.file_name,
        sha256=row.sha256,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        added_by=row.added_by,
        added_at=row.added_at,
    )


def _event(
    connection: Connection,
    request_id: int,
    actor: Actor,
    kind: str,
    text: str,
    at: dt.datetime | None = None,
) -> None:
    connection.execute(
        insert(records_request_events).values(
            request_id=request_id,
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
