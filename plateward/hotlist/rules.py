"""What makes a hot list entry acceptable: pure rules, shared by the API, the CLI and imports.

An entry is either a plate (A-Z0-9) or a pattern (``?`` one character, ``*`` any run, the
partial search's language, policy A.6). A pattern with fewer than ``MIN_FIXED_CHARS`` known
characters would alert on a large share of all traffic (``*`` on every car, ``???*`` on every
plate of three characters or more), so it is refused with the reason spelled out.
"""

from __future__ import annotations

import datetime as dt
import re

from plateward.errors import InvalidInput
from plateward.search.patterns import ANY, ONE, has_wildcard, normalise_pattern
from plateward.store.schema import PLATE_MAX_CHARS

MIN_FIXED_CHARS = 3
MIN_PLATE_CHARS = 2
MAX_ENTRY_CHARS = 2 * PLATE_MAX_CHARS
PRIORITIES = range(1, 6)
"""1 (most urgent) to 5."""

_STATE = re.compile(r"^[A-Z]{2,3}$")
_SEPARATORS = re.compile(r"[\s\-.·]")


def entry_plate(text: str, where: str) -> tuple[str, bool]:
    """The entry's plate or pattern, normalised, and whether it is a pattern."""
    raw = _SEPARATORS.sub("", text.strip().upper())
    if not raw:
        raise InvalidInput(f"{where}: plate missing")
    if has_wildcard(raw):
        try:
            pattern = normalise_pattern(raw)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}") from None
        fixed = sum(1 for c in pattern if c not in (ONE, ANY))
        if fixed < MIN_FIXED_CHARS:
            raise InvalidInput(
                f"{where}: pattern {text.strip()!r} has {fixed} known character"
                f"{'' if fixed == 1 else 's'}; a hot list pattern needs at least"
                f" {MIN_FIXED_CHARS}, or it would alert on a large share of all traffic"
            )
        if len(pattern.replace(ANY, "")) > PLATE_MAX_CHARS:
            raise InvalidInput(
                f"{where}: pattern {text.strip()!r} is longer than any plate"
                f" ({PLATE_MAX_CHARS} characters)"
            )
        return pattern, True
    if not raw.isascii() or not raw.isalnum():
        bad = " ".join(sorted({c for c in raw if not (c.isascii() and c.isalnum())}))
        raise InvalidInput(f"{where}: plate {text.strip()!r} holds {bad}; use A-Z and 0-9")
    if not MIN_PLATE_CHARS <= len(raw) <= PLATE_MAX_CHARS:
        raise InvalidInput(
            f"{where}: plate {text.strip()!r} must have {MIN_PLATE_CHARS} to"
            f" {PLATE_MAX_CHARS} characters"
        )
    return raw, False


def entry_state(text: str | None, where: str) -> str | None:
    """A plate state or country code (CA, NV, MEX), upper case; None when not given."""
    if text is None or not text.strip():
        return None
    state = text.strip().upper()
    if not _STATE.match(state):
        raise InvalidInput(f"{where}: state {text.strip()!r} is not a 2-3 letter code")
    return state


def entry_priority(value: int | str | None, default: int, where: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        priority = int(value)
    except ValueError:
        raise InvalidInput(f"{where}: priority {value!r} is not a number from 1 to 5") from None
    if priority not in PRIORITIES:
        raise InvalidInput(f"{where}: priority {priority} must be from 1 (most urgent) to 5")
    return priority


def entry_window(
    starts_at: dt.datetime | None, expires_at: dt.datetime | None, now: dt.datetime, where: str
) -> None:
    """Refuse an entry that is over before it begins, or already over."""
    if expires_at is None:
        return
    if starts_at is not None and expires_at <= starts_at:
        raise InvalidInput(
            f"{where}: expires {expires_at.isoformat()} before it starts {starts_at.isoformat()}"
        )
    if expires_at <= now:
        raise InvalidInput(f"{where}: already expired on {expires_at.isoformat()}")


def read_state(region: str | None) -> str | None:
    """The state or country a read's region names (``us-ca`` -> ``CA``); None for a group."""
    if not region:
        return None
    parts = region.strip().upper().split("-")
    code = parts[-1] if len(parts) > 1 else None
    return code if code and _STATE.match(code) else None
