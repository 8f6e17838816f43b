"""The edge agent's hot lists: copied from the server, matched on the spot, offline too.

The fake engine of ``test_edge.py`` reads plates named after the image (``img-0005.png``
holds ``E00050`` and ``E00051``); the server, the lists and the alerts are real.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from plateward.ingest import edge
from plateward.ingest.edge import Agent, EdgeOptions, Site, outbox_path, run_edge
from plateward.ingest.outbox import Outbox
from plateward.recognition.interfaces import Image
from plateward.recognition.types import PlateRead
from plateward.settings import EdgeSettings, Settings

SITE = Site(38.5816, -121.4944, 270.0)


class FakeEngine:
    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        index = int(Path(source).stem.removeprefix("img-"))
        return [
            PlateRead(
                source=source,
                plate=f"E{index:04d}{k}",
                raw_text="",
                confidence=0.9,
                char_confidences=(0.9,) * 6,
                alternatives=(),
                box=(0, 0, 1, 1),
                polygon=(),
                detection_confidence=0.9,
                region=None,
                region_confidence=0.0,
                crop_jpeg=b"",
            )
            for k in range(index % 3)
        ]


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edge, "load_engine", lambda _settings: FakeEngine())


def images(folder: Path, indexes: range, salt: int = 9) -> None:
    """Tiny PNGs, distinct per index and salt (the agent knows an image by its content)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in indexes:
        pixels = np.zeros((8, 8, 3), np.uint8)
        pixels[0, 0] = (i % 256, i // 256, salt)
        cv2.imwrite(str(folder / f"img-{i:04d}.png"), pixels)


def quick(settings: Settings) -> Settings:
    fast = EdgeSettings(poll_s=0.05, backoff_base_s=0.05, backoff_cap_s=0.1, batch_reads=8,
                        timeout_s=2, hotlist_sync_s=0.2)  # fmt: skip
    return settings.model_copy(update={"edge": fast})


def options(source: Path, server: str, key: str, once: bool = True) -> EdgeOptions:
    return EdgeOptions(camera="POLE-1", source=str(source), server_url=server, key=key,
                       site=SITE, once=once)  # fmt: skip


def on_list(server: str, token: str, *plates: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{server}/api/v1/hotlists", json={"name": "BOLO"}, headers=auth, timeout=30)
    for plate in plates:
        added = httpx.post(f"{server}/api/v1/hotlists/BOLO/entries", headers=auth, timeout=30,
                           json={"plate": plate, "reason": "stolen_vehicle",
                                 "case_number": "26-000777"})  # fmt: skip
        assert added.status_code == 201


def server_alerts(server: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    return answer.json()["alerts"]  # type: ignore[no-any-return]


def unreachable() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_the_agent_alerts_on_the_spot_and_the_alert_reaches_the_server(
    server: str, settings: Settings, crew: dict[str, str], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    on_list(server, crew["investigator"], "E00051")
    images(tmp_path / "cam", range(8))
    with caplog.at_level(logging.INFO):
        assert run_edge(quick(settings), options(tmp_path / "cam", server, crew["camera_key"])) == 0
    local = [r for r in caplog.records if r.name == "plateward.alert"]
    assert len(local) == 1
    assert "read E00051 matches E00051" in local[0].message
    assert "case 26-000777" in local[0].message and "CLETS" in local[0].message
    [alert] = server_alerts(server, crew["deputy"])
    assert alert["plate"] == "E00051" and alert["edge_raised_at"] is not None


def test_out_of_coverage_the_copy_still_alerts_and_the_server_learns_later(
    server: str, settings: Settings, crew: dict[str, str], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    on_list(server, crew["investigator"], "E00411")
    settings = quick(settings)
    images(tmp_path / "cam", range(2))
    assert run_edge(settings, options(tmp_path / "cam", server, crew["camera_key"])) == 0
    # The entry is ended on the server while the car is out of coverage; the car's copy
    # still holds it, and the deputy must still be told (and the server keep the alert).
    auth = {"Authorization": f"Bearer {crew['investigator']}"}
    httpx.post(f"{server}/api/v1/hotlists/BOLO/expire", json={"all": True}, headers=auth)
    images(tmp_path / "cam", range(40, 44))
    box = Outbox(outbox_path(settings), "POLE-1")
    agent = Agent(settings, options(tmp_path / "cam", unreachable(), crew["camera_key"],
                                    once=False), box)  # fmt: skip
    thread = threading.Thread(target=agent.run)
    with caplog.at_level(logging.INFO):
        thread.start()
        deadline = time.monotonic() + 20
        while agent.alerts_raised == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        agent.stop()
        thread.join(10)
    assert agent.alerts_raised == 1
    pending = [json.loads(r.body) for r in box.oldest(100)]
    box.close()
    [carried] = [r for r in pending if r.get("edge_alerts")]
    assert carried["plate"] == "E00411" and carried["edge_alerts"][0]["kind"] == "exact"
    # Back in coverage: the read goes up with its alert, and the copy drops the ended entry.
    assert run_edge(settings, options(tmp_path / "cam", server, crew["camera_key"])) == 0
    [alert] = server_alerts(server, crew["deputy"])
    assert alert["plate"] == "E00411" and alert["edge_raised_at"] is not None
    images(tmp_path / "cam2", range(41, 42), salt=10)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert run_edge(settings, options(tmp_path / "cam2", server, crew["camera_key"])) == 0
    assert "2 stored" in caplog.text
    assert not [r for r in caplog.records if r.name == "plateward.alert"]
