"""The server checks the cameras by itself, and an edge agent's heartbeats reach it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import Engine, select, update

from plateward.governance.health.checks import list_notices
from plateward.governance.health.schema import edge_heartbeats
from plateward.ingest import edge
from plateward.ingest.edge import Agent, EdgeOptions, Site, outbox_path
from plateward.ingest.outbox import Outbox
from plateward.recognition.interfaces import Image
from plateward.recognition.types import PlateRead
from plateward.settings import Settings, load_settings
from plateward.store.schema import cameras


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A server that checks every 0.2 s, an agent that beats every 0.2 s."""
    return load_settings(
        db=database_url,
        data_dir=tmp_path / "data",
        camera_health={"check_interval_s": 0.2, "fixed_silence_minutes": 60},
        edge={"heartbeat_s": 0.2, "poll_s": 0.05},
    )


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_the_server_raises_a_notice_for_a_silent_camera_on_its_own(
    engine: Engine, tokens: dict[str, str], server: str
) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(cameras).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        )

    def raised() -> bool:
        with engine.connect() as connection:
            return [(n.camera, n.kind) for n in list_notices(connection)] == [("POLE-1", "silent")]

    wait_for(raised, "the server's check to raise a notice")


class NoPlates:
    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        return []


def test_a_running_agent_beats_even_when_no_plate_passes(
    engine: Engine,
    tokens: dict[str, str],
    server: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(edge, "load_engine", lambda _settings: NoPlates())
    folder = tmp_path / "cam"
    folder.mkdir()
    cv2.imwrite(str(folder / "img-0001.png"), np.zeros((8, 8, 3), np.uint8))
    options = EdgeOptions(
        camera="POLE-1",
        source=str(folder),
        server_url=server,
        key=tokens["camera_key"],
        site=Site(38.5, -121.5),
        once=False,
    )
    box = Outbox(outbox_path(settings), "POLE-1")
    agent = Agent(settings, options, box)
    beats: list[dt.datetime] = []

    def beaten_twice() -> bool:
        with engine.connect() as connection:
            row = connection.execute(select(edge_heartbeats)).first()
        if row is not None and (not beats or beats[-1] != row.received_at):
            beats.append(row.received_at)
        return len(beats) >= 2

    statuses: list[int] = []
    thread = threading.Thread(target=lambda: statuses.append(agent.run()))
    thread.start()
    try:
        wait_for(beaten_twice, "two heartbeats")
    finally:
        agent.stop()
        thread.join(10)
        box.close()
    assert statuses == [0]
    with engine.connect() as connection:
        row = connection.execute(select(edge_heartbeats)).one()
    assert row.agent.startswith("plateward-edge ") and row.queued_reads == 0
    assert row.started_at is not None and row.started_at <= row.received_at
