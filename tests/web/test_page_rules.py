"""The pages' pure rules: times in the agency's zone, highlighted characters, the web settings."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.errors import ConfigurationError, InvalidInput
from plateward.search.likeness import edit_count
from plateward.settings import load_settings
from plateward.web.clock import parse_local, time_element
from plateward.web.plate_marks import differing, marked_plate
from plateward.web.templating import content_security_policy

LA = "America/Los_Angeles"


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2026-07-04T09:30", "2026-07-04T16:30:00+00:00"),  # PDT, UTC-7
        ("2026-12-24T09:30", "2026-12-24T17:30:00+00:00"),  # PST, UTC-8
        ("2026-11-01T01:30", "2026-11-01T08:30:00+00:00"),  # the repeated hour: first (PDT)
        ("2026-07-04T09:30:00+00:00", "2026-07-04T09:30:00+00:00"),  # an offset wins
    ],
)
def test_typed_times_are_the_agencys(typed: str, utc: str) -> None:
    moment = parse_local(typed, LA, "from")
    assert moment is not None and moment.isoformat() == utc


def test_a_bad_time_names_the_field() -> None:
    with pytest.raises(InvalidInput, match="until 'tomorrow'"):
        parse_local("tomorrow", LA, "until")
    assert parse_local("  ", LA, "from") is None


def test_shown_times_carry_utc() -> None:
    html = str(time_element(dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC), LA))
    assert html == (
        '<time datetime="2026-11-02T15:30:00Z" title="2026-11-02 15:30:00 UTC">'
        "2026-11-02 07:30:00 PST</time>"
    )


@pytest.mark.parametrize(
    ("query", "plate", "marks"),
    [
        ("7ABC123", "7ABC123", "......."),
        ("7ABC123", "7A8C123", "..x...."),
        ("7ABC123", "7ABC12", ".....x"),
        ("7ABC123", "ABC123", "x....."),
        ("7ABC123", "7ABCX123", "....x..."),
    ],
)
def test_differing_characters(query: str, plate: str, marks: str) -> None:
    assert "".join("x" if m else "." for m in differing(query, plate)) == marks


@given(st.text("AB8O0", max_size=8), st.text("AB8O0", max_size=8))
def test_marks_never_exceed_what_an_edit_changes(query: str, plate: str) -> None:
    marks = differing(query, plate)
    assert len(marks) == len(plate)
    assert sum(marks) <= edit_count(query, plate)
    assert (sum(marks) == 0) == (query == plate) or not plate


def test_marked_plate_escapes_and_explains() -> None:
    html = str(marked_plate("7ABC123", "7A8C123"))
    assert html.startswith("7A<mark>8</mark>C123")
    assert "1 character differ" in html


def test_web_settings_are_checked(tmp_path: object) -> None:
    with pytest.raises(ConfigurationError, match="unknown time zone"):
        load_settings(web={"time_zone": "Pacific/Nowhere"})
    with pytest.raises(ConfigurationError, match="tile_url"):
        load_settings(web={"tile_url": "ftp://tiles.example/{z}/{x}/{y}.png"})
    tiles = load_settings(web={"tile_url": "https://tiles.agency.example/{z}/{x}/{y}.png"})
    assert "img-src 'self' https://tiles.agency.example;" in content_security_policy(tiles)
    assert "script-src 'self';" in content_security_policy(load_settings())
