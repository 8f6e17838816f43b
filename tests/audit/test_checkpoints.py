"""Signed checkpoints: the note format, the server's clock, the file, witnesses, the public page."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from plateward.audit.checkpoints import (
    Checkpoint,
    InvalidCheckpoint,
    Verifier,
    generate_key,
    load_verifier,
    read_notes,
)
from plateward.audit.log import Entry, append
from plateward.audit.merkle import verify_consistency
from plateward.settings import Settings, load_settings
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

GO_NOTE_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
    "qdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_notes_are_the_signed_note_standard(tmp_path: Path) -> None:
    """The published example of golang.org/x/mod/sumdb/note verifies with our code."""
    assert Verifier.parse(GO_NOTE_KEY).verified_text(GO_NOTE).startswith("If you think")
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        Verifier.parse(GO_NOTE_KEY).verified_text(GO_NOTE.replace("answer", "Answer"))
    key = generate_key(tmp_path / "k" / "log.key", "example.org/log")
    checkpoint = Checkpoint(
        "example.org/log", 12, b"\x07" * 32, dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    )
    note = key.sign(checkpoint)
    assert note.startswith("example.org/log\n12\nBwcH")
    assert "time 2026-12-06T00:00:00Z\n\n\u2014 example.org/log " in note
    assert load_verifier(tmp_path / "k" / "log.key.pub").open(note) == checkpoint
    other = generate_key(tmp_path / "k" / "other.key", "example.org/log")
    with pytest.raises(InvalidCheckpoint):
        other.verifier.open(note)
    assert (tmp_path / "k" / "log.key").stat().st_mode & 0o777 == 0o600


class Witness(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Witness.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def witness() -> Iterator[str]:
    Witness.received = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Witness)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/checkpoints"
    httpd.shutdown()


@pytest.fixture
def syslog() -> Iterator[socket.socket]:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(10)
    yield receiver
    receiver.close()


@pytest.fixture
def settings(  # the server fixture serves these
    database_url: str, tmp_path: Path, witness: str, syslog: socket.socket
) -> Settings:
    key = tmp_path / "keys" / "log.key"
    generate_key(key, "plateward/access-log")
    port = syslog.getsockname()[1]
    return load_settings(
        db=database_url, data_dir=tmp_path / "data",
        audit={"signing_key": str(key), "checkpoint_interval_s": 1, "witness_urls": [witness],
               "witness_syslog": f"127.0.0.1:{port}"},
    )  # fmt: skip


def log_some(settings: Settings, count: int) -> None:
    engine = open_database(settings.database_url())
    upgrade(engine)
    with engine.begin() as connection:
        for k in range(count):
            append(connection, Entry("deputy1", "CCSO", "search.plate", {"plate": f"7ABC{k}"},
                                     case_number="26-004211"))  # fmt: skip
    engine.dispose()


def wait_for_size(path: Path, size: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if path.exists() and any(
            f'"size": {size},' in line for line in path.read_text().splitlines()
        ):
            return
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint of size {size} in {path}")


def test_the_server_signs_within_its_interval_tells_witnesses_and_shows_it(
    settings: Settings, server: str, syslog: socket.socket
) -> None:
    path = settings.audit.checkpoint_path()
    assert path is not None
    log_some(settings, 5)
    wait_for_size(path, 5)
    log_some(settings, 3)
    wait_for_size(path, 8)
    verifier = load_verifier(settings.audit.public_key_path())  # type: ignore[arg-type]
    heads = [verifier.open(note) for note in read_notes(path)]
    assert [h.size for h in heads] == [5, 8]
    assert path.stat().st_mode & 0o777 == 0o600

    deadline = time.monotonic() + 10
    while len(Witness.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    first, second = Witness.received[:2]
    assert verifier.open(second["note"]) == heads[1]
    proof = [bytes.fromhex(p) for p in second["consistency_proof"]]
    assert second["previous_size"] == 5
    assert verify_consistency(5, 8, heads[0].root, heads[1].root, proof)
    assert first["previous_size"] == 0
    datagram = syslog.recv(65536).decode()
    assert "plateward-checkpoint" in datagram and '"size": 5' in datagram

    page = httpx.get(f"{server}/transparency")  # no sign-in
    assert page.status_code == 200
    assert '<dd id="log-size">8</dd>' in page.text
    assert heads[1].root.hex() in page.text
    assert verifier.text() in page.text
    plain = httpx.get(f"{server}/transparency/checkpoint")
    assert verifier.open(plain.text) == heads[1]
    proof_page = httpx.get(f"{server}/transparency/consistency", params={"first": 5, "second": 8})
    assert [bytes.fromhex(p) for p in proof_page.json()["proof"]] == proof


def test_stopping_the_server_signs_what_it_holds(settings: Settings, tmp_path: Path) -> None:
    """The shutdown checkpoint: uvicorn's lifespan ends with one, even inside the interval."""
    import uvicorn

    from plateward.web.app import create_app

    slow = settings.model_copy(
        update={"audit": settings.audit.model_copy(update={"checkpoint_interval_s": 60})}
    )
    app = create_app(slow)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.02)
    log_some(slow, 4)
    running.should_exit = True
    thread.join(20)
    app.state.plateward.db.dispose()
    path = slow.audit.checkpoint_path()
    assert path is not None
    wait_for_size(path, 4)
