"""When a camera is silent or reading far below its usual rate: pure functions of what was seen.

Silent: nothing from the camera (no read, no heartbeat) for longer than the threshold of its
kind; a patrol car's camera is off while the car is parked, so its threshold is longer. A
camera never heard from counts from the day it was registered.

Slow: a fixed camera's reads over the last few hours against its usual count for the same
hours of the day, the median over the previous days (traffic at 3 am is not traffic at 5 pm,
and the median ignores a day the camera was down). It is judged only when the usual count is
big enough to mean something and there are at least ``MIN_HISTORY_DAYS`` days of history; a
patrol car's rate follows its patrol, not the camera's health, so vehicles are judged on
silence alone. A silent camera is not also reported slow.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

MIN_HISTORY_DAYS = 3


class NoticeKind(StrEnum):
    SILENT = "silent"
    LOW_RATE = "low_rate"


@dataclass(frozen=True)
class Thresholds:
    fixed_silence: dt.timedelta
    vehicle_silence: dt.timedelta
    window: dt.timedelta
    low_rate_ratio: float
    min_usual_reads: int


@dataclass(frozen=True)
class Observation:
    kind: str
    """fixed or vehicle"""
    registered_at: dt.datetime
    last_read_at: dt.datetime | None
    last_heartbeat_at: dt.datetime | None
    recent_reads: int
    """Reads captured in the last ``Thresholds.window``."""
    daily_reads: Sequence[int]
    """Reads in the same window of each earlier day the camera existed, newest day first."""


def last_heard(observation: Observation) -> dt.datetime:
    moments = [observation.registered_at, observation.last_read_at, observation.last_heartbeat_at]
    return max(m for m in moments if m is not None)


def usual_reads(observation: Observation) -> float | None:
    """The median count over the earlier days; None with too little history to judge."""
    if len(observation.daily_reads) < MIN_HISTORY_DAYS:
        return None
    return float(statistics.median(observation.daily_reads))


def problems(
    observation: Observation, thresholds: Thresholds, now: dt.datetime
) -> dict[NoticeKind, str]:
    """What is wrong with the camera now, each with a line saying why; empty when nothing is."""
    limit = (
        thresholds.vehicle_silence if observation.kind == "vehicle" else thresholds.fixed_silence
    )
    quiet = now - last_heard(observation)
    if quiet > limit:
        return {
            NoticeKind.SILENT: f"nothing heard for {_span(quiet)} (limit {_span(limit)}); last"
            f" read {_when(observation.last_read_at)}, last heartbeat"
            f" {_when(observation.last_heartbeat_at)}"
        }
    usual = usual_reads(observation)
    if (
        observation.kind == "fixed"
        and usual is not None
        and usual >= thresholds.min_usual_reads
        and observation.recent_reads < thresholds.low_rate_ratio * usual
    ):
        hours = thresholds.window / dt.timedelta(hours=1)
        return {
            NoticeKind.LOW_RATE: f"{observation.recent_reads} reads in the last {hours:g} h"
            f" against {usual:g} usually at this time of day (below"
            f" {thresholds.low_rate_ratio:.0%})"
        }
    return {}


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def _when(moment: dt.datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"
