"""The maintenance ticket's steps (policy E): a repair never starts unauthorized."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.governance.equipment.rules import (
    FINISHED,
    Kind,
    Status,
    Step,
    TicketState,
    after,
    refusal,
)

OPEN = TicketState(None, Status.OPEN)


@pytest.mark.parametrize(
    ("state", "step", "kind", "refused"),
    [
        (OPEN, Step.START, None, "assess it first"),
        (OPEN, Step.AUTHORIZE, None, "assess it first"),
        (TicketState(Kind.ROUTINE, Status.OPEN), Step.START, None, None),
        (TicketState(Kind.ROUTINE, Status.OPEN), Step.AUTHORIZE, None, "needs no authorization"),
        (TicketState(Kind.REPAIR, Status.OPEN), Step.START, None, "authorization (policy E.1)"),
        (TicketState(Kind.REPAIR, Status.OPEN), Step.AUTHORIZE, None, None),
        (TicketState(Kind.REPAIR, Status.AUTHORIZED), Step.AUTHORIZE, None, "already authorized"),
        (TicketState(Kind.REPAIR, Status.AUTHORIZED), Step.START, None, None),
        (TicketState(Kind.REPAIR, Status.AUTHORIZED), Step.ASSESS, Kind.ROUTINE, "authorized"),
        (TicketState(Kind.REPAIR, Status.STARTED), Step.ASSESS, Kind.REPAIR, "has started"),
        (TicketState(Kind.REPAIR, Status.STARTED), Step.COMPLETE, None, None),
        (TicketState(Kind.ROUTINE, Status.OPEN), Step.COMPLETE, None, "not started"),
        (TicketState(Kind.REPAIR, Status.DONE), Step.CANCEL, None, "already done"),
        (OPEN, Step.ASSESS, None, "routine maintenance or a repair"),
        (OPEN, Step.CANCEL, None, None),
    ],
)
def test_each_step_from_each_state(
    state: TicketState, step: Step, kind: Kind | None, refused: str | None
) -> None:
    found = refusal(state, step, kind)
    if refused is None:
        assert found is None
    else:
        assert found is not None and refused in found


@given(st.lists(st.tuples(st.sampled_from(Step), st.sampled_from([None, *Kind])), max_size=12))
def test_no_sequence_of_steps_starts_an_unauthorized_repair(
    steps: list[tuple[Step, Kind | None]],
) -> None:
    state = OPEN
    authorized = False
    for step, kind in steps:
        if refusal(state, step, kind) is not None:
            continue
        if step is Step.AUTHORIZE:
            assert not authorized, "authorized twice"
            authorized = True
        state = after(state, step, kind)
        if state.kind is Kind.REPAIR and state.status in (Status.STARTED, Status.DONE):
            assert authorized
        if state.status in FINISHED:
            assert all(refusal(state, s, Kind.ROUTINE) for s in Step)
