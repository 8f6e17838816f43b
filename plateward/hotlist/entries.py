"""One hot list entry's values, checked: from a form, an API body or a line of a file.

Every way an entry comes in ends here, so the rules (plate or pattern, reason, state, dates,
lengths, no immigration enforcement) are the same for a BOLO typed by a deputy and for line
812,344 of the evening NCIC extract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from plateward.errors import InvalidInput
from plateward.hotlist.reasons import DEFAULT_PRIORITY, Reason, parse_reason
from plateward.hotlist.rules import entry_plate, entry_priority, entry_state, entry_window

TEXT_LIMITS = {
    "case_number": 64,
    "ori": 16,
    "ncic_number": 16,
    "plate_type": 8,
    "plate_year": 8,
    "vehicle_year": 8,
    "vehicle_make": 32,
    "vehicle_model": 32,
    "vehicle_style": 16,
    "vehicle_color": 32,
    "theft_date": 16,
    "notes": 2000,
}
"""The free-text fields and their longest values, as the columns hold them."""

_CONTROL = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
"""Control characters (tabs and line ends aside), deleted from free text by ``str.translate``."""


@dataclass(slots=True)
class EntryValues:
    """Not frozen: an import builds one per line, and a frozen dataclass sets each of its
    nineteen fields through ``object.__setattr__``."""

    plate: str
    is_pattern: bool
    state: str | None
    reason: Reason
    priority: int
    case_number: str | None = None
    ori: str | None = None
    ncic_number: str | None = None
    plate_type: str | None = None
    plate_year: str | None = None
    vehicle_year: str | None = None
    vehicle_make: str | None = None
    vehicle_model: str | None = None
    vehicle_style: str | None = None
    vehicle_color: str | None = None
    theft_date: str | None = None
    notes: str | None = None
    starts_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    def key(self) -> tuple[str, str, str]:
        """What makes two lines the same entry of a list: plate, state and reason."""
        return self.plate, self.state or "", self.reason.value

    def row(self) -> dict[str, Any]:
        return {
            "plate": self.plate,
            "is_pattern": self.is_pattern,
            "state": self.state,
            "reason": self.reason.value,
            "priority": self.priority,
            **{name: getattr(self, name) for name in TEXT_LIMITS},
            "starts_at": self.starts_at,
            "expires_at": self.expires_at,
        }


def entry_values(
    fields: dict[str, Any],
    where: str,
    now: dt.datetime,
    *,
    default_expires_at: dt.datetime | None = None,
) -> EntryValues:
    """Check and normalise one entry; raises ``InvalidInput`` (or ``ImmigrationRefused``).

    ``fields`` holds text (a file's line, a form) or typed values (an API body) under the
    names of ``files.COLUMNS``. An entry without an expiry gets ``default_expires_at``.
    """
    reason = parse_reason(str(fields.get("reason") or ""), where)
    plate, is_pattern = entry_plate(str(fields.get("plate") or ""), where)
    texts: dict[str, str | None] = {}
    for name, limit in TEXT_LIMITS.items():
        value = fields.get(name)
        text = None if value is None else str(value).translate(_CONTROL).strip() or None
        if text is not None and len(text) > limit:
            raise InvalidInput(f"{where}: {name} is longer than {limit} characters")
        texts[name] = text
    starts_at = _when(fields.get("starts_at"), f"{where}: starts_at", end_of_day=False)
    expires_at = _when(fields.get("expires_at"), f"{where}: expires_at", end_of_day=True)
    if expires_at is None:
        expires_at = default_expires_at
    entry_window(starts_at, expires_at, now, where)
    return EntryValues(
        plate=plate,
        is_pattern=is_pattern,
        state=entry_state(_text(fields.get("state")), where),
        reason=reason,
        priority=entry_priority(fields.get("priority"), DEFAULT_PRIORITY[reason], where),
        starts_at=starts_at,
        expires_at=expires_at,
        **texts,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%m/%d/%y")


def _when(value: Any, where: str, *, end_of_day: bool) -> dt.datetime | None:
    """A time with its offset, or a date (its start, or for an expiry the end of that day, UTC).

    A time without an offset is refused rather than guessed: an entry that expires at the
    wrong hour alerts when it should not, or stops when it should not.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip()
        for form in _DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text, form).replace(tzinfo=dt.UTC)
            except ValueError:
                continue
            return day + dt.timedelta(days=1) if end_of_day else day
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"{where}: {text!r} is not a date (2026-12-31) or a time with its offset"
                " (2026-12-31T18:00:00-08:00)"
            ) from None
    if moment.utcoffset() is None:
        raise InvalidInput(f"{where}: {moment.isoformat()} needs a UTC offset (e.g. -08:00)")
    return moment.astimezone(dt.UTC)
