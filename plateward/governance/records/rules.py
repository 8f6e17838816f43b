"""The California Public Records Act's clock, as pure functions of dates.

Gov. Code 7922.535(a): within 10 days of receiving a request, the agency tells the requester
whether it has disclosable records. 7922.535(b): in unusual circumstances it may extend that
once, by written notice giving the reasons, by no more than 14 days. Days are calendar days;
when the last one falls on a Saturday, Sunday or holiday, the time runs to the next business
day (Code Civ. Proc. 12a), so the due date rolls forward past them. The extension is counted
from receipt (10 + 14 = 24 days), then rolled the same way.

Days are UTC days, like every date Plateward keeps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from enum import StrEnum

RESPONSE_DAYS = 10
EXTENSION_DAYS = 14
DUE_SOON_DAYS = 2
"""A request due within this many days is flagged before it is late."""


class Channel(StrEnum):
    """How the request reached the agency."""

    WEB = "web"
    COUNTER = "counter"
    MAIL = "mail"
    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"


class ReplyBy(StrEnum):
    """How the requester asked to be answered."""

    EMAIL = "email"
    MAIL = "mail"
    PICKUP = "pickup"
    PHONE = "phone"


class Status(StrEnum):
    OPEN = "open"
    """Received, nobody assigned yet."""
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Outcome(StrEnum):
    RELEASED = "released"
    PARTLY_RELEASED = "partly_released"
    WITHHELD = "withheld"
    NO_RECORDS = "no_records"
    WITHDRAWN = "withdrawn"


NEEDS_GROUNDS = frozenset({Outcome.PARTLY_RELEASED, Outcome.WITHHELD})
"""Outcomes that withhold records: the response must cite the exemption (Gov. Code 7922.540)."""


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"
    CLOSED = "closed"


def next_business_day(day: dt.date, holidays: Collection[dt.date] = ()) -> dt.date:
    """``day`` itself unless it is a Saturday, Sunday or holiday; else the next day that is not."""
    while day.weekday() >= 5 or day in holidays:
        day += dt.timedelta(days=1)
    return day


def response_due(received_on: dt.date, holidays: Collection[dt.date] = ()) -> dt.date:
    return next_business_day(received_on + dt.timedelta(days=RESPONSE_DAYS), holidays)


def extended_due(received_on: dt.date, holidays: Collection[dt.date] = ()) -> dt.date:
    return next_business_day(
        received_on + dt.timedelta(days=RESPONSE_DAYS + EXTENSION_DAYS), holidays
    )


def extension_refusal(
    *,
    received_on: dt.date,
    due_on: dt.date,
    already_extended: bool,
    closed: bool,
    noticed_on: dt.date,
    today: dt.date,
) -> str | None:
    """Why the deadline may not be extended with a notice sent ``noticed_on``; None if it may."""
    if closed:
        return "closed: a closed request has no deadline to extend"
    if already_extended:
        return "already extended once; the law allows one extension"
    if noticed_on > today:
        return f"extension notice dated {noticed_on}: after today ({today})"
    if noticed_on < received_on:
        return (
            f"extension notice dated {noticed_on}: before the request was received ({received_on})"
        )
    if noticed_on > due_on:
        return (
            f"extension notice dated {noticed_on}: after the response was due ({due_on}); the"
            " notice must be sent within the first period"
        )
    return None


def current_due(due_on: dt.date, extended_due_on: dt.date | None) -> dt.date:
    return extended_due_on or due_on


def urgency(due: dt.date, closed: bool, today: dt.date) -> Urgency:
    if closed:
        return Urgency.CLOSED
    if today > due:
        return Urgency.OVERDUE
    if (due - today).days <= DUE_SOON_DAYS:
        return Urgency.DUE_SOON
    return Urgency.ON_TIME
