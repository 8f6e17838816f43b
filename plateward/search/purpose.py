"""A justification from what a person typed: case number, offense type and free text.

Agencies keep a list of offense types (``access.offense_types``); choosing one gives the audit
a field it can count, and the free text says what about it. An offense not on the list is
refused rather than stored, so the list stays the vocabulary auditors report on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from plateward.errors import InvalidInput
from plateward.search.justification import Justification


def justify(
    case_number: str | None,
    reason: str | None,
    offense: str | None,
    offense_types: Sequence[str],
    case_pattern: str | None = None,
) -> Justification:
    """The purpose, refused with the reason why; ``case_pattern`` is the agency's format."""
    offense = (offense or "").strip() or None
    if offense is not None:
        known = {o.lower(): o for o in offense_types}
        if offense.lower() not in known:
            raise InvalidInput(
                f"justification: offense {offense!r} is not on the list ({', '.join(offense_types)})"
            )
        offense = known[offense.lower()]
        text = (reason or "").strip()
        reason = f"{offense}: {text}" if text else offense
    justification = Justification(case_number, reason)
    if case_pattern is not None:
        check_case_format(justification.case_number, case_pattern)
    return justification


def check_case_format(case_number: str | None, pattern: str) -> None:
    """A case number must have the agency's format: ``12`` or ``ab`` names no case."""
    if case_number is not None and re.fullmatch(pattern, case_number) is None:
        raise InvalidInput(
            f"justification: case number {case_number!r} is not in your agency's format"
            f" ({pattern}); give the case or report number as it is written on the report"
        )
