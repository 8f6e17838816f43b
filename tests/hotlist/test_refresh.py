"""Scheduled refreshes: a new extract replaces the list; a bad one leaves it as it was."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from pathlib import Path

import pytest

from plateward.audit.actor import Actor
from plateward.errors import PlatewardError
from plateward.hotlist.lists import ListSettings, create_list, list_by_name, list_entries
from plateward.hotlist.refresh import RefreshSchedule, is_due, refresh_list
from plateward.settings import Settings
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

ACTOR = Actor("admin", "CCSO")


def plates(settings: Settings) -> list[str]:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        _, _, page = list_entries(connection, ACTOR, "NCIC", limit=1000)
    engine.dispose()
    return sorted(e["plate"] for e in page)


@pytest.fixture
def extract(settings: Settings, tmp_path: Path) -> Path:
    path = tmp_path / "extract" / "ncic.txt"
    path.parent.mkdir()
    path.write_text(
        "MKE/STOLEN VEHICLE.LIC/7ABC123.LIS/CA\nMKE/STOLEN VEHICLE.LIC/8XYZ999.LIS/CA\n"
    )
    engine = open_database(settings.database_url())
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        create_list(connection, ACTOR, name="NCIC", source="ncic_extract", agency_id=agency,
                    settings=ListSettings(refresh_location=str(path), refresh_every_minutes=720))  # fmt: skip
    engine.dispose()
    return path


def test_the_schedule_refreshes_a_due_list_once_and_then_waits(
    settings: Settings, extract: Path
) -> None:
    engine = open_database(settings.database_url())
    schedule = RefreshSchedule(engine, settings.hotlist)
    now = dt.datetime.now(dt.UTC)
    assert schedule.run_once(now) == 1
    assert plates(settings) == ["7ABC123", "8XYZ999"]
    assert schedule.run_once(now + dt.timedelta(minutes=5)) == 0
    extract.write_text("MKE/STOLEN VEHICLE.LIC/7ABC123.LIS/CA\nMKE/FELONY VEHICLE.LIC/5NEW555\n")
    assert schedule.run_once(now + dt.timedelta(minutes=721)) == 1
    assert plates(settings) == ["5NEW555", "7ABC123"]
    engine.dispose()


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("delete", "cannot"),
        ("binary", "NUL bytes"),
        ("mostly bad", "more than the 5%"),
    ],
)
def test_a_bad_extract_keeps_the_last_good_list_and_says_why(
    settings: Settings, extract: Path, damage: str, problem: str
) -> None:
    engine = open_database(settings.database_url())
    refresh_list(engine, "NCIC", settings.hotlist)
    if damage == "delete":
        extract.unlink()
    elif damage == "binary":
        extract.write_bytes(b"LIC/7ABC123\n\x00\x00\x00\x00")
    else:
        extract.write_text("LIC/7ABC123.MKE/STOLEN VEHICLE\n" + "LIC/#BAD.MKE/STOLEN\n" * 9)
    with pytest.raises(PlatewardError) if damage != "mostly bad" else nullcontext():
        report = refresh_list(engine, "NCIC", settings.hotlist)
        assert report is not None and not report.applied
    with engine.connect() as connection:
        hotlist = list_by_name(connection, "NCIC")
    engine.dispose()
    assert plates(settings) == ["7ABC123", "8XYZ999"]
    assert hotlist.refresh_error is not None and problem in hotlist.refresh_error
    assert hotlist.refresh_error_at is not None


def test_the_same_file_again_changes_nothing(settings: Settings, extract: Path) -> None:
    engine = open_database(settings.database_url())
    first = refresh_list(engine, "NCIC", settings.hotlist)
    assert first is not None and first.added == 2
    assert refresh_list(engine, "NCIC", settings.hotlist) is None
    engine.dispose()


def test_only_lists_with_a_location_and_schedule_are_due(settings: Settings, extract: Path) -> None:
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        hotlist = list_by_name(connection, "NCIC")
    engine.dispose()
    now = dt.datetime.now(dt.UTC)
    assert is_due(hotlist, now)
    assert not is_due(hotlist.__class__(**{**vars(hotlist), "refresh_checked_at": now}), now)
    assert not is_due(hotlist.__class__(**{**vars(hotlist), "active": False}), now)
