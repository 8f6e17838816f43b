"""When a camera is silent or slow: thresholds by kind, the median of earlier days."""

from __future__ import annotations

import datetime as dt

import pytest

from plateward.governance.health.rules import (
    NoticeKind,
    Observation,
    Thresholds,
    problems,
    usual_reads,
)

NOW = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
LIMITS = Thresholds(
    fixed_silence=dt.timedelta(minutes=60),
    vehicle_silence=dt.timedelta(hours=72),
    window=dt.timedelta(hours=3),
    low_rate_ratio=0.2,
    min_usual_reads=30,
)
LONG_AGO = NOW - dt.timedelta(days=90)


def seen(
    kind: str = "fixed",
    read_ago: dt.timedelta | None = dt.timedelta(minutes=5),
    beat_ago: dt.timedelta | None = None,
    recent: int = 100,
    daily: tuple[int, ...] = (100,) * 14,
) -> Observation:
    return Observation(
        kind=kind,
        registered_at=LONG_AGO,
        last_read_at=None if read_ago is None else NOW - read_ago,
        last_heartbeat_at=None if beat_ago is None else NOW - beat_ago,
        recent_reads=recent,
        daily_reads=daily,
    )


@pytest.mark.parametrize(
    ("observation", "expected"),
    [
        (seen(), set()),
        (seen(read_ago=dt.timedelta(minutes=61), recent=0), {NoticeKind.SILENT}),
        # A heartbeat keeps a quiet camera from counting as silent...
        (
            seen(
                read_ago=dt.timedelta(hours=5),
                beat_ago=dt.timedelta(minutes=1),
                daily=(0,) * 14,
                recent=0,
            ),
            set(),
        ),
        # ...but not from counting as slow when the road is usually busy.
        (
            seen(read_ago=dt.timedelta(hours=5), beat_ago=dt.timedelta(minutes=1), recent=0),
            {NoticeKind.LOW_RATE},
        ),
        (seen(kind="vehicle", read_ago=dt.timedelta(hours=30), recent=0), set()),
        (seen(kind="vehicle", read_ago=dt.timedelta(hours=73), recent=0), {NoticeKind.SILENT}),
        (seen(kind="vehicle", recent=0), set()),  # a patrol car's rate says nothing
        (seen(recent=19), {NoticeKind.LOW_RATE}),
        (seen(recent=20), set()),
        (seen(recent=0, daily=(29,) * 14), set()),  # too few usually to judge
        (seen(recent=0, daily=(100, 100)), set()),  # too little history
        (seen(read_ago=None, recent=0), {NoticeKind.SILENT}),  # never heard, registered long ago
    ],
)
def test_problems(observation: Observation, expected: set[NoticeKind]) -> None:
    assert set(problems(observation, LIMITS, NOW)) == expected


def test_the_usual_rate_is_the_median_so_an_outage_day_does_not_lower_it() -> None:
    assert usual_reads(seen(daily=(100, 0, 0, 120, 90, 110, 100))) == 100
    assert usual_reads(seen(daily=(5, 6))) is None


def test_a_new_camera_counts_its_silence_from_registration() -> None:
    new = Observation("fixed", NOW - dt.timedelta(minutes=30), None, None, 0, ())
    assert problems(new, LIMITS, NOW) == {}
    old = Observation("fixed", NOW - dt.timedelta(minutes=90), None, None, 0, ())
    assert "nothing heard for 90 min" in problems(old, LIMITS, NOW)[NoticeKind.SILENT]
