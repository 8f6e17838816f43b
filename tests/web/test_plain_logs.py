"""Inquiry details stay out of the plain logs; forwarded addresses come only from our proxies."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.store.database import open_database
from plateward.web.app import create_app


def test_the_servers_own_log_never_shows_a_plate_or_a_purpose(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "plateward", "serve", "--port", str(port), "--db",
         f"sqlite:///{tmp_path / 'plateward.db'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PLATEWARD_DATA_DIR": str(tmp_path / "data")},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("server did not start") from None
                time.sleep(0.2)
        query = {"plate": "7ABC123", "case_number": "26-004211", "reason": "blue Honda robbery"}
        httpx.get(f"http://127.0.0.1:{port}/api/v1/search/plate", params=query)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "GET /api/v1/search/plate?\u2026 HTTP/1.1" in output
    for secret in ("7ABC123", "26-004211", "Honda"):
        assert secret not in output


@pytest.mark.parametrize(
    ("client", "trusted", "logged"),
    [
        ("10.1.2.3", (), "10.1.2.3"),  # no proxy configured: the header is ignored
        ("10.1.2.3", ("10.9.9.9",), "10.1.2.3"),  # from someone who is not our proxy
        ("10.9.9.9", ("10.9.9.9",), "203.0.113.7"),  # through our proxy: its word is taken
    ],
)
def test_forwarded_for_is_believed_only_from_configured_proxies(
    settings: Settings, client: str, trusted: tuple[str, ...], logged: str
) -> None:
    configured = settings.model_copy(
        update={
            "server": settings.server.model_copy(update={"trusted_proxies": trusted}),
            "web": settings.web.model_copy(update={"secure_cookies": False}),  # plain http here
        }
    )
    app = create_app(configured)
    with TestClient(app, client=(client, 50000)) as browser:
        form = browser.get("/login")
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        browser.post(
            "/login",
            data={"username": "nobody", "password": "wrong", "csrf_token": token},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    app.state.plateward.db.dispose()
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        (address,) = connection.execute(select(access_log.c.client_address)).scalars()
    engine.dispose()
    assert address == logged
