"""The retention periods as cut-off times: what is older than these, and not held, goes.

``as_of`` is the moment the rules are applied for: now for a real run; another time for a dry
run that asks what that date will remove. A time in the past removes less, so a real run may
use one; a real run in the future would destroy data before its period ends and is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plateward.errors import InvalidInput
from plateward.settings import RetentionSettings

CLASS_LABELS = {
    "reads": "Reads without a hot list hit",
    "hit_reads": "Reads with a hot list hit",
    "images": "Plate and context images",
    "alerts": "Alerts (with verification and deliveries)",
    "access_log": "Access log entries",
    "audit_records": "Closed audits (samples and verdicts)",
}
CLASS_DAYS = {
    "reads": "reads_days",
    "hit_reads": "hit_reads_days",
    "images": "images_days",
    "alerts": "alerts_days",
    "access_log": "access_log_days",
    "audit_records": "audit_records_days",
}


@dataclass(frozen=True)
class Cutoffs:
    """For each class of data, the capture (or entry) time before which it is past its period."""

    as_of: dt.datetime
    reads: dt.datetime
    hit_reads: dt.datetime
    images: dt.datetime
    alerts: dt.datetime
    access_log: dt.datetime
    audit_records: dt.datetime

    @classmethod
    def of(cls, periods: RetentionSettings, as_of: dt.datetime) -> Cutoffs:
        if as_of.utcoffset() is None:
            raise InvalidInput(f"as of {as_of.isoformat()}: give a UTC offset")
        at = as_of.astimezone(dt.UTC)

        def before(days: int) -> dt.datetime:
            return at - dt.timedelta(days=days)

        return cls(
            as_of=at,
            reads=before(periods.reads_days),
            hit_reads=before(periods.hit_reads_days),
            # A read's images go with it in any case; a shorter period strips them earlier.
            images=before(periods.images_days),
            alerts=before(periods.alerts_days),
            access_log=before(periods.access_log_days),
            audit_records=before(periods.audit_records_days),
        )

    def of_class(self, data_class: str) -> dt.datetime:
        moment: dt.datetime = getattr(self, data_class)
        return moment


def check_as_of(as_of: dt.datetime | None, now: dt.datetime, *, dry_run: bool) -> dt.datetime:
    """The moment to apply the rules for; a real run may not look ahead of now."""
    if as_of is None:
        return now
    if as_of.utcoffset() is None:
        raise InvalidInput(f"as of {as_of.isoformat()}: give a UTC offset")
    if as_of > now and not dry_run:
        raise InvalidInput(
            f"as of {as_of.isoformat()}: a real run may not apply the rules for a time still to"
            " come, since it would destroy data before its period ends; use --dry-run to see"
            " what that date will remove"
        )
    return as_of.astimezone(dt.UTC)
