"""Policy A.7 as a state machine: an alert is not grounds for enforcement until it is verified.

A deputy first checks that the plate on the vehicle is the plate that was read (step 1: the
plate crop beside the entry, because readers confuse 3 and 7, 8 and B), then confirms the hit
through CLETS (step 2: the entry may have been cleared since the list was made). Either step
can fail. Only an alert that passed both may end in an enforcement action; "no action" and
"misread" may end any alert that is still open. Steps out of order, twice, or on a closed
alert are refused with a message saying why (HTTP 409).

    unverified --plate match--> plate_matched --CLETS confirmed--> verified
         |                           |
         +--plate misread--> misread +--CLETS not confirmed--> not_confirmed
    any open state --disposition--> closed   (enforcement only from verified)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plateward.errors import Conflict, InvalidInput


class Check(StrEnum):
    PLATE = "plate"
    CLETS = "clets"


PLATE_RESULTS = ("match", "misread")
CLETS_RESULTS = ("confirmed", "not_confirmed")
ENFORCEMENT = ("stop", "arrest", "vehicle_recovered", "tow")
ALWAYS_ALLOWED = ("no_action", "misread")
DISPOSITIONS = ENFORCEMENT + ALWAYS_ALLOWED
OPEN = ("unverified", "plate_matched", "verified", "misread", "not_confirmed")


@dataclass(frozen=True)
class AlertState:
    id: int
    status: str
    disposition: str | None = None
    disposed_by: str | None = None
    disposed_at: str | None = None


def after_check(state: AlertState, check: Check, result: str) -> str:
    """The status after recording ``check`` with ``result``; refuses an out-of-order step."""
    _refuse_if_closed(state)
    if check is Check.PLATE:
        if result not in PLATE_RESULTS:
            raise InvalidInput(f"plate check result {result!r}: use {' or '.join(PLATE_RESULTS)}")
        if state.status != "unverified":
            raise Conflict(f"alert {state.id}: the plate check is already recorded")
        return "plate_matched" if result == "match" else "misread"
    if result not in CLETS_RESULTS:
        raise InvalidInput(f"CLETS check result {result!r}: use {' or '.join(CLETS_RESULTS)}")
    if state.status == "unverified":
        raise Conflict(
            f"alert {state.id}: check the plate on the vehicle against the read first (step 1),"
            " then confirm through CLETS"
        )
    if state.status == "misread":
        raise Conflict(f"alert {state.id}: the plate was a misread; there is no hit to confirm")
    if state.status in ("verified", "not_confirmed"):
        raise Conflict(f"alert {state.id}: the CLETS check is already recorded")
    return "verified" if result == "confirmed" else "not_confirmed"


def check_disposition(state: AlertState, disposition: str) -> None:
    """Refuse a disposition the alert's verification does not allow."""
    _refuse_if_closed(state)
    if disposition not in DISPOSITIONS:
        raise InvalidInput(f"disposition {disposition!r}: use one of {', '.join(DISPOSITIONS)}")
    if disposition in ENFORCEMENT and state.status != "verified":
        missing = {
            "unverified": "the plate has not been checked against the vehicle, nor the hit"
            " confirmed through CLETS",
            "plate_matched": "the hit has not been confirmed through CLETS",
            "misread": "the plate was a misread",
            "not_confirmed": "CLETS did not confirm the hit",
        }[state.status]
        raise Conflict(
            f"alert {state.id}: '{disposition}' is an enforcement action and the alert is not"
            f" verified: {missing} (policy A.7)"
        )


def _refuse_if_closed(state: AlertState) -> None:
    if state.status == "closed":
        raise Conflict(
            f"alert {state.id} is closed: {state.disposition} recorded by {state.disposed_by}"
            f" at {state.disposed_at}"
        )
