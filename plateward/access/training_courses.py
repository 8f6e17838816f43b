"""The course catalog: which courses exist, which roles must pass each, and for how long a pass counts.

The migration seeds the five courses policy F names (three Vigilant, two Flock) as required of
deputies, investigators and administrators, the roles that may search; auditors and internal
affairs read the log, not the data, so they need none. An agency that uses only one vendor
makes the other vendor's courses inactive rather than deleting them, so old certificates keep
naming a course that exists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from plateward.access.roles import Role
from plateward.access.training_log import log_change
from plateward.access.training_schema import course_roles, courses
from plateward.audit.actor import Actor
from plateward.errors import InvalidInput, NotFound
from plateward.store.database import savepoint

CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")
MAX_VALID_DAYS = 36_500
MAX_TITLE_CHARS = 200
MAX_SYSTEMS_CHARS = 2000


class Keep(Enum):
    """Leave a field as it is: ``None`` is a real value for ``valid_days`` (never expires)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class Course:
    id: int
    code: str
    title: str
    systems: str
    """What passing the course qualifies for, in the agency's words (e.g. the vendor's tool)."""
    required_for: tuple[Role, ...]
    valid_days: int | None
    active: bool


def list_courses(connection: Connection, *, active_only: bool = False) -> list[Course]:
    query = select(courses).order_by(courses.c.id)
    if active_only:
        query = query.where(courses.c.active.is_(True))
    rows = connection.execute(query).all()
    roles = _roles_by_course(connection, [row.id for row in rows])
    return [_course(row, roles.get(row.id, ())) for row in rows]


def course_by_code(connection: Connection, code: str) -> Course:
    row = connection.execute(select(courses).where(courses.c.code == _code(code))).first()
    if row is None:
        raise NotFound(f"course {code!r}: no such course (plateward training courses lists them)")
    return _course(row, _roles_by_course(connection, [row.id]).get(row.id, ()))


def add_course(
    connection: Connection, *, code: str, title: str, required_for: Iterable[str],
    actor: Actor, systems: str = "", valid_days: int | None = None, active: bool = True,
) -> Course:  # fmt: skip
    """Add a course to the catalog, logged under ``actor``."""
    code = _code(code)
    roles = parse_roles(required_for)
    now = dt.datetime.now(dt.UTC)
    values = {
        "code": code,
        "title": _title(title),
        "systems": _systems(systems),
        "valid_days": _valid_days(valid_days),
        "active": active,
        "created_at": now,
        "updated_at": now,
    }
    try:
        with savepoint(connection):  # a taken code leaves the caller's transaction usable
            course_id = connection.execute(
                insert(courses).values(**values).returning(courses.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        raise InvalidInput(f"course {code!r}: already exists; edit it instead") from exc
    _set_roles(connection, int(course_id), roles)
    course = course_by_code(connection, code)
    log_change(connection, actor, "training.course.add", _described(course))
    return course


def edit_course(
    connection: Connection, code: str, *, actor: Actor, title: str | None = None,
    systems: str | None = None, required_for: Iterable[str] | None = None,
    valid_days: int | None | Keep = KEEP, active: bool | None = None,
) -> Course:  # fmt: skip
    """Change what is given and leave the rest; the log entry holds the course as it now is.

    A new ``valid_days`` or role list applies to certificates already on file from the next
    request on: the gate reads the catalog each time, so no one keeps access the agency has
    since decided needs more training.
    """
    before = course_by_code(connection, code)
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = _title(title)
    if systems is not None:
        values["systems"] = _systems(systems)
    if not isinstance(valid_days, Keep):
        values["valid_days"] = _valid_days(valid_days)
    if active is not None:
        values["active"] = active
    roles = None if required_for is None else parse_roles(required_for)
    if not values and roles is None:
        raise InvalidInput(f"course {before.code}: nothing to change")
    values["updated_at"] = dt.datetime.now(dt.UTC)
    connection.execute(update(courses).where(courses.c.id == before.id).values(**values))
    if roles is not None:
        _set_roles(connection, before.id, roles)
    course = course_by_code(connection, before.code)
    log_change(connection, actor, "training.course.edit", _described(course))
    return course


def parse_roles(names: Iterable[str]) -> tuple[Role, ...]:
    """Role names in the table's order, each once; an unknown name is refused, naming the real ones."""
    chosen = set()
    for name in names:
        name = name.strip()
        if not name:
            continue
        try:
            chosen.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"role {name!r}: must be one of {known}") from None
    return tuple(r for r in Role if r in chosen)


def _set_roles(connection: Connection, course_id: int, roles: tuple[Role, ...]) -> None:
    connection.execute(delete(course_roles).where(course_roles.c.course_id == course_id))
    if roles:
        connection.execute(
            insert(course_roles), [{"course_id": course_id, "role": r.value} for r in roles]
        )


def _roles_by_course(connection: Connection, ids: list[int]) -> dict[int, tuple[Role, ...]]:
    found: dict[int, set[Role]] = {}
    if ids:
        rows = connection.execute(select(course_roles).where(course_roles.c.course_id.in_(ids)))
        for row in rows:
            found.setdefault(row.course_id, set()).add(Role(row.role))
    return {cid: tuple(r for r in Role if r in roles) for cid, roles in found.items()}


def _course(row: Any, roles: tuple[Role, ...]) -> Course:
    return Course(
        id=row.id, code=row.code, title=row.title, systems=row.systems, required_for=roles,
        valid_days=row.valid_days, active=bool(row.active),
    )  # fmt: skip


def _described(course: Course) -> dict[str, Any]:
    return {
        "course": course.code,
        "title": course.title,
        "required_for": [r.value for r in course.required_for],
        "valid_days": course.valid_days,
        "active": course.active,
    }


def _code(code: str) -> str:
    normal = code.strip().upper()
    if not CODE.fullmatch(normal):
        raise InvalidInput(
            f"course code {code!r}: 1-32 letters, digits, '.', '-' or '_', e.g. FLOCK-SEARCH"
        )
    return normal


def _title(title: str) -> str:
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE_CHARS:
        raise InvalidInput(f"course title {title!r}: 1-{MAX_TITLE_CHARS} characters")
    return title


def _systems(systems: str) -> str:
    systems = systems.strip()
    if len(systems) > MAX_SYSTEMS_CHARS:
        raise InvalidInput(f"course systems: over {MAX_SYSTEMS_CHARS} characters")
    return systems


def _valid_days(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_VALID_DAYS:
        raise InvalidInput(f"valid_days {days}: 1-{MAX_VALID_DAYS}, or none for no expiry")
    return days
