"""Webhooks and e-mail: signed, retried while the far end is down, every attempt on record."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from plateward.alert.delivery import backoff_s
from plateward.settings import AlertSettings, Settings, load_settings


@dataclass
class Receiver:
    """A real HTTP endpoint: answers ``statuses`` in turn (then 200), records each request."""

    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    spec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            spec.received.append((dict(self.headers.items()), body))
            time.sleep(spec.delay_s)
            status = spec.statuses.pop(0) if spec.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    spec.url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/alpr"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield spec
    httpd.shutdown()


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any], list[bool]]]:
    """A real SMTP server (aiosmtpd): refuses while ``refusing[0]`` is true."""
    from aiosmtpd.controller import Controller

    messages: list[Any] = []
    refusing = [True]

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if refusing[0]:
                return "451 4.3.0 mailbox busy, try later"
            messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, messages, refusing
    controller.stop()


@pytest.fixture
def settings(
    database_url: str, tmp_path: Any, smtp_server: tuple[int, list[Any], list[bool]]
) -> Settings:
    """Fast retries, so a test sees the second and third attempts; the real SMTP server."""
    return load_settings(
        db=database_url, data_dir=tmp_path / "data",
        alerts={"retry_base_s": 0.2, "retry_cap_s": 0.5, "webhook_timeout_s": 1.0,
                "smtp_host": "127.0.0.1", "smtp_port": smtp_server[0],
                "link_base_url": "https://alpr.example.gov"},
    )  # fmt: skip


def api(server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def raise_one(server: str, crew: dict[str, str], plate: str = "7ABC123") -> None:
    with api(server, crew["investigator"]) as investigator:
        investigator.post("/api/v1/hotlists", json={"name": "BOLO"})
        investigator.post("/api/v1/hotlists/BOLO/entries", json={"plate": plate, "reason": "bolo"})
    read = {"id": str(uuid.uuid4()), "captured_at": dt.datetime.now(dt.UTC).isoformat(),
            "plate": plate, "confidence": 0.9, "latitude": 38.58, "longitude": -121.49}  # fmt: skip
    answer = httpx.post(f"{server}/api/v1/reads", json={"reads": [read]}, timeout=60,
                        headers={"Authorization": f"Bearer {crew['camera_key']}"}).json()  # fmt: skip
    assert answer["alerts"] == 1


def wait_for(condition: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def deliveries(server: str, crew: dict[str, str], channel_id: int) -> list[dict[str, Any]]:
    with api(server, crew["admin"]) as admin:
        answer = admin.get(f"/api/v1/alert-channels/{channel_id}/deliveries")
        return answer.json()["deliveries"]  # type: ignore[no-any-return]


def test_a_webhook_gets_the_alert_signed_and_a_failing_one_is_retried(
    server: str, crew: dict[str, str], receiver: Receiver
) -> None:
    receiver.statuses = [503, 500]
    with api(server, crew["admin"]) as admin:
        made = admin.post("/api/v1/alert-channels", json={
            "name": "CAD", "kind": "webhook", "target": receiver.url})  # fmt: skip
        assert made.status_code == 201, made.text
        channel = made.json()
        assert channel["secret"] and channel["id"]
        listed = admin.get("/api/v1/alert-channels").json()["channels"]
        assert "secret" not in listed[0]
    raise_one(server, crew)
    done = wait_for(lambda: [d for d in deliveries(server, crew, channel["id"])
                             if d["status"] == "delivered"])  # fmt: skip
    attempts = done[0]["attempts"]
    assert [(a["ok"], a["status_code"]) for a in attempts] == [
        (False, 503), (False, 500), (True, 200)]  # fmt: skip
    assert "HTTP 503" in attempts[0]["error"]
    headers, body = receiver.received[-1]
    expected = hmac.new(channel["secret"].encode(),
                        headers["X-Plateward-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()  # fmt: skip
    assert headers["X-Plateward-Signature"] == f"sha256={expected}"
    alert = json.loads(body)
    assert (alert["plate"], alert["list"], alert["camera"]) == ("7ABC123", "BOLO", "POLE-1")
    assert len({b for _, b in receiver.received}) == 1, "each attempt sends the same alert"


def test_a_webhook_that_times_out_shows_as_failing(
    server: str, crew: dict[str, str], receiver: Receiver
) -> None:
    receiver.delay_s = 2.0
    with api(server, crew["admin"]) as admin:
        channel = admin.post("/api/v1/alert-channels", json={
            "name": "Slow", "kind": "webhook", "target": receiver.url}).json()  # fmt: skip
    raise_one(server, crew)
    failing = wait_for(lambda: [d for d in deliveries(server, crew, channel["id"])
                                if d["status"] == "failing"])  # fmt: skip
    assert "no answer within 1 s" in failing[0]["last_error"]
    with api(server, crew["admin"]) as admin:
        summary = admin.get("/api/v1/alert-channels").json()["channels"][0]["deliveries"]
    assert summary.get("failing") == 1 or summary.get("delivered") == 1


def test_a_channel_only_gets_what_its_filter_wants(
    server: str, crew: dict[str, str], receiver: Receiver
) -> None:
    with api(server, crew["admin"]) as admin:
        admin.post("/api/v1/alert-channels", json={
            "name": "AMBER only", "kind": "webhook", "target": receiver.url,
            "filters": {"reasons": ["amber_alert"]}})  # fmt: skip
    raise_one(server, crew)
    time.sleep(1.5)
    assert receiver.received == []


@pytest.mark.parametrize("kind,target", [("webhook", "ftp://x"), ("email", "not-an-address"),
                                         ("pager", "x")])  # fmt: skip
def test_a_channel_that_cannot_work_is_refused(
    server: str, crew: dict[str, str], kind: str, target: str
) -> None:
    with api(server, crew["admin"]) as admin:
        refused = admin.post("/api/v1/alert-channels",
                             json={"name": "x", "kind": kind, "target": target})  # fmt: skip
    assert refused.status_code == 422


def test_backoff_doubles_up_to_its_cap() -> None:
    settings = AlertSettings(retry_base_s=5, retry_cap_s=60)
    assert [backoff_s(n, settings) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_email_refused_by_the_server_is_retried_then_delivered(
    server: str, crew: dict[str, str], smtp_server: tuple[int, list[Any], list[bool]]
) -> None:
    _, messages, refusing = smtp_server
    with api(server, crew["admin"]) as admin:
        channel = admin.post("/api/v1/alert-channels", json={
            "name": "Watch commander", "kind": "email", "target": "watch@ccso.example.gov"}).json()  # fmt: skip
    raise_one(server, crew)
    failing = wait_for(lambda: [d for d in deliveries(server, crew, channel["id"])
                                if d["status"] == "failing"])  # fmt: skip
    assert "451" in failing[0]["last_error"]
    refusing[0] = False
    wait_for(lambda: [d for d in deliveries(server, crew, channel["id"])
                      if d["status"] == "delivered"])  # fmt: skip
    text = messages[0].content.decode()
    assert "Subject: Hot list alert: 7ABC123" in text
    assert "NOT GROUNDS FOR ENFORCEMENT until verified" in text
    assert "https://alpr.example.gov/alerts/" in text
