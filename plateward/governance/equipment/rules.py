"""The maintenance ticket's steps (policy E), as pure functions of the ticket's state.

A ticket starts ``open``: a problem someone reported (E.3) or work planned. The administrator
assesses it as ``routine`` maintenance or a ``repair`` beyond it. Routine work may start at
once and is coordinated through the Technical Services Unit (E.2). A repair must first be
``authorized`` by the administrator (E.1), once; only then may it start. Work that started is
completed with what was done, by whom and when. A ticket may be cancelled until it is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    ROUTINE = "routine"
    REPAIR = "repair"


class Status(StrEnum):
    OPEN = "open"
    AUTHORIZED = "authorized"
    STARTED = "started"
    DONE = "done"
    CANCELLED = "cancelled"


class Step(StrEnum):
    ASSESS = "assess"
    AUTHORIZE = "authorize"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"


FINISHED = frozenset({Status.DONE, Status.CANCELLED})
NEXT_STATUS = {
    Step.AUTHORIZE: Status.AUTHORIZED,
    Step.START: Status.STARTED,
    Step.COMPLETE: Status.DONE,
    Step.CANCEL: Status.CANCELLED,
}
"""Where each step leaves the ticket; assessing keeps its status."""


@dataclass(frozen=True)
class TicketState:
    kind: Kind | None
    status: Status


def refusal(state: TicketState, step: Step, new_kind: Kind | None = None) -> str | None:
    """Why ``step`` may not be taken now; None if it may."""
    if state.status in FINISHED:
        return f"already {state.status.value}"
    if step is Step.ASSESS:
        if new_kind is None:
            return "say whether it is routine maintenance or a repair"
        if state.status is Status.STARTED:
            return "work has started; it can no longer be reassessed"
        if state.status is Status.AUTHORIZED and new_kind is not Kind.REPAIR:
            return "already authorized as a repair; cancel it and open a new ticket instead"
        return None
    if step is Step.AUTHORIZE:
        if state.kind is None:
            return "assess it first: routine maintenance needs no authorization, a repair does"
        if state.kind is Kind.ROUTINE:
            return "routine maintenance needs no authorization"
        if state.status is Status.AUTHORIZED:
            return "already authorized"
        if state.status is Status.STARTED:
            return "work has already started"
        return None
    if step is Step.START:
        if state.kind is None:
            return "assess it first as routine maintenance or a repair"
        if state.status is Status.STARTED:
            return "already started"
        if state.kind is Kind.REPAIR and state.status is not Status.AUTHORIZED:
            return (
                "a repair beyond routine maintenance waits for the system administrator's"
                " authorization (policy E.1)"
            )
        return None
    if step is Step.COMPLETE:
        return None if state.status is Status.STARTED else "work has not started"
    return None  # cancel: anything not finished


def after(state: TicketState, step: Step, new_kind: Kind | None = None) -> TicketState:
    """The state once ``step`` is taken (check ``refusal`` first)."""
    if step is Step.ASSESS:
        return TicketState(new_kind, state.status)
    return TicketState(state.kind, NEXT_STATUS[step])
