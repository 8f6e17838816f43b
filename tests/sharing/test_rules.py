"""The sharing rules, table by table: who may receive an agency's reads, and for what."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.errors import InvalidInput
from plateward.sharing.rules import (
    AgencyFacts,
    SharingPolicy,
    check_end,
    check_kinds,
    check_purpose,
    check_window,
    is_immigration_purpose,
    refusal_to_share,
)

OWNER = AgencyFacts("CCSO", "law_enforcement", "CA", False, True)
PURPOSE = "burglary series in the north county, suspect vehicles"
CALIFORNIA = SharingPolicy()
ELSEWHERE = SharingPolicy(home_state="NV", share_out_of_state=True, share_with_federal=True,
                          share_with_private=True)  # fmt: skip


def facts(kind: str = "law_enforcement", state: str = "CA", federal: bool = False,
          confirmed: bool = True, code: str = "CPD") -> AgencyFacts:  # fmt: skip
    return AgencyFacts(code, kind, state, federal, confirmed)


@pytest.mark.parametrize(
    ("receiver", "purpose", "policy", "rule"),
    [
        (facts(), PURPOSE, CALIFORNIA, None),
        (facts(kind="other_public"), PURPOSE, CALIFORNIA, None),
        (facts(kind="private"), PURPOSE, CALIFORNIA, "private_entity"),
        (facts(federal=True), PURPOSE, CALIFORNIA, "federal_agency"),
        (facts(state="NV"), PURPOSE, CALIFORNIA, "out_of_state"),
        (facts(state="NV", federal=True), PURPOSE, CALIFORNIA, "federal_agency"),
        (facts(), "locate immigration violators for removal", CALIFORNIA,
         "immigration_enforcement"),
        (facts(), "assist ICE with an administrative warrant", CALIFORNIA,
         "immigration_enforcement"),
        (facts(), "deportation of a person without status", CALIFORNIA,
         "immigration_enforcement"),
        (facts(confirmed=False), PURPOSE, CALIFORNIA, "registration_incomplete"),
        (AgencyFacts("CPD", None, None, False, False), PURPOSE, CALIFORNIA,
         "registration_incomplete"),
        (facts(code="CCSO"), PURPOSE, CALIFORNIA, "same_agency"),
        # A deployment outside California may allow what California forbids...
        (facts(kind="private", state="NV"), PURPOSE, ELSEWHERE, None),
        (facts(federal=True, state="DC"), PURPOSE, ELSEWHERE, None),
        (facts(state="CA"), PURPOSE, ELSEWHERE, None),
        # ...but never immigration enforcement.
        (facts(state="NV"), "immigration status checks", ELSEWHERE, "immigration_enforcement"),
        (facts(), PURPOSE, SharingPolicy(home_state="NV"), "out_of_state"),
    ],
)  # fmt: skip
def test_each_refusal_names_its_rule(
    receiver: AgencyFacts, purpose: str, policy: SharingPolicy, rule: str | None
) -> None:
    refusal = refusal_to_share(OWNER, receiver, purpose, policy)
    assert (refusal.rule if refusal else None) == rule
    if refusal is not None:
        assert refusal.message


def test_an_unconfirmed_owner_shares_nothing() -> None:
    refusal = refusal_to_share(facts(code="OLD", confirmed=False), facts(), PURPOSE, CALIFORNIA)
    assert refusal is not None and refusal.rule == "registration_incomplete"
    assert "OLD" in refusal.message


@pytest.mark.parametrize(
    ("purpose", "immigration"),
    [
        ("Immigration enforcement operation", True),
        ("8 U.S.C. 1325 investigation", True),
        ("287(g) task force", True),
        ("find undocumented workers", True),
        ("ERO fugitive operations", True),
        ("visa overstay follow-up", True),
        ("black ice crash on Highway 4, hit and run vehicle", False),
        ("Iced coffee shop robbery", False),
        ("homicide investigation, suspect vehicle", False),
        ("service station burglaries, case 26-004211", False),
    ],
)
def test_immigration_purposes_are_recognised(purpose: str, immigration: bool) -> None:
    assert is_immigration_purpose(purpose) is immigration


@given(st.text(max_size=60))
def test_any_purpose_naming_immigration_is_refused(prefix: str) -> None:
    purpose = f"{prefix} immigration {prefix}"
    refusal = refusal_to_share(OWNER, facts(), purpose, ELSEWHERE)
    assert refusal is not None and refusal.rule == "immigration_enforcement"


@pytest.mark.parametrize(
    ("purpose", "message"),
    [
        (None, "the purpose is missing"),
        ("   ", "the purpose is missing"),
        ("theft", "says too little"),
        ("xxxxxxxxxxxxxx", "says too little"),
        ("x" * 2001 + " case", "over 2000"),
    ],
)
def test_a_request_needs_a_purpose(purpose: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_purpose(purpose)


def test_kinds_windows_and_end_dates() -> None:
    assert check_kinds(["grid", "EXACT", " alerts "]) == ("exact", "grid", "alerts")
    with pytest.raises(InvalidInput, match="at least one search kind"):
        check_kinds([])
    with pytest.raises(InvalidInput, match="unknown search kind"):
        check_kinds(["exact", "everything"])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert check_window(start, None) == (start, None)
    with pytest.raises(InvalidInput, match="not before"):
        check_window(start, start)
    with pytest.raises(InvalidInput, match="UTC offset"):
        check_window(dt.datetime(2026, 1, 1), None)
    today = dt.date(2026, 12, 6)
    assert check_end(dt.date(2027, 6, 30), today, 365) == dt.date(2027, 6, 30)
    with pytest.raises(InvalidInput, match="not after today"):
        check_end(today, today, 365)
    with pytest.raises(InvalidInput, match="more than 365 days"):
        check_end(dt.date(2028, 1, 1), today, 365)
