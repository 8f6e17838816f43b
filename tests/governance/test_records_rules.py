"""The Public Records Act's clock: 10 days, rolled past weekends and holidays, one extension."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.governance.records.rules import (
    Urgency,
    extended_due,
    extension_refusal,
    next_business_day,
    response_due,
    urgency,
)

HOLIDAYS = frozenset({dt.date(2026, 12, 25), dt.date(2027, 1, 1)})


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 11, 2), dt.date(2026, 11, 12)),  # Monday -> Thursday
        (dt.date(2026, 11, 4), dt.date(2026, 11, 16)),  # day 10 a Saturday -> Monday
        (dt.date(2026, 11, 5), dt.date(2026, 11, 16)),  # day 10 a Sunday -> Monday
        (dt.date(2026, 12, 15), dt.date(2026, 12, 28)),  # day 10 Christmas -> Monday 28th
        (dt.date(2026, 12, 22), dt.date(2027, 1, 4)),  # New Year's Day, then the weekend
    ],
)
def test_the_response_is_due_ten_days_after_receipt_on_a_business_day(
    received: dt.date, due: dt.date
) -> None:
    assert response_due(received, HOLIDAYS) == due


def test_the_extension_runs_24_days_from_receipt() -> None:
    assert extended_due(dt.date(2026, 11, 2)) == dt.date(2026, 11, 26)
    assert extended_due(dt.date(2026, 11, 4)) == dt.date(2026, 11, 30)  # the 28th is a Saturday


@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 1, 1)), st.sets(st.dates(), max_size=20))
def test_due_dates_are_business_days_no_earlier_than_the_law_allows(
    received: dt.date, holidays: set[dt.date]
) -> None:
    due = response_due(received, holidays)
    later = extended_due(received, holidays)
    for day in (due, later):
        assert day.weekday() < 5 and day not in holidays
    assert due >= received + dt.timedelta(days=10)
    assert later >= received + dt.timedelta(days=24) and later > due
    # Rolling forward never skips a business day: every day in between is a day off.
    for offset in range((due - received).days - 10):
        skipped = received + dt.timedelta(days=10 + offset)
        assert skipped.weekday() >= 5 or skipped in holidays
    assert next_business_day(due, holidays) == due


def test_one_extension_noticed_within_the_first_period() -> None:
    received, due, today = dt.date(2026, 11, 2), dt.date(2026, 11, 12), dt.date(2026, 11, 20)
    base = {"received_on": received, "due_on": due, "today": today}
    assert extension_refusal(**base, already_extended=False, closed=False, noticed_on=due) is None
    assert "already extended once" in str(
        extension_refusal(**base, already_extended=True, closed=False, noticed_on=due)
    )
    assert "after the response was due" in str(
        extension_refusal(
            **base, already_extended=False, closed=False, noticed_on=due + dt.timedelta(days=1)
        )
    )
    assert "before the request was received" in str(
        extension_refusal(
            **base, already_extended=False, closed=False, noticed_on=received - dt.timedelta(days=1)
        )
    )
    assert "after today" in str(
        extension_refusal(
            received_on=received,
            due_on=due,
            today=dt.date(2026, 11, 5),
            already_extended=False,
            closed=False,
            noticed_on=dt.date(2026, 11, 6),
        )
    )
    assert "closed" in str(
        extension_refusal(**base, already_extended=False, closed=True, noticed_on=due)
    )


@pytest.mark.parametrize(
    ("today", "closed", "expected"),
    [
        (dt.date(2026, 11, 1), False, Urgency.ON_TIME),
        (dt.date(2026, 11, 10), False, Urgency.DUE_SOON),
        (dt.date(2026, 11, 12), False, Urgency.DUE_SOON),
        (dt.date(2026, 11, 13), False, Urgency.OVERDUE),
        (dt.date(2026, 11, 13), True, Urgency.CLOSED),
    ],
)
def test_urgency(today: dt.date, closed: bool, expected: Urgency) -> None:
    assert urgency(dt.date(2026, 11, 12), closed, today) is expected
