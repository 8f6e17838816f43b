"""An entry's values checked: plates, patterns, reasons, states, dates, immigration refused."""

from __future__ import annotations

import datetime as dt

import pytest

from plateward.errors import InvalidInput
from plateward.hotlist.entries import entry_values
from plateward.hotlist.reasons import ImmigrationRefused, Reason, parse_reason

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


def values(**fields: object) -> object:
    return entry_values({"reason": "stolen_vehicle", **fields}, "line 3", NOW)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("stolen_vehicle", Reason.STOLEN_VEHICLE),
        ("AMBER Alert", Reason.AMBER_ALERT),
        ("amber", Reason.AMBER_ALERT),
        ("Feather", Reason.FEATHER_ALERT),
        ("STOLEN VEHICLE", Reason.STOLEN_VEHICLE),
        ("STOLEN LICENSE PLATE", Reason.STOLEN_PLATE),
        ("FELONY VEHICLE", Reason.FELONY_VEHICLE),
        ("MISSING PERSON - JUVENILE", Reason.MISSING_PERSON),
        ("WANTED PERSON", Reason.WANTED_PERSON),
        ("PROTECTION ORDER", Reason.PROTECTION_ORDER),
        ("be on the lookout", Reason.BOLO),
    ],
)
def test_reasons_from_codes_labels_and_ncic_message_keys(text: str, reason: Reason) -> None:
    assert parse_reason(text, "x") is reason


@pytest.mark.parametrize(
    "text", ["immigration", "Immigration enforcement", "IMMIGRATION VIOLATOR", "DEPORTED FELON"]
)
def test_immigration_enforcement_is_refused_naming_the_law(text: str) -> None:
    with pytest.raises(ImmigrationRefused, match="Government Code 7284.6"):
        parse_reason(text, "line 3")


def test_an_unknown_reason_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="unknown reason 'parking'.*stolen_vehicle"):
        parse_reason("parking", "line 3")


@pytest.mark.parametrize(
    ("plate", "problem"),
    [
        ("*", "at least one known"),
        ("???*", "at least one known"),
        ("7?*", "1 known character;"),
        ("7B*", "2 known characters"),
        ("7AB!", "holds !"),
        ("A", "2 to 10 characters"),
        ("ABCDEFGHIJK", "2 to 10 characters"),
        ("", "plate missing"),
    ],
)
def test_plates_and_patterns_that_cannot_work_are_refused(plate: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        values(plate=plate)


def test_plates_are_normalised() -> None:
    entry = values(plate=" 7abc-123 ", state="ca")
    assert (entry.plate, entry.state, entry.is_pattern) == ("7ABC123", "CA", False)  # type: ignore[attr-defined]
    assert values(plate="7b3*").is_pattern  # type: ignore[attr-defined]


def test_dates_and_times() -> None:
    entry = values(plate="7ABC123", starts_at="2026-12-01", expires_at="12/31/2026")
    assert entry.starts_at == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    assert entry.expires_at == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match="needs a UTC offset"):
        values(plate="7ABC123", expires_at="2026-12-31T18:00:00")
    with pytest.raises(InvalidInput, match="already expired"):
        values(plate="7ABC123", expires_at="2026-12-05")
    with pytest.raises(InvalidInput, match="before it starts"):
        values(plate="7ABC123", starts_at="2026-12-20", expires_at="2026-12-10")


def test_priority_defaults_by_reason_and_is_bounded() -> None:
    assert values(plate="7ABC123", reason="amber_alert").priority == 1  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match="priority 9"):
        values(plate="7ABC123", priority="9")


def test_long_text_is_refused_not_cut() -> None:
    with pytest.raises(InvalidInput, match="case_number is longer than 64"):
        values(plate="7ABC123", case_number="1" * 65)
