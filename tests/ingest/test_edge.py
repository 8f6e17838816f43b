"""The edge agent: from a source to the server, each read exactly once, whatever is killed when.

A fake engine stands in for the models: it "reads" plates named after the image file
(``img-0042.png`` holds ``42 % 3`` plates, ``E00420`` and ``E00421``), so the test knows every
read the agent must deliver. The crash test runs the agent and the server as real processes
and kills them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from plateward.errors import InvalidInput
from plateward.ingest import edge
from plateward.ingest.edge import Agent, EdgeOptions, Site, outbox_path, read_json, run_edge
from plateward.ingest.models import ReadIn
from plateward.ingest.outbox import Outbox
from plateward.recognition.interfaces import Image
from plateward.recognition.types import Alternative, PlateRead
from plateward.settings import EdgeSettings, Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.schema import reads

SITE = Site(38.5816, -121.4944, 270.0)
CROP = bytes(cv2.imencode(".jpg", np.full((20, 60, 3), 200, np.uint8))[1])


def plate_read(source: str, plate: str) -> PlateRead:
    return PlateRead(
        source=source,
        plate=plate,
        raw_text=plate,
        confidence=0.91,
        char_confidences=(0.9,) * len(plate),
        alternatives=(Alternative(plate[:-1] + "8", 0.05),),
        box=(10, 20, 60, 40),
        polygon=(),
        detection_confidence=0.8,
        region="us-ca",
        region_confidence=0.5,
        crop_jpeg=CROP,
    )


def plates_for(index: int) -> list[str]:
    return [f"E{index:04d}{k}" for k in range(index % 3)]


class FakeEngine:
    """Reads the plates ``plates_for`` gives for the image's number; ``slow_s`` per image."""

    def __init__(self, slow_s: float = 0.0, bad: int | None = None) -> None:
        self.slow_s = slow_s
        self.bad = bad
        self.images: list[str] = []

    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        self.images.append(source)
        time.sleep(self.slow_s)
        index = int(Path(source).stem.removeprefix("img-"))
        plates = ["NOT-A-PLATE-AT-ALL"] if index == self.bad else plates_for(index)
        return [plate_read(source, p) for p in plates]


def make_images(folder: Path, count: int) -> list[str]:
    """Distinct tiny PNGs (the agent knows images by content); returns the plates they hold."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        pixels = np.zeros((8, 8, 3), np.uint8)
        pixels[0, 0] = (i % 256, i // 256, 7)
        cv2.imwrite(str(folder / f"img-{i:04d}.png"), pixels)
    return [p for i in range(count) for p in plates_for(i)]


def register_camera(url: str, code: str = "POLE-1") -> str:
    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        key = add_camera(
            connection, agency_id=agency, code=code, name="Main St", latitude=38.5, longitude=-121.5
        )
    engine.dispose()
    return key


def stored_reads(url: str) -> list[tuple[str, str]]:
    engine = open_database(url)
    with engine.connect() as connection:
        rows = connection.execute(select(reads.c.id, reads.c.plate)).all()
    engine.dispose()
    return [(str(row.id), row.plate) for row in rows]


def quick(settings: Settings) -> Settings:
    edge_settings = EdgeSettings(poll_s=0.05, backoff_base_s=0.02, backoff_cap_s=0.1, batch_reads=8)
    return settings.model_copy(update={"edge": edge_settings})


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    engine = FakeEngine()
    monkeypatch.setattr(edge, "load_engine", lambda _settings: engine)
    return engine


def options(source: Path | str, server: str, key: str, **changes: Any) -> EdgeOptions:
    values: dict[str, Any] = {
        "camera": "POLE-1",
        "source": str(source),
        "server_url": server,
        "key": key,
        "site": SITE,
        "once": True,
    }
    values.update(changes)
    return EdgeOptions(**values)


# What a read looks like on the wire.


def test_a_read_is_always_json_the_server_accepts() -> None:
    read_id = uuid.uuid4()
    wild = plate_read("cam.jpg", "7ABC123")
    wild = PlateRead(
        **{
            **wild.__dict__,
            "raw_text": "X" * 200,
            "confidence": 1.0000001,
            "alternatives": tuple(Alternative(f"7ABC{i:03d}", 0.01) for i in range(30)),
        }
    )
    captured = dt.datetime(2026, 11, 20, 18, 15, tzinfo=dt.UTC)
    parsed = ReadIn.model_validate_json(read_json(wild, read_id, captured, SITE))
    assert (parsed.id, parsed.captured_at, parsed.plate) == (read_id, captured, "7ABC123")
    assert (parsed.latitude, parsed.longitude, parsed.heading) == (38.5816, -121.4944, 270.0)
    assert len(parsed.alternatives) == 20 and parsed.confidence == 1.0
    assert parsed.plate_image is not None


def test_a_site_must_be_a_place() -> None:
    with pytest.raises(InvalidInput):
        Site(91.0, 0.0)
    with pytest.raises(InvalidInput):
        Site(0.0, 0.0, heading=360.0)


# The agent in this process, against the real server.


def test_a_folder_is_read_and_delivered_once(
    server: str, settings: Settings, fake_engine: FakeEngine, tmp_path: Path
) -> None:
    key = register_camera(settings.database_url())
    expected = make_images(tmp_path / "cam", 12)
    settings = quick(settings)
    assert run_edge(settings, options(tmp_path / "cam", server, key)) == 0
    assert sorted(p for _, p in stored_reads(settings.database_url())) == sorted(expected)
    assert len(fake_engine.images) == 12
    # Run again, with one image renamed: nothing is read or sent twice.
    (tmp_path / "cam" / "img-0005.png").rename(tmp_path / "cam" / "img-0099.png")
    assert run_edge(settings, options(tmp_path / "cam", server, key)) == 0
    assert len(fake_engine.images) == 12
    assert len(stored_reads(settings.database_url())) == len(expected)


def test_a_watched_folder_is_read_as_images_arrive(
    server: str, settings: Settings, fake_engine: FakeEngine, tmp_path: Path
) -> None:
    key = register_camera(settings.database_url())
    folder = tmp_path / "cam"
    expected = make_images(folder, 6)
    for path in sorted(folder.iterdir())[3:]:
        path.rename(tmp_path / path.name)  # these three arrive later
    settings = quick(settings)
    box = Outbox(outbox_path(settings), "POLE-1")
    agent = Agent(settings, options(folder, server, key, once=False), box)
    statuses: list[int] = []
    thread = threading.Thread(target=lambda: statuses.append(agent.run()))
    thread.start()
    try:
        wait_for(lambda: len(stored_reads(settings.database_url())) == 3, "the first images")
        for path in sorted(tmp_path.glob("img-*.png")):
            path.rename(folder / path.name)
        wait_for(lambda: len(stored_reads(settings.database_url())) == 6, "the later images")
    finally:
        agent.stop()
        thread.join(10)
        box.close()
    assert statuses == [0]
    assert sorted(p for _, p in stored_reads(settings.database_url())) == sorted(expected)
    assert len(fake_engine.images) == 6


def test_a_refused_key_stops_the_agent_and_keeps_the_reads(
    server: str,
    settings: Settings,
    fake_engine: FakeEngine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = register_camera(settings.database_url())
    expected = make_images(tmp_path / "cam", 6)
    settings = quick(settings)
    with caplog.at_level(logging.INFO):
        status = run_edge(settings, options(tmp_path / "cam", server, "pwc_wrong", once=False))
    assert status == 1
    assert "camera key refused" in caplog.text and "check --key" in caplog.text
    assert stored_reads(settings.database_url()) == []
    box = Outbox(outbox_path(settings), "POLE-1")
    assert box.pending_count() > 0
    box.close()
    # With the right key, what was queued and what was not yet read all arrive.
    assert run_edge(settings, options(tmp_path / "cam", server, key)) == 0
    assert sorted(p for _, p in stored_reads(settings.database_url())) == sorted(expected)


def test_a_poison_read_is_set_aside_and_the_rest_delivered(
    server: str, settings: Settings, fake_engine: FakeEngine, tmp_path: Path
) -> None:
    key = register_camera(settings.database_url())
    expected = make_images(tmp_path / "cam", 20)
    fake_engine.bad = 7
    expected = [p for p in expected if not p.startswith("E0007")]
    settings = quick(settings)
    assert run_edge(settings, options(tmp_path / "cam", server, key)) == 1  # a read was refused
    assert sorted(p for _, p in stored_reads(settings.database_url())) == sorted(expected)
    box = Outbox(outbox_path(settings), "POLE-1")
    [rejected] = box.rejected()
    assert json.loads(rejected.body)["plate"] == "NOT-A-PLATE-AT-ALL"
    assert "reads" in rejected.reason and box.pending_count() == 0
    box.close()


def test_a_video_read_again_after_a_crash_skips_the_passes_already_queued(
    server: str,
    settings: Settings,
    fake_engine: FakeEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = register_camera(settings.database_url())
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video; read_video is replaced")
    passes = [f"V{i}" for i in range(5)]
    crash_after: list[int | None] = [3]

    def fake_read_video(_engine: object, source: str, _settings: object) -> Iterator[PlateRead]:
        for i, plate in enumerate(passes):
            if i == crash_after[0]:
                raise RuntimeError("power cut")
            yield plate_read(source, plate)

    monkeypatch.setattr(edge, "read_video", fake_read_video)
    settings = quick(settings)
    assert run_edge(settings, options(clip, server, key)) == 1
    crash_after[0] = None
    assert run_edge(settings, options(clip, server, key)) == 0
    assert sorted(p for _, p in stored_reads(settings.database_url())) == passes
    assert run_edge(settings, options(clip, server, key)) == 0  # finished: not read again
    assert len(stored_reads(settings.database_url())) == 5


def test_the_command_needs_a_location_and_a_key(tmp_path: Path) -> None:
    from plateward.cli import app

    runner = CliRunner()
    base = ["edge", "--camera", "POLE-1", "--source", str(tmp_path), "--server", "http://x"]
    done = runner.invoke(app, base + ["--key", "pwc_k"])
    assert done.exit_code == 2 and "--latitude and --longitude" in done.output
    env = {"PLATEWARD_CAMERA_KEY": "", "PLATEWARD_DATA_DIR": str(tmp_path / "data")}
    done = runner.invoke(app, [*base, "--latitude", "1", "--longitude", "2"], env=env)
    assert done.exit_code == 1 and "no camera key" in done.output


# The crash test: real processes, killed.

AGENT_KILLS = 4
AGENT = """
import time
from pathlib import Path

import cv2
import numpy as np
import typer

from plateward.ingest import edge
from plateward.ingest.edge_cli import edge as edge_command
from plateward.recognition.types import PlateRead
from plateward.settings import load_settings

CROP = bytes(cv2.imencode(".jpg", np.full((20, 60, 3), 200, np.uint8))[1])


class SlowFakeEngine:
    # FakeEngine's plates, 40 ms an image: slow enough to be killed in the middle of a folder.
    def read_image(self, image, source):
        time.sleep(0.04)
        index = int(Path(source).stem.removeprefix("img-"))
        return [
            PlateRead(
                source=source, plate=f"E{index:04d}{k}", raw_text="", confidence=0.9,
                char_confidences=(), alternatives=(), box=(0, 0, 8, 8), polygon=(),
                detection_confidence=0.9, region=None, region_confidence=0.0, crop_jpeg=CROP,
            )
            for k in range(index % 3)
        ]


edge.load_engine = lambda settings: SlowFakeEngine()
app = typer.Typer()


@app.callback()
def main(ctx: typer.Context) -> None:
    ctx.obj = load_settings()


app.command("edge")(edge_command)
app()
"""
"""The crash test's agent: the real ``edge`` command with a fake engine, importing no more
than the command needs (the agent is started five times; each import costs seconds on a busy
machine)."""
ROUND_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Any, what: str, timeout_s: float = ROUND_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Processes:
    """The server and agent processes of one test; whatever is left is killed at the end."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = env
        self.running: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(
        self, name: str, args: list[str], extra_env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        log_path = self.tmp / f"{name}-{len(self.logs)}.log"
        self.logs.append(log_path)
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, *args],
                cwd=self.tmp,
                env={**self.env, **extra_env},
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.logs[-4:])

    def close(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process)


@pytest.mark.slow
def test_every_read_arrives_exactly_once_through_kills_and_restarts(
    database_url: str, tmp_path: Path
) -> None:
    key = register_camera(database_url)
    expected = make_images(tmp_path / "cam", 150)
    port = free_port()
    server_url = f"http://127.0.0.1:{port}"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PLATEWARD_") and name != "COVERAGE_PROCESS_START"
    }
    agent_env = {
        "PLATEWARD_CAMERA_KEY": key,
        "PLATEWARD_DATA_DIR": str(tmp_path / "edge"),
        "PLATEWARD_EDGE__BATCH_READS": "7",
        "PLATEWARD_EDGE__BACKOFF_BASE_S": "0.05",
        "PLATEWARD_EDGE__BACKOFF_CAP_S": "0.4",
        "PLATEWARD_EDGE__POLL_S": "0.2",
    }
    server_env = {"PLATEWARD_DATA_DIR": str(tmp_path / "server"), "PLATEWARD_DB": database_url}
    outbox_file = tmp_path / "edge" / "edge-outbox.db"
    watch_what_is_queued(outbox_file)
    agent_args = [
        "-c", AGENT, "edge", "--camera", "POLE-1", "--source", str(tmp_path / "cam"),
        "--server", server_url, "--latitude", "38.58", "--longitude", "-121.49",
    ]  # fmt: skip
    server_args = ["-m", "plateward", "serve", "--port", str(port)]
    procs = Processes(tmp_path, env)
    rng = random.Random(20261129)

    def start_server() -> subprocess.Popen[bytes]:
        process = procs.start("server", server_args, server_env)
        wait_for(lambda: _healthy(server_url) or process.poll() is not None, "the server")
        assert process.poll() is None, procs.tail()
        return process

    try:
        server = start_server()
        for round_no in range(AGENT_KILLS):
            agent = procs.start("agent", agent_args, agent_env)
            wait_for(lambda: "reading" in procs.logs[-1].read_text(), "the agent to start")
            time.sleep(rng.uniform(0.1, 0.8))
            if round_no == 1:  # the server dies too, and comes back while the agent retries
                procs.kill(server)
                time.sleep(0.3)
                server = start_server()
                time.sleep(rng.uniform(0.1, 0.5))
            assert agent.poll() is None, procs.tail()
            procs.kill(agent)
        final = procs.start("agent", [*agent_args, "--once"], agent_env)
        final.wait(60)
        assert final.returncode == 0, procs.tail()
    finally:
        procs.close()

    stored = stored_reads(database_url)
    with sqlite3.connect(outbox_file) as db:
        queued = {row[0] for row in db.execute("SELECT id FROM queued_ever")}
        assert db.execute("SELECT count(*) FROM pending").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM rejected").fetchone()[0] == 0
    assert sorted(p for _, p in stored) == sorted(expected), "a read was lost or doubled"
    assert len({i for i, _ in stored}) == len(stored) == len(expected)
    assert {i for i, _ in stored} == queued, "the server holds other reads than were queued"


def watch_what_is_queued(outbox_file: Path) -> None:
    """Record every UUID ever committed to the outbox, in the outbox's own transactions."""
    Outbox(outbox_file, "POLE-1").close()
    with sqlite3.connect(outbox_file) as db:
        db.executescript(
            """
            CREATE TABLE queued_ever (id TEXT PRIMARY KEY);
            CREATE TRIGGER record_queued AFTER INSERT ON pending
            BEGIN INSERT INTO queued_ever VALUES (NEW.id); END;
            """
        )


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
