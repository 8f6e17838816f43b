"""Retention periods in the settings: whole days, at least one, in an order that makes sense."""

from __future__ import annotations

import datetime as dt

import pytest

from plateward.errors import ConfigurationError, InvalidInput
from plateward.retention.periods import Cutoffs, check_as_of
from plateward.settings import load_settings


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ({"reads_days": 0}, ("retention.reads_days: Value error, a retention period must be at"
                            " least 1 day, not 0")),
        ({"images_days": -5}, ("retention.images_days: Value error, a retention period must be"
                              " at least 1 day, not -5")),
        ({"audit_records_days": 50_000}, "over 100 years"),
        ({"reads_days": 60, "hit_reads_days": 30}, ("hit_reads_days (30) is shorter than"
                                                   " reads_days (60)")),
        ({"hit_reads_days": 400, "alerts_days": 100}, ("alerts_days (100) is shorter than"
                                                      " hit_reads_days (400)")),
    ],
)  # fmt: skip
def test_bad_periods_are_refused_naming_the_setting(periods: dict[str, int], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(retention=periods)


def test_cutoffs_and_the_moment_a_run_applies_them() -> None:
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    cut = Cutoffs.of(load_settings().retention, now)
    assert cut.reads == now - dt.timedelta(days=30)
    assert cut.hit_reads == now - dt.timedelta(days=365)
    assert check_as_of(None, now, dry_run=False) == now
    past = now - dt.timedelta(days=3)
    assert check_as_of(past, now, dry_run=False) == past
    ahead = now + dt.timedelta(days=3)
    assert check_as_of(ahead, now, dry_run=True) == ahead
    with pytest.raises(InvalidInput, match="time still to come"):
        check_as_of(ahead, now, dry_run=False)
    with pytest.raises(InvalidInput, match="UTC offset"):
        check_as_of(dt.datetime(2026, 1, 1), now, dry_run=True)


def test_sharing_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="sharing.home_state"):
        load_settings(sharing={"home_state": "California"})
    with pytest.raises(ConfigurationError, match="usage_policy.job_titles"):
        load_settings(usage_policy={"job_titles": {"sheriff": ["Sheriff"]}})
