"""Vendor sources on camera records, camera zones and heartbeats, through the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from plateward.cli import app
from plateward.errors import InvalidInput, NotFound
from plateward.settings import Settings
from plateward.store.camera_sources import (
    add_source,
    camera_health,
    list_sources,
    record_heartbeat,
    set_timezone,
)
from plateward.store.cameras import add_camera, camera_by_code, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings.database_url())
    upgrade(engine)
    with engine.begin() as connection:
        ours = ensure_agency(connection, "CCSO", "County Sheriff")
        theirs = ensure_agency(connection, "OPD", "Other Police")
        for code in ("GATE-1", "POLE-2"):
            add_camera(connection, agency_id=ours, code=code, name=code, latitude=1, longitude=1)
        add_camera(connection, agency_id=theirs, code="FAR-1", name="far", latitude=1, longitude=1)
    yield engine
    engine.dispose()


def test_sources_map_within_an_agency(engine: Engine) -> None:
    with engine.begin() as connection:
        add_source(connection, via="GATE-1", system="openalpr", source="A:1")
        add_source(connection, via="GATE-1", system="openalpr", source="A:2", camera="POLE-2",
                   label="south")  # fmt: skip
        # Mapping a source again moves it.
        add_source(connection, via="GATE-1", system="openalpr", source="A:1", camera="POLE-2")
        with pytest.raises(InvalidInput, match="another agency than GATE-1"):
            add_source(connection, via="GATE-1", system="verkada", source="x", camera="FAR-1")
        with pytest.raises(InvalidInput, match="system 'milestone': one of openalpr"):
            add_source(connection, via="GATE-1", system="milestone", source="x")
        mapped = [(m.via, m.source, m.camera, m.label) for m in list_sources(connection)]
    assert mapped == [("GATE-1", "A:1", "POLE-2", None), ("GATE-1", "A:2", "POLE-2", "south")]


def test_the_cli_maps_lists_and_removes(engine: Engine, settings: Settings) -> None:
    runner = CliRunner()
    db = ["--db", settings.database_url()]
    added = runner.invoke(app, ["camera", "source", "add", "GATE-1", "flock", "dev-9",
                                "--camera", "POLE-2", *db])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "flock source 'dev-9' via GATE-1 -> POLE-2" in added.output
    listed = runner.invoke(app, ["camera", "source", "list", *db])
    assert "GATE-1\tflock\tdev-9\tPOLE-2" in listed.output
    assert runner.invoke(app, ["camera", "source", "remove", "GATE-1", "flock", "dev-9", *db])\
        .exit_code == 0  # fmt: skip
    missing = runner.invoke(app, ["camera", "source", "remove", "GATE-1", "flock", "dev-9", *db])
    assert missing.exit_code == 1 and "no flock source 'dev-9' mapped" in missing.output


def test_camera_zones(engine: Engine, settings: Settings) -> None:
    runner = CliRunner()
    db = ["--db", settings.database_url()]
    done = runner.invoke(app, ["camera", "timezone", "GATE-1", "America/Denver", *db])
    assert done.exit_code == 0, done.output
    with engine.connect() as connection:
        assert camera_by_code(connection, "GATE-1").timezone == "America/Denver"
    refused = runner.invoke(app, ["camera", "timezone", "GATE-1", "Mars/Olympus", *db])
    assert refused.exit_code == 1 and "not a time zone name" in refused.output
    with engine.begin() as connection, pytest.raises(NotFound):
        set_timezone(connection, "NOPE", "UTC")


def test_heartbeats_keep_the_latest(engine: Engine, settings: Settings) -> None:
    with engine.begin() as connection:
        camera = camera_by_code(connection, "GATE-1")
        for minute, streaming in ((1, True), (2, False)):
            at = dt.datetime(2026, 12, 1, 10, minute, tzinfo=dt.UTC)
            record_heartbeat(
                connection, camera_id=camera.id, system="openalpr", source="A:1",
                received_at=at, reported_at=at, streaming=streaming, detail={"fps": 12},
            )  # fmt: skip
        [health] = camera_health(connection)
    assert (health.camera, health.streaming, health.received_at.minute) == ("GATE-1", False, 2)
    listed = CliRunner().invoke(app, ["camera", "heartbeats", "--db", settings.database_url()])
    assert "GATE-1\topenalpr\tA:1\t2026-12-01T10:02:00+00:00\tNOT streaming" in listed.output
