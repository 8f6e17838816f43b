"""Certificates of completion: the copy each person hands the administrator (policy F.3, F.5).

Recording one stores the file and the row together and logs it, so what lets a person search
can always be traced to a file, its SHA-256, the day the course was completed and the person
who recorded it. A mistaken record is revoked, never deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from plateward.access.certificate_files import CertificateFiles
from plateward.access.schema import users
from plateward.access.training_courses import course_by_code
from plateward.access.training_log import log_change
from plateward.access.training_schema import certificates, courses
from plateward.access.users import user_by_name
from plateward.audit.actor import Actor
from plateward.errors import InvalidInput, NotFound

MAX_FILE_NAME_CHARS = 200
MAX_REASON_CHARS = 2000
EARLIEST = dt.date(2000, 1, 1)
"""No ALPR course certificate predates this; an earlier date is a typo."""


@dataclass(frozen=True)
class Certificate:
    id: int
    username: str
    course: str
    """The course's code."""
    course_title: str
    completed_on: dt.date
    expires_on: dt.date | None
    """From the course's current ``valid_days``; None: never expires."""
    file_sha256: str
    file_name: str
    media_type: str
    size_bytes: int
    recorded_by: str
    recorded_at: dt.datetime
    revoked_by: str | None
    revoked_at: dt.datetime | None
    revoked_reason: str | None


def expires_on(completed_on: dt.date, valid_days: int | None) -> dt.date | None:
    """The first day a certificate no longer counts; None when the course never expires."""
    return None if valid_days is None else completed_on + dt.timedelta(days=valid_days)


def record_certificate(
    connection: Connection, files: CertificateFiles, *, username: str, course: str,
    completed_on: dt.date, file_name: str, data: bytes, actor: Actor, today: dt.date,
) -> Certificate:  # fmt: skip
    """Store the file, add the row and log ``training.certificate``, in the caller's transaction."""
    user = user_by_name(connection, username)
    chosen = course_by_code(connection, course)
    if completed_on > today:
        raise InvalidInput(f"completed {completed_on}: after today ({today})")
    if completed_on < EARLIEST:
        raise InvalidInput(f"completed {completed_on}: before {EARLIEST}; check the date")
    name = _file_name(file_name)
    stored = files.put(data, name)
    certificate_id = connection.execute(
        insert(certificates)
        .values(
            user_id=user.id,
            course_id=chosen.id,
            completed_on=completed_on,
            file_sha256=stored.sha256,
            file_name=name,
            media_type=stored.media_type,
            size_bytes=stored.size_bytes,
            recorded_by=actor.username[:64],
            recorded_at=dt.datetime.now(dt.UTC),
        )
        .returning(certificates.c.id)
    ).scalar_one()
    log_change(
        connection,
        actor,
        "training.certificate",
        {"user": user.username, "course": chosen.code, "completed_on": completed_on.isoformat(),
         "file_name": name, "sha256": stored.sha256},
    )  # fmt: skip
    return certificate_by_id(connection, int(certificate_id))


def revoke_certificate(
    connection: Connection, certificate_id: int, *, reason: str, actor: Actor
) -> Certificate:
    """Take a certificate out of the gate (recorded for the wrong person, a forged copy, ...)."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"certificate {certificate_id}: say why it is revoked (1-2000 chars)")
    found = certificate_by_id(connection, certificate_id)
    if found.revoked_at is not None:
        raise InvalidInput(f"certificate {certificate_id}: already revoked on {found.revoked_at}")
    connection.execute(
        update(certificates)
        .where(certificates.c.id == certificate_id)
        .values(
            revoked_by=actor.username[:64],
            revoked_at=dt.datetime.now(dt.UTC),
            revoked_reason=reason,
        )
    )
    log_change(
        connection,
        actor,
        "training.certificate.revoke",
        {"certificate": certificate_id, "user": found.username, "course": found.course,
         "reason": reason},
    )  # fmt: skip
    return certificate_by_id(connection, certificate_id)


def certificate_by_id(connection: Connection, certificate_id: int) -> Certificate:
    row = connection.execute(_query().where(certificates.c.id == certificate_id)).first()
    if row is None:
        raise NotFound(f"certificate {certificate_id}: no such certificate")
    return _certificate(row)


def certificates_of(connection: Connection, username: str) -> list[Certificate]:
    """Every certificate on file for the person, revoked ones too, newest completion first."""
    user = user_by_name(connection, username)
    rows = connection.execute(
        _query()
        .where(certificates.c.user_id == user.id)
        .order_by(certificates.c.completed_on.desc(), certificates.c.id.desc())
    )
    return [_certificate(row) for row in rows]


def standing_certificates(
    connection: Connection, user_ids: list[int] | None = None
) -> dict[tuple[int, int], Certificate]:
    """The newest unrevoked certificate per (user id, course id): the one the gate judges by."""
    query = _query().where(certificates.c.revoked_at.is_(None))
    if user_ids is not None:
        query = query.where(certificates.c.user_id.in_(user_ids))
    newest: dict[tuple[int, int], Certificate] = {}
    for row in connection.execute(query.order_by(certificates.c.completed_on, certificates.c.id)):
        newest[(row.user_id, row.course_id)] = _certificate(row)
    return newest


def _query() -> Select[Any]:
    return (
        select(
            certificates,
            users.c.username,
            courses.c.code.label("course_code"),
            courses.c.title.label("course_title"),
            courses.c.valid_days,
        )
        .join(users, users.c.id == certificates.c.user_id)
        .join(courses, courses.c.id == certificates.c.course_id)
    )


def _certificate(row: Any) -> Certificate:
    return Certificate(
        id=row.id, username=row.username, course=row.course_code, course_title=row.course_title,
        completed_on=row.completed_on, expires_on=expires_on(row.completed_on, row.valid_days),
        file_sha256=row.file_sha256, file_name=row.file_name, media_type=row.media_type,
        size_bytes=row.size_bytes, recorded_by=row.recorded_by, recorded_at=row.recorded_at,
        revoked_by=row.revoked_by, revoked_at=row.revoked_at, revoked_reason=row.revoked_reason,
    )  # fmt: skip


def _file_name(name: str) -> str:
    """The base name only, printable, bounded: it is shown to people and never used as a path."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    return cleaned[-MAX_FILE_NAME_CHARS:] or "certificate"
