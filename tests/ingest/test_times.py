"""Capture times in seconds, milliseconds, microseconds and text, told apart and checked."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.ingest.formats.times import EARLIEST, Clock, TimeProblem, capture_time

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
MOMENT = dt.datetime(2025, 11, 20, 18, 15, 0, 123000, tzinfo=dt.UTC)


def clock(zone: dt.tzinfo | None = None) -> Clock:
    return Clock(zone, NOW + dt.timedelta(minutes=5))


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        (1763662500, None, MOMENT.replace(microsecond=0)),
        (1763662500.123, None, MOMENT),
        (1763662500123, None, MOMENT),
        ("1763662500123", None, MOMENT),
        (1763662500123000, None, MOMENT),
        (1763662500123000000, None, MOMENT),
        ("2025-11-20T18:15:00.123Z", None, MOMENT),
        ("2025-11-20T10:15:00.123-08:00", None, MOMENT),
        ("2025-11-20 10:15:00.123-08:00", None, MOMENT),
        ("2025-11-20 18:15:00.123 UTC", None, MOMENT),
        ("2025-11-20 10:15:00.123", LA, MOMENT),
        ("11/20/2025 10:15:00 AM", LA, MOMENT.replace(microsecond=0)),
        ("11/20/2025, 06:15:00 PM UTC", None, MOMENT.replace(microsecond=0)),
        ("11/20/2025 18:15", dt.UTC, MOMENT.replace(microsecond=0)),
        ("20.11.2025 19:15:00", zoneinfo.ZoneInfo("Europe/Berlin"), MOMENT.replace(microsecond=0)),
    ],
)
def test_times_are_told_apart(value: object, zone: dt.tzinfo | None, expected: dt.datetime) -> None:
    assert capture_time(value, clock(zone)) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "missing"),
        ("", "missing"),
        (True, "missing"),
        ("yesterday", "not a time Plateward reads"),
        ("2025-11-20 10:15:00", "has no UTC offset: give --timezone"),
        ("11/20/2025 10:15:00 AM", "has no UTC offset"),
        (0, "before 2000"),
        (86400000, "before 2000"),  # a day of milliseconds read as seconds would be 1972
        (1e20, "in the future"),
        (1e30, "not a plausible time"),
        ("2031-01-01T00:00:00Z", "in the future"),
        (float("nan"), "not a time"),
        ("13/45/2025 10:00", "not a time Plateward reads"),
        ([1, 2], "expected a time"),
    ],
)
def test_bad_times_are_refused_saying_why(value: object, message: str) -> None:
    with pytest.raises(TimeProblem, match=message):
        capture_time(value, clock())


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 2), max_value=dt.datetime(2026, 12, 1),
        timezones=st.just(dt.UTC),
    )
)  # fmt: skip
def test_every_unit_gives_the_same_moment(moment: dt.datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    seconds = moment.timestamp()
    for value in (seconds, round(seconds * 1000), round(seconds * 1_000_000), moment.isoformat()):
        found = capture_time(value, clock())
        assert abs((found - moment).total_seconds()) < 0.002, value
    assert found >= EARLIEST
