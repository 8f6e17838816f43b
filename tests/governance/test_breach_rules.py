"""Which logged inquiries could have touched a breach's data, and the notice drafted from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plateward.governance.breaches.incidents import Incident, IncidentFields
from plateward.governance.breaches.notice import HEADINGS, TITLE, draft_notice
from plateward.governance.breaches.rules import Touch, needs_attorney_general_copy, touch

FROM = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
TO = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("query", "cameras", "expected"),
    [
        ({"plate": "7ABC123"}, (), Touch.NO_WINDOW),
        ({"image": "ab" * 32}, ("POLE-1",), Touch.NO_WINDOW),
        ({"plate": "7ABC123", "start": "2026-03-15T00:00:00+00:00"}, (), Touch.WINDOW),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, (), None),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:01Z"}, (), Touch.WINDOW),
        ({"start": "2026-04-01T00:00:00Z"}, (), None),
        ({"end": "2026-03-02"}, (), Touch.WINDOW),
        ({"start": "2026-03-05T00:00:00-08:00", "camera": ["POLE-2"]}, ("POLE-1",), None),
        ({"start": "2026-03-05T00:00:00-08:00", "camera": ["POLE-1"]}, ("POLE-1",), Touch.WINDOW),
        ({"start": "2026-03-05", "cameras": ["POLE-1", "X"]}, ("POLE-1",), Touch.WINDOW),
        (
            {
                "areas": [
                    {"start": "2025-01-01T00:00:00Z", "end": "2025-01-02T00:00:00Z"},
                    {"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z"},
                ]
            },
            (),
            Touch.WINDOW,
        ),
        ({"areas": [{"start": "2025-01-01T00:00:00Z", "end": "2025-01-02T00:00:00Z"}]}, (), None),
        ({"start": "not a time"}, (), Touch.NO_WINDOW),
    ],
)
def test_an_inquiry_touches_the_data_when_its_window_overlaps(
    query: dict[str, Any], cameras: tuple[str, ...], expected: Touch | None
) -> None:
    assert touch(query, FROM, TO, cameras) is expected


def test_an_open_ended_range_reaches_to_now() -> None:
    assert touch({"start": "2030-01-01T00:00:00Z"}, FROM, None, ()) is Touch.WINDOW


def test_the_attorney_general_gets_a_copy_past_500_residents() -> None:
    assert [needs_attorney_general_copy(n) for n in (None, 0, 500, 501)] == [
        False,
        False,
        False,
        True,
    ]


def incident(**changes: Any) -> Incident:
    fields = IncidentFields(
        title="Stolen laptop",
        discovered_at=dt.datetime(2026, 4, 3, 9, tzinfo=dt.UTC),
        discovered_by="Sgt. Lee",
        what_happened="A laptop holding an export of plate reads was stolen from a patrol car.",
        systems_involved="Laptop 17, ALPR export",
        data_kinds=("plate_reads", "plate_images"),
        data_from=FROM,
        data_to=TO,
    )
    return Incident(
        id=1,
        agency="CCSO",
        agency_name="County Sheriff",
        fields=IncidentFields(**{**fields.__dict__, **changes}),
        status="open",
        recorded_by="admin1",
        recorded_at=FROM,
        updated_at=FROM,
        closed_by=None,
        closed_at=None,
        closing_summary=None,
    )


def test_the_notice_has_the_title_and_headings_the_code_requires() -> None:
    notice = draft_notice(incident(), dt.date(2026, 4, 10))
    text = notice.text()
    assert text.startswith(TITLE.upper() + "\nCounty Sheriff\nDate of this notice: April 10, 2026")
    positions = [text.index(f"\n{heading}\n") for heading in HEADINGS]
    assert positions == sorted(positions)
    assert "license plate numbers read by our cameras" in text
    assert "collected between March 1, 2026 and April 1, 2026" in text
    assert "We discovered it on April 3, 2026." in text
    assert "not delayed by a law enforcement investigation" in text
    assert "does not include the name or address of a vehicle's owner" in text
    assert "We have not been able to tell yet when the breach happened." in text
    # What the team must still fill in shows as [brackets] and in ``missing``.
    assert {m.split(":")[0] for m in notice.missing} == {"containment", "contact"}
    assert "[telephone number, postal address and e-mail or web address]" in text
    assert any("not known yet" in r for r in notice.reminders)


def test_the_notice_reminds_of_the_attorney_general_and_a_delay() -> None:
    notice = draft_notice(
        incident(
            people_affected=1204,
            containment="The laptop was remotely wiped.",
            contact="Records Unit, 555-0100, records@sheriff.example",
            law_enforcement_delay="The District Attorney asked us to wait until May 1.",
            occurred_from=dt.datetime(2026, 4, 2, 22, tzinfo=dt.UTC),
            occurred_to=dt.datetime(2026, 4, 2, 23, tzinfo=dt.UTC),
        ),
        dt.date(2026, 5, 2),
    )
    text = notice.text()
    assert notice.missing == ()
    assert "The breach happened on April 2, 2026." in text
    assert "delayed because a law enforcement agency" in text
    assert "contact County Sheriff: Records Unit, 555-0100, records@sheriff.example." in text
    [attorney_general] = [r for r in notice.reminders if "Attorney General" in r]
    assert "1204 California residents" in attorney_general and "1798.29(e)" in attorney_general
    assert "Not recorded as sent yet" in attorney_general
    assert any("1798.29(c)" in r for r in notice.reminders)
