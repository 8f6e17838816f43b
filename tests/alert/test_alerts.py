"""Reads raise alerts in their own request; people see, stream, verify and close them (A.7)."""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.store.database import open_database

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def api(server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def post_reads(server: str, key: str, *reads: dict[str, Any]) -> dict[str, Any]:
    batch = {
        "reads": [
            {
                "id": str(uuid.uuid4()),
                "captured_at": dt.datetime.now(dt.UTC).isoformat(),
                "confidence": 0.93,
                "latitude": 38.58,
                "longitude": -121.49,
                **read,
            }
            for read in reads
        ]
    }
    response = httpx.post(f"{server}/api/v1/reads", json=batch, timeout=60,
                          headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    assert response.status_code == 200, response.text
    return {"answer": response.json(), "batch": batch}


def bolo(server: str, token: str, *plates: str, list_name: str = "BOLO", **extra: Any) -> None:
    with api(server, token) as client:
        made = client.post("/api/v1/hotlists", json={"name": list_name, **extra})
        assert made.status_code == 201, made.text
        for plate in plates:
            added = client.post(f"/api/v1/hotlists/{list_name}/entries",
                                json={"plate": plate, "reason": "stolen_vehicle",
                                      "case_number": "26-001234", "vehicle_make": "TOYT"})  # fmt: skip
            assert added.status_code == 201, added.text


@pytest.fixture
def watching(server: str) -> Iterator[Any]:
    """Open an alert stream as someone; events arrive on a queue with their arrival time."""
    streams: list[httpx.Client] = []

    def watch(token: str, base: str = server, **params: Any) -> queue.Queue[Any]:
        events: queue.Queue[Any] = queue.Queue()
        client = httpx.Client(base_url=base, timeout=httpx.Timeout(60, read=None))
        streams.append(client)
        opened = threading.Event()

        def run() -> None:
            headers = {"Authorization": f"Bearer {token}"}
            if "last_event_id" in params:
                headers["Last-Event-ID"] = str(params.pop("last_event_id"))
            try:
                with client.stream("GET", "/api/v1/alerts/stream", headers=headers,
                                   params=params) as response:  # fmt: skip
                    events.put(("status", response.status_code))
                    opened.set()
                    kind = None
                    for line in response.iter_lines():
                        if line.startswith("event: "):
                            kind = line.removeprefix("event: ")
                        elif line.startswith("data: "):
                            events.put((kind, json.loads(line.removeprefix("data: ")),
                                        time.monotonic()))  # fmt: skip
            except (httpx.HTTPError, RuntimeError):
                pass
            finally:
                opened.set()

        threading.Thread(target=run, daemon=True).start()
        assert opened.wait(30)
        return events

    yield watch
    for client in streams:
        client.close()


def next_alert(events: queue.Queue[Any], timeout: float = 10) -> tuple[dict[str, Any], float]:
    deadline = time.monotonic() + timeout
    while True:
        item = events.get(timeout=max(0.01, deadline - time.monotonic()))
        if item[0] == "alert":
            return item[1], item[2]


def test_a_read_on_the_list_raises_one_alert_in_its_own_request(
    server: str, crew: dict[str, str]
) -> None:
    bolo(server, crew["investigator"], "7ABC123")
    first = post_reads(server, crew["camera_key"], {"plate": "7ABC123"}, {"plate": "5XYZ789"})
    assert first["answer"] == {"stored": 2, "duplicates": 0, "alerts": 1}
    again = httpx.post(f"{server}/api/v1/reads", json=first["batch"], timeout=60,
                       headers={"Authorization": f"Bearer {crew['camera_key']}"})  # fmt: skip
    assert again.json() == {"stored": 0, "duplicates": 2, "alerts": 0}
    with api(server, crew["deputy"]) as deputy:
        found = deputy.get("/api/v1/alerts").json()["alerts"]
    assert len(found) == 1
    alert = found[0]
    assert (alert["plate"], alert["list"], alert["reason"], alert["camera"]) == (
        "7ABC123", "BOLO", "stolen_vehicle", "POLE-1")  # fmt: skip
    assert alert["status"] == "unverified" and alert["entry"]["case_number"] == "26-001234"
    assert alert["entry"]["vehicle_make"] == "TOYT"


def test_an_alert_keeps_the_whole_entry_as_it_was_when_matched(
    server: str, crew: dict[str, str]
) -> None:
    """PostgreSQL takes the copy in SQL and SQLite in Python: both must read the same."""
    starts = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    expires = dt.datetime(2030, 6, 7, 8, 9, 10, 120000, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    with api(server, crew["investigator"]) as client:
        assert client.post("/api/v1/hotlists", json={"name": "NCIC"}).status_code == 201
        added = client.post("/api/v1/hotlists/NCIC/entries", json={
            "plate": "6TRJ244", "state": "CA", "reason": "felony_vehicle", "priority": 2,
            "case_number": "26-000777", "ori": "CA0340000", "vehicle_color": "BLK",
            "notes": "Armed; do not approach alone", "starts_at": starts.isoformat(),
            "expires_at": expires.isoformat()})  # fmt: skip
        assert added.status_code == 201, added.text
    post_reads(server, crew["camera_key"], {"plate": "6TRJ244"})
    with api(server, crew["investigator"]) as client:
        client.post("/api/v1/hotlists/NCIC/entries",
                    json={"plate": "6TRJ245", "reason": "stolen_plate"})  # fmt: skip
        (alert,) = client.get("/api/v1/alerts").json()["alerts"]
    entry = alert["entry"]
    assert set(entry) == {
        "id", "list_id", "list", "source", "plate", "is_pattern", "state", "reason", "priority",
        "case_number", "ori", "ncic_number", "plate_type", "plate_year", "vehicle_year",
        "vehicle_make", "vehicle_model", "vehicle_style", "vehicle_color", "theft_date",
        "notes", "added_by", "added_at", "starts_at", "expires_at", "removed_at", "removed_by",
    }  # fmt: skip
    assert {k: entry[k] for k in ("plate", "state", "reason", "priority", "ori", "list",
                                  "notes", "removed_at", "is_pattern", "vehicle_make")} == {
        "plate": "6TRJ244", "state": "CA", "reason": "felony_vehicle", "priority": 2,
        "ori": "CA0340000", "list": "NCIC", "notes": "Armed; do not approach alone",
        "removed_at": None, "is_pattern": False, "vehicle_make": None,
    }  # fmt: skip
    assert entry["starts_at"] == "2026-01-02T03:04:05+00:00"
    assert entry["expires_at"] == "2030-06-07T16:09:10.120000+00:00"
    added_at = dt.datetime.fromisoformat(entry["added_at"])
    assert added_at.tzinfo == dt.UTC and added_at <= dt.datetime.fromisoformat(alert["raised_at"])


def test_alternatives_patterns_and_lookalikes_raise_alerts_that_say_how(
    server: str, crew: dict[str, str]
) -> None:
    bolo(server, crew["investigator"], "8OB1234", "4KX*", list_name="Tolerant", tolerant=True)
    post_reads(server, crew["camera_key"],
               {"plate": "8QB1234"},
               {"plate": "4KXA9ZZ"},
               {"plate": "7ABC128", "alternatives": [{"plate": "8OB1234", "confidence": 0.3}]})  # fmt: skip
    with api(server, crew["deputy"]) as deputy:
        found = deputy.get("/api/v1/alerts").json()["alerts"]
    how = sorted((a["plate"], a["match_kind"], a["matched_text"], a["via_alternative"],
                  a["differing"]) for a in found)  # fmt: skip
    assert how == [
        ("4KXA9ZZ", "pattern", "4KXA9ZZ", False, []),
        ("7ABC128", "exact", "8OB1234", True, []),
        ("8QB1234", "lookalike", "8QB1234", False, [1]),
    ]


def test_another_agencys_camera_and_people_see_nothing_of_a_list_not_shared(
    server: str, crew: dict[str, str]
) -> None:
    bolo(server, crew["investigator"], "7ABC123")
    answer = post_reads(server, crew["other_camera_key"], {"plate": "7ABC123"})["answer"]
    assert answer["alerts"] == 0
    post_reads(server, crew["camera_key"], {"plate": "7ABC123"})
    with api(server, crew["outsider"]) as outsider:
        assert outsider.get("/api/v1/alerts").json()["alerts"] == []
    with api(server, crew["deputy"]) as deputy:
        alert_id = deputy.get("/api/v1/alerts").json()["alerts"][0]["id"]
    with api(server, crew["outsider"]) as outsider:
        assert outsider.get(f"/api/v1/alerts/{alert_id}").status_code == 404


def test_the_stream_delivers_an_alert_within_a_second(
    server: str, crew: dict[str, str], watching: Any
) -> None:
    bolo(server, crew["investigator"], "7ABC123")
    events = watching(crew["deputy"])
    assert events.get(timeout=10) == ("status", 200)
    time.sleep(0.2)
    posted = time.monotonic()
    post_reads(server, crew["camera_key"], {"plate": "7ABC123"})
    alert, arrived = next_alert(events)
    assert arrived - posted < 1.0
    assert {"id", "plate", "list", "reason", "camera", "captured_at"} <= set(alert)
    assert (alert["plate"], alert["camera"]) == ("7ABC123", "POLE-1")


def test_the_stream_follows_its_filter_and_resumes_after_a_drop(
    server: str, crew: dict[str, str], watching: Any
) -> None:
    bolo(server, crew["investigator"], "7ABC123")
    bolo(server, crew["investigator"], "8XYZ999", list_name="Other")
    only_bolo = watching(crew["deputy"], lists=["BOLO"])
    assert only_bolo.get(timeout=10) == ("status", 200)
    time.sleep(0.2)
    post_reads(server, crew["camera_key"], {"plate": "8XYZ999"})
    post_reads(server, crew["camera_key"], {"plate": "7ABC123"})
    alert, _ = next_alert(only_bolo)
    assert alert["list"] == "BOLO"
    with api(server, crew["deputy"]) as deputy:
        every = deputy.get("/api/v1/alerts").json()["alerts"]
    oldest = min(a["id"] for a in every)
    resumed = watching(crew["deputy"], last_event_id=oldest)
    assert resumed.get(timeout=10) == ("status", 200)
    caught_up, _ = next_alert(resumed)
    assert caught_up["id"] == max(a["id"] for a in every)


def test_untrained_and_unknown_people_get_no_stream(
    server: str, crew: dict[str, str], watching: Any
) -> None:
    assert watching(crew["untrained"]).get(timeout=10) == ("status", 403)
    assert watching(crew["auditor"]).get(timeout=10) == ("status", 403)
    assert watching("pwu_not-a-token").get(timeout=10) == ("status", 401)


def test_verification_before_enforcement(
    server: str, crew: dict[str, str], settings: Settings
) -> None:
    bolo(server, crew["investigator"], "7ABC123")
    post_reads(server, crew["camera_key"], {"plate": "7ABC123", "plate_image": PNG_1PX})
    with api(server, crew["deputy"]) as deputy:
        alert_id = deputy.get("/api/v1/alerts").json()["alerts"][0]["id"]
        base = f"/api/v1/alerts/{alert_id}"
        stop = deputy.post(f"{base}/disposition", json={"disposition": "stop"})
        assert stop.status_code == 409
        assert "enforcement action and the alert is not verified" in stop.json()["detail"]
        early = deputy.post(f"{base}/verification", json={"check": "clets", "result": "confirmed",
                                                         "reference": "X1"})  # fmt: skip
        assert early.status_code == 409 and "step 1" in early.json()["detail"]
        opened = deputy.get(base).json()
        assert opened["read"]["plate_image"] is True
        crop = deputy.get(f"{base}/images/plate")
        assert crop.status_code == 200 and crop.headers["content-type"] == "image/png"
        plate = deputy.post(f"{base}/verification", json={"check": "plate", "result": "match"})
        assert plate.json()["status"] == "plate_matched"
        still = deputy.post(f"{base}/disposition", json={"disposition": "arrest"})
        assert still.status_code == 409 and "not been confirmed through CLETS" in still.text
        no_ref = deputy.post(f"{base}/verification", json={"check": "clets", "result": "confirmed"})
        assert no_ref.status_code == 422 and "reference" in no_ref.text
        confirmed = deputy.post(f"{base}/verification", json={
            "check": "clets", "result": "confirmed", "reference": "CLETS-26-889"})  # fmt: skip
        assert confirmed.json()["status"] == "verified"
        closed = deputy.post(f"{base}/disposition", json={"disposition": "stop", "note": "ok"})
        assert closed.json()["disposition"]["disposition"] == "stop"
    with api(server, crew["investigator"]) as investigator:
        late = investigator.post(f"{base}/disposition", json={"disposition": "no_action"})
        assert late.status_code == 409
        assert "closed: stop recorded by deputy" in late.json()["detail"]
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        logged = [
            (r.action, r.case_number, r.username)
            for r in connection.execute(select(access_log).where(access_log.c.action.like("alert.%")))
        ]  # fmt: skip
    engine.dispose()
    assert [a for a, _, _ in logged] == [
        "alert.list", "alert.view", "alert.view", "alert.verify.plate", "alert.verify.clets",
        "alert.dispose",
    ]  # fmt: skip
    assert {c for a, c, _ in logged if a != "alert.list"} == {"26-001234"}


def test_misreads_are_counted_per_camera(server: str, crew: dict[str, str]) -> None:
    bolo(server, crew["investigator"], "7ABC123", "8XYZ999")
    post_reads(server, crew["camera_key"], {"plate": "7ABC123"}, {"plate": "8XYZ999"})
    with api(server, crew["deputy"]) as deputy:
        first, second = deputy.get("/api/v1/alerts").json()["alerts"]
        deputy.post(f"/api/v1/alerts/{first['id']}/verification",
                    json={"check": "plate", "result": "misread", "note": "3 read as 7"})  # fmt: skip
        deputy.post(f"/api/v1/alerts/{second['id']}/disposition", json={"disposition": "misread"})
        counts = deputy.get("/api/v1/alerts/misreads").json()["cameras"]
    assert counts == [{"camera": "POLE-1", "alerts": 2, "plate_checked": 2, "misreads": 2,
                       "misread_rate": 1.0}]  # fmt: skip


def test_an_expired_entry_raises_nothing(server: str, crew: dict[str, str]) -> None:
    bolo(server, crew["investigator"], "7ABC123")
    with api(server, crew["investigator"]) as investigator:
        investigator.post("/api/v1/hotlists/BOLO/expire", json={"all": True})
    assert post_reads(server, crew["camera_key"], {"plate": "7ABC123"})["answer"]["alerts"] == 0


def test_a_client_that_drops_mid_stream_harms_nothing(
    server: str, crew: dict[str, str], watching: Any
) -> None:
    bolo(server, crew["investigator"], "7ABC123", "8XYZ999")
    headers = {"Authorization": f"Bearer {crew['deputy']}"}
    with (
        httpx.Client(timeout=httpx.Timeout(30, read=None)) as client,
        client.stream("GET", f"{server}/api/v1/alerts/stream", headers=headers) as response,
    ):
        assert response.status_code == 200
        next(response.iter_lines())  # connected; now vanish without reading further
    post_reads(server, crew["camera_key"], {"plate": "7ABC123"})
    events = watching(crew["deputy"])
    assert events.get(timeout=10) == ("status", 200)
    time.sleep(0.2)
    post_reads(server, crew["camera_key"], {"plate": "8XYZ999"})
    alert, _ = next_alert(events)
    assert alert["plate"] == "8XYZ999"
