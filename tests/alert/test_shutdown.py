"""A server with open alert streams still stops when told to (SIGTERM), promptly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from plateward.access.users import add_user, issue_token
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade


def test_sigterm_ends_open_streams_and_the_server(tmp_path: Path, train: object) -> None:
    url = f"sqlite:///{tmp_path / 'plateward.db'}"
    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        person = add_user(connection, username="deputy", full_name="Deputy", role="user",
                          agency_id=agency, password="quartz meadow lantern 58")  # fmt: skip
        train(connection, person.id)  # type: ignore[operator]
        token = issue_token(connection, person.id, "stream")
    engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PLATEWARD_DB": url, "PLATEWARD_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "plateward", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        opened = threading.Event()

        def watch() -> None:
            headers = {"Authorization": f"Bearer {token}"}
            try:
                with (
                    httpx.Client(timeout=httpx.Timeout(60, read=None)) as client,
                    client.stream(
                        "GET", f"{base}/api/v1/alerts/stream", headers=headers
                    ) as response,
                ):
                    opened.set()
                    for _ in response.iter_lines():
                        pass
            except httpx.HTTPError:
                pass

        for _ in range(2):
            threading.Thread(target=watch, daemon=True).start()
        assert opened.wait(30)
        time.sleep(0.5)
        asked = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) is not None
        assert time.monotonic() - asked < 15
    finally:
        if server.poll() is None:
            server.kill()
