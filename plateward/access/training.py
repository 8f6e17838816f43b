"""The training gate (policy F) and the list of qualified operators (policy D.2).

"Only those who are properly trained may ... access ALPR data": a role that allows a search is
not enough. Every data action (``roles.NEEDS_TRAINING``) also needs, for each active course the
catalog requires of the person's role, an unrevoked certificate that has not expired. The gate
reads the catalog and the certificates on every request, so an expiry, a revocation or a newly
required course takes effect at once, with no cache to go stale.

Days are UTC days, like the rest of Plateward's dates: a certificate that expires on 1 May
stops counting at midnight UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select

from plateward.access.roles import NEEDS_TRAINING, PERMISSIONS, Action, Role
from plateward.access.schema import users
from plateward.access.training_certificates import (
    Certificate,
    expires_on,
    standing_certificates,
)
from plateward.access.training_courses import Course, list_courses
from plateward.access.users import User, user_by_id


@dataclass(frozen=True)
class Missing:
    """A course the person needs and lacks: never passed, or passed too long ago."""

    course: Course
    expired_on: dt.date | None
    """When the newest certificate stopped counting; None: there is no certificate at all."""

    def describe(self) -> str:
        why = "no certificate" if self.expired_on is None else f"expired {self.expired_on}"
        return f"{self.course.title} ({why})"


@dataclass(frozen=True)
class Standing:
    """One person's training as of a day: the certificates that count and what is missing."""

    user: User
    certificates: tuple[Certificate, ...]
    missing: tuple[Missing, ...]

    @property
    def qualified(self) -> bool:
        return not self.missing


TRAINED_ROLES: tuple[Role, ...] = tuple(
    role for role in Role if any(role in PERMISSIONS[action] for action in NEEDS_TRAINING)
)
"""The roles that may touch ALPR data at all: the only ones the qualified list is about."""


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def is_current(completed_on: dt.date, valid_days: int | None, today: dt.date) -> bool:
    end = expires_on(completed_on, valid_days)
    return end is None or today < end


def missing_training(connection: Connection, user: User, today: dt.date) -> list[Missing]:
    """The courses ``user``'s role requires without a current certificate, in catalog order."""
    return list(_standing(user, list_courses(connection, active_only=True),
                          standing_certificates(connection, [user.id]), today).missing)  # fmt: skip


def training_refusal(
    connection: Connection, user: User, action: Action, today: dt.date
) -> str | None:
    """Why ``user`` may not do ``action`` for want of training; None if training is no bar."""
    if action not in NEEDS_TRAINING:
        return None
    missing = missing_training(connection, user, today)
    if not missing:
        return None
    return "training required: " + "; ".join(m.describe() for m in missing)


def training_standings(connection: Connection, today: dt.date) -> list[Standing]:
    """Every enabled account whose role may touch the data, by username, as of ``today``."""
    catalog = list_courses(connection, active_only=True)
    held = standing_certificates(connection)
    ids = connection.execute(
        select(users.c.id)
        .where(users.c.disabled_at.is_(None), users.c.role.in_([r.value for r in TRAINED_ROLES]))
        .order_by(users.c.username)
    ).scalars()
    return [_standing(user_by_id(connection, i), catalog, held, today) for i in ids]


def _standing(
    user: User, catalog: list[Course], held: dict[tuple[int, int], Certificate], today: dt.date
) -> Standing:
    current: list[Certificate] = []
    missing: list[Missing] = []
    for course in catalog:
        if user.role not in course.required_for:
            continue
        certificate = held.get((user.id, course.id))
        if certificate is None:
            missing.append(Missing(course, None))
        elif is_current(certificate.completed_on, course.valid_days, today):
            current.append(certificate)
        else:
            missing.append(Missing(course, certificate.expires_on))
    return Standing(user, tuple(current), tuple(missing))
