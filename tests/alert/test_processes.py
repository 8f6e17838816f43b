"""Two server processes on one database: an alert raised by one reaches the streams of both.

On PostgreSQL the raising transaction's NOTIFY carries it; on SQLite the other process finds
it by polling. The second server here is a second application with its own engine, thread
pool and follower, as a second ``plateward serve`` worker would be.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from plateward.settings import Settings
from plateward.web.app import create_app


@pytest.fixture
def second_server(settings: Settings) -> Iterator[str]:
    app = create_app(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "second server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)
    app.state.plateward.db.dispose()


def test_an_alert_raised_by_one_server_reaches_a_stream_on_the_other(
    server: str, second_server: str, crew: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {crew['investigator']}"}
    httpx.post(f"{server}/api/v1/hotlists", json={"name": "BOLO"}, headers=auth)
    httpx.post(f"{server}/api/v1/hotlists/BOLO/entries", headers=auth,
               json={"plate": "7ABC123", "reason": "amber_alert"})  # fmt: skip
    events: queue.Queue[Any] = queue.Queue()

    def watch() -> None:
        headers = {"Authorization": f"Bearer {crew['deputy']}"}
        with (
            httpx.Client(timeout=httpx.Timeout(30, read=None)) as client,
            client.stream(
                "GET", f"{second_server}/api/v1/alerts/stream", headers=headers
            ) as response,
        ):
            events.put(response.status_code)
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.put((json.loads(line[6:]), time.monotonic()))
                    return

    threading.Thread(target=watch, daemon=True).start()
    assert events.get(timeout=20) == 200
    time.sleep(0.3)
    read = {"id": str(uuid.uuid4()), "captured_at": dt.datetime.now(dt.UTC).isoformat(),
            "plate": "7ABC123", "confidence": 0.9, "latitude": 38.58, "longitude": -121.49}  # fmt: skip
    posted = time.monotonic()
    answer = httpx.post(f"{server}/api/v1/reads", json={"reads": [read]}, timeout=30,
                        headers={"Authorization": f"Bearer {crew['camera_key']}"})  # fmt: skip
    assert answer.json()["alerts"] == 1
    alert, arrived = events.get(timeout=10)
    assert alert["plate"] == "7ABC123" and alert["reason"] == "amber_alert"
    assert arrived - posted < 1.0


def test_a_batch_of_more_alerts_than_one_notice_holds_reaches_the_other_server(
    server: str, second_server: str, crew: dict[str, str]
) -> None:
    """PostgreSQL refuses a NOTIFY of 8,000 bytes: 2,700 alerts' ids (12,400 characters) go
    out in pieces, and the stream's client, cut off when its queue fills, misses none."""
    auth = {"Authorization": f"Bearer {crew['investigator']}"}
    httpx.post(f"{server}/api/v1/hotlists", json={"name": "BOLO"}, headers=auth)
    for pattern in ("7QQ*", "7QQ0*", "7Q?0*"):  # three alerts a read
        added = httpx.post(f"{server}/api/v1/hotlists/BOLO/entries", headers=auth,
                           json={"plate": pattern, "reason": "felony_vehicle"})  # fmt: skip
        assert added.status_code == 201, added.text
    events: queue.Queue[Any] = queue.Queue()
    done = threading.Event()

    def watch() -> None:
        """A client as the stream's docs ask: cut off when its queue (1,000) fills, it comes
        back with the last id it saw and is sent what it missed."""
        try:
            follow_the_stream()
        except httpx.HTTPError:
            if not done.is_set():  # the server going away after the test is no failure
                raise

    def follow_the_stream() -> None:
        last = None
        with httpx.Client(timeout=httpx.Timeout(30, read=None)) as client:
            while not done.is_set():
                headers = {"Authorization": f"Bearer {crew['deputy']}"}
                if last is not None:
                    headers["Last-Event-ID"] = last
                with client.stream(
                    "GET", f"{second_server}/api/v1/alerts/stream", headers=headers
                ) as response:
                    events.put(response.status_code)
                    for line in response.iter_lines():
                        if line.startswith("id: "):
                            last = line[4:]
                        elif line.startswith("data: "):
                            events.put(json.loads(line[6:]))

    threading.Thread(target=watch, daemon=True).start()
    assert events.get(timeout=20) == 200
    time.sleep(0.3)
    now = dt.datetime.now(dt.UTC).isoformat()
    reads = [{"id": str(uuid.uuid4()), "captured_at": now, "plate": f"7QQ{k:04d}",
              "confidence": 0.9, "latitude": 38.58, "longitude": -121.49} for k in range(900)]  # fmt: skip
    answer = httpx.post(f"{server}/api/v1/reads", json={"reads": reads}, timeout=60,
                        headers={"Authorization": f"Bearer {crew['camera_key']}"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["alerts"] == 2700
    streamed: dict[int, str] = {}
    while len(streamed) < 2700:
        event = events.get(timeout=20)
        if isinstance(event, dict):
            streamed[event["id"]] = event["plate"]
    done.set()
    assert sorted(streamed.values()) == sorted(3 * [read["plate"] for read in reads])
