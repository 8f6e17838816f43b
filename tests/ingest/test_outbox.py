"""The outbox, the sender's rules, the backoff and the HTTP client's reading of answers.

The network is replaced by plain functions (a fake ``post``, httpx's MockTransport), except in
the last test, which crashes "between the server's 200 and the delete" against the real server.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from plateward.errors import ConfigurationError
from plateward.ingest.client import (
    BatchRefused,
    BatchResult,
    SendLater,
    SendStopped,
    post_batch,
)
from plateward.ingest.outbox import Backoff, Outbox, OutboxRead, Progress, Sender
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database


def entry(plate: str = "7ABC123") -> OutboxRead:
    read_id = str(uuid.uuid4())
    body = {
        "id": read_id,
        "captured_at": "2026-11-20T10:15:00+00:00",
        "plate": plate,
        "confidence": 0.9,
        "latitude": 38.58,
        "longitude": -121.49,
    }
    return OutboxRead(read_id, json.dumps(body))


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.db", "POLE-1")
    yield box
    box.close()


def test_reads_leave_oldest_first_and_only_when_acknowledged(outbox: Outbox) -> None:
    reads = [entry() for _ in range(5)]
    outbox.put(reads[:2])
    outbox.put(reads[2:])
    assert [r.id for r in outbox.oldest(3)] == [r.id for r in reads[:3]]
    assert outbox.pending_count() == 5
    outbox.acknowledge([r.id for r in reads[:3]])
    assert [r.id for r in outbox.oldest(10)] == [r.id for r in reads[3:]]
    assert outbox.oldest(10)[0].body == reads[3].body


def test_queued_reads_survive_closing(tmp_path: Path) -> None:
    read = entry()
    first = Outbox(tmp_path / "outbox.db", "POLE-1")
    first.put([read], Progress("image:abc", 1, finished=True))
    first.close()
    again = Outbox(tmp_path / "outbox.db", "POLE-1")
    assert again.oldest(10) == [read]
    assert again.progress("image:abc") == Progress("image:abc", 1, True)
    again.close()


def test_settings_make_it_durable(outbox: Outbox) -> None:
    with sqlite3.connect(outbox.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert outbox._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reads_and_progress_commit_together(outbox: Outbox) -> None:
    read = entry()
    outbox.put([read])
    with pytest.raises(sqlite3.IntegrityError):
        outbox.put([entry(), read], Progress("video:x", 2, finished=False))
    assert outbox.pending_count() == 1
    assert outbox.progress("video:x") is None
    outbox.put([entry()], Progress("video:x", 1, finished=False))
    outbox.put([], Progress("video:x", 1, finished=True))
    assert outbox.progress("video:x") == Progress("video:x", 1, True)


def test_a_rejected_read_is_kept_aside_with_the_reason(outbox: Outbox) -> None:
    bad, good = entry(), entry()
    outbox.put([bad, good])
    outbox.reject(bad.id, "plate: pattern mismatch")
    assert outbox.oldest(10) == [good]
    [kept] = outbox.rejected()
    assert (kept.id, kept.body, kept.reason) == (bad.id, bad.body, "plate: pattern mismatch")


def test_one_agent_and_one_camera_per_outbox(outbox: Outbox) -> None:
    with pytest.raises(ConfigurationError, match="another edge agent"):
        Outbox(outbox.path, "POLE-1")
    outbox.close()
    with pytest.raises(ConfigurationError, match="camera POLE-1's reads, not POLE-2's"):
        Outbox(outbox.path, "POLE-2")
    Outbox(outbox.path, "POLE-1").close()


# The backoff.


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    low, high = Backoff(1.0, 10.0, rng=lambda: 0.0), Backoff(1.0, 10.0, rng=lambda: 1.0)
    assert [low.next_delay_s() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert [high.next_delay_s() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    high.reset()
    assert high.next_delay_s() == 1.0
    delays = [high.next_delay_s() for _ in range(2000)]  # no overflow after many failures
    assert delays[-1] == 10.0


def test_backoff_honours_retry_after_within_the_cap() -> None:
    backoff = Backoff(1.0, 60.0, rng=lambda: 0.0)
    assert backoff.next_delay_s(at_least_s=30) == 30
    assert backoff.next_delay_s(at_least_s=3600) == 60


def test_backoff_refuses_impossible_settings() -> None:
    with pytest.raises(ConfigurationError):
        Backoff(10.0, 1.0)


# The sender.


class FakeServer:
    """Stores what it is sent, keyed by UUID; refuses reads whose plate is not A-Z0-9."""

    def __init__(self) -> None:
        self.stored: dict[str, str] = {}
        self.posts: list[int] = []
        self.fail: list[Exception] = []

    def post(self, reads_json: Sequence[str]) -> BatchResult:
        self.posts.append(len(reads_json))
        if self.fail:
            raise self.fail.pop(0)
        reads = [json.loads(r) for r in reads_json]
        if any(not r["plate"].isalnum() for r in reads):
            raise BatchRefused("422 plate: pattern mismatch", 422)
        new = [r for r in reads if r["id"] not in self.stored]
        self.stored.update((r["id"], r["plate"]) for r in new)
        return BatchResult(stored=len(new), duplicates=len(reads) - len(new))


def drain(sender: Sender, steps: int = 100) -> list[float]:
    waits = []
    for _ in range(steps):
        wait = sender.step()
        if wait is None:
            return waits
        waits.append(wait)
    raise AssertionError("the outbox never emptied")


def test_sender_sends_everything_in_batches(outbox: Outbox) -> None:
    server = FakeServer()
    reads = [entry() for _ in range(25)]
    outbox.put(reads)
    sender = Sender(outbox, server.post, batch_reads=10, backoff=Backoff(1, 10))
    assert drain(sender) == [0.0, 0.0, 0.0]
    assert server.posts == [10, 10, 5]
    assert set(server.stored) == {r.id for r in reads}
    assert (sender.totals.stored, sender.totals.duplicates) == (25, 0)


def test_a_failed_post_keeps_the_batch_and_backs_off(outbox: Outbox) -> None:
    server = FakeServer()
    server.fail = [SendLater("down"), SendLater("down"), SendLater("busy", retry_after_s=7)]
    outbox.put([entry() for _ in range(3)])
    sender = Sender(outbox, server.post, batch_reads=10, backoff=Backoff(1, 30, rng=lambda: 0))
    assert drain(sender) == [0.5, 1.0, 7, 0.0]
    assert server.posts == [3, 3, 3, 3]
    assert len(server.stored) == 3
    server.fail = [SendLater("down")]
    outbox.put([entry()])
    assert drain(sender) == [0.5, 0.0]  # the backoff starts again after a success


def test_a_poison_read_is_isolated_and_set_aside(outbox: Outbox) -> None:
    server = FakeServer()
    reads = [entry() for _ in range(16)]
    reads[11] = entry("NOT-A-PLATE")
    outbox.put(reads)
    sender = Sender(outbox, server.post, batch_reads=16, backoff=Backoff(1, 10))
    drain(sender)
    assert set(server.stored) == {r.id for i, r in enumerate(reads) if i != 11}
    [rejected] = outbox.rejected()
    assert rejected.id == reads[11].id and "pattern" in rejected.reason
    assert sender.totals.rejected == 1
    assert len(server.posts) <= 2 * 5 + 2  # halving: about log2(16) refusals, not one per read


def test_a_refused_key_stops_sending_and_keeps_the_reads(outbox: Outbox) -> None:
    server = FakeServer()
    server.fail = [SendStopped("401 camera key not recognised")]
    outbox.put([entry(), entry()])
    sender = Sender(outbox, server.post, batch_reads=10, backoff=Backoff(1, 10))
    with pytest.raises(SendStopped):
        sender.step()
    assert outbox.pending_count() == 2


# The client: which answer is which error.


def answering(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer pwc_key"
        assert json.loads(request.content)["reads"][0]["plate"] == "7ABC123"
        return httpx.Response(status, json=body, headers=headers)

    return httpx.Client(transport=httpx.MockTransport(handle))


def failing(exc: Callable[[httpx.Request], Exception]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc(request)

    return httpx.Client(transport=httpx.MockTransport(handle))


def post_one(client: httpx.Client) -> BatchResult:
    return post_batch("http://server/", "pwc_key", [entry().body], 5, client=client)


def test_client_reads_the_servers_count() -> None:
    assert post_one(answering(200, {"stored": 1, "duplicates": 0})) == BatchResult(1, 0)


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_client_retries_server_trouble(status: int) -> None:
    with pytest.raises(SendLater) as raised:
        post_one(answering(status, {"detail": "busy"}, {"Retry-After": "12"}))
    assert raised.value.retry_after_s == 12
    assert f"{status} busy" in raised.value.message


def test_client_retries_network_trouble_and_odd_answers() -> None:
    with pytest.raises(SendLater, match="ConnectError"):
        post_one(failing(lambda r: httpx.ConnectError("refused", request=r)))
    with pytest.raises(SendLater, match="no answer within 5 s"):
        post_one(failing(lambda r: httpx.ReadTimeout("slow", request=r)))
    with pytest.raises(SendLater, match="unexpected body"):
        post_one(answering(200, {"ok": True}))


@pytest.mark.parametrize("status", [413, 422])
def test_client_reports_a_batch_the_server_will_never_take(status: int) -> None:
    detail = [{"loc": ["reads", 0, "plate"], "msg": "pattern mismatch"}]
    with pytest.raises(BatchRefused, match="pattern mismatch") as raised:
        post_one(answering(status, {"detail": detail}))
    assert raised.value.status == status


@pytest.mark.parametrize(
    ("status", "says"), [(401, "check --key"), (403, "new key"), (404, "check --server")]
)
def test_client_stops_on_what_only_a_person_can_fix(status: int, says: str) -> None:
    with pytest.raises(SendStopped, match=says):
        post_one(answering(status, {"detail": "no"}))


# A crash after the server stored a batch but before the outbox deleted it.


def test_a_batch_resent_after_a_crash_is_stored_once(
    server: str, settings: Settings, tmp_path: Path
) -> None:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        key = add_camera(
            connection,
            agency_id=agency,
            code="POLE-1",
            name="Main St",
            latitude=38.5,
            longitude=-121.5,
        )
    engine.dispose()
    box = Outbox(tmp_path / "crash.db", "POLE-1")
    box.put([entry() for _ in range(4)])

    def post(reads_json: Sequence[str]) -> BatchResult:
        return post_batch(server, key, reads_json, 30)

    # The server stores the batch; the agent dies before it can delete it.
    assert post([r.body for r in box.oldest(10)]) == BatchResult(4, 0)
    sender = Sender(box, post, batch_reads=10, backoff=Backoff(1, 10))
    assert drain(sender) == [0.0]
    assert (sender.totals.stored, sender.totals.duplicates) == (0, 4)
    assert box.pending_count() == 0
    box.close()
