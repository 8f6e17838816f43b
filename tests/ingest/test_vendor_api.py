"""Vendor endpoints over real HTTP: each vendor's own payloads, keys the way consoles send them."""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from plateward.access.users import add_user, issue_token
from plateward.alert.schema import alerts
from plateward.ingest.vendor_api import redact_keys_in_access_log
from plateward.settings import Settings
from plateward.store.camera_sources import add_source, set_timezone
from plateward.store.cameras import add_camera, ensure_agency, revoke_camera
from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.schema import camera_heartbeats, cameras

Load = Callable[[str], Any]
Stored = Callable[[Engine], list[dict[str, Any]]]


@pytest.fixture
def site(settings: Settings, server: str) -> Iterator[dict[str, Any]]:
    """The server, its database, and keys of a fixed camera, a second one and a patrol car."""
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        keys = {
            code: add_camera(
                connection, agency_id=agency, code=code, name=code, latitude=lat, longitude=lon
            )
            for code, lat, lon in (("POLE-1", 38.5, -121.5), ("POLE-2", 38.6, -121.4))
        }
        keys["CAR-7"] = add_camera(
            connection, agency_id=agency, code="CAR-7", name="Unit 7", kind="vehicle",
            vehicle_id="7",
        )  # fmt: skip
    yield {"url": server, "db": engine, "keys": keys, "settings": settings}
    engine.dispose()


def post(site: dict[str, Any], system: str, body: Any, camera: str = "POLE-1", **kw: Any) -> Any:
    headers = kw.pop("headers", {"Authorization": f"Bearer {site['keys'][camera]}"})
    if "content" in kw or "data" in kw or "files" in kw:
        return httpx.post(
            f"{site['url']}/api/v1/vendors/{system}", headers=headers, timeout=30, **kw
        )
    return httpx.post(
        f"{site['url']}/api/v1/vendors/{system}", json=body, headers=headers, timeout=30, **kw
    )


def test_an_agent_group_with_its_images(
    site: dict[str, Any], sample: Load, stored: Stored, jpeg: Callable[[int], bytes]
) -> None:
    group = sample("openalpr_group.json")
    group["best_plate"]["plate_crop_jpeg"] = base64.b64encode(jpeg(1)).decode()
    group["vehicle_crop_jpeg"] = base64.b64encode(jpeg(2)).decode()
    response = post(site, "openalpr", group)
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "ignored": 0, "alerts": 0}
    again = post(site, "openalpr", group)
    assert again.json() == {"stored": 0, "duplicates": 1, "ignored": 0, "alerts": 0}
    [read] = stored(site["db"])
    assert (read["camera"], read["plate"], read["vehicle_make"]) == ("POLE-1", "7ABC123", "toyota")
    store = ImageStore(site["settings"].data_dir / "images")
    assert store.get(read["plate_image"]) == jpeg(1)
    assert store.get(read["context_image"]) == jpeg(2)


@pytest.mark.parametrize("how", ["token", "basic", "x-api-key", "query"])
def test_keys_the_way_vendor_consoles_send_them(
    site: dict[str, Any], sample: Load, how: str
) -> None:
    key = site["keys"]["POLE-1"]
    basic = base64.b64encode(f"plateward:{key}".encode()).decode()
    headers = {
        "token": {"Authorization": f"Token {key}"},
        "basic": {"Authorization": f"Basic {basic}"},
        "x-api-key": {"X-Api-Key": key},
        "query": {},
    }[how]
    params = {"key": key} if how == "query" else None
    response = post(site, "openalpr", sample("openalpr_group.json"), headers=headers, params=params)
    assert response.status_code == 200, response.text
    check = httpx.get(
        f"{site['url']}/api/v1/vendors/openalpr", headers=headers, params=params, timeout=30
    )
    assert check.json() == {"ok": True, "system": "openalpr", "camera": "POLE-1"}


def test_missing_wrong_and_revoked_keys(site: dict[str, Any], sample: Load) -> None:
    group = sample("openalpr_group.json")
    assert post(site, "openalpr", group, headers={}).status_code == 401
    assert post(site, "openalpr", group, headers={"X-Api-Key": "pwc_nope"}).status_code == 401
    assert post(site, "nosuchvendor", group).status_code == 422
    with site["db"].begin() as connection:
        revoke_camera(connection, "POLE-1")
    refused = post(site, "openalpr", group)
    assert (refused.status_code, refused.json()["detail"]) == (403, "camera POLE-1: key revoked")


def test_an_agents_second_camera_must_be_mapped(
    site: dict[str, Any], sample: Load, stored: Stored
) -> None:
    """The key's first source is its own camera; another is refused until it is mapped."""
    first = sample("openalpr_group.json")
    second = copy.deepcopy(first)
    second.update(camera_id=1414799425, best_uuid="Xm2nQ8fLk4pR7sT1vW3y-1414799425-1")
    second["web_server_config"] = {"camera_label": "Main St SB"}
    assert post(site, "openalpr", first).status_code == 200
    refused = post(site, "openalpr", second)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "source Xm2nQ8fLk4pR7sT1vW3y:1414799425 (Main St SB) is not mapped" in detail
    assert "plateward camera source add POLE-1 openalpr 'Xm2nQ8fLk4pR7sT1vW3y:1414799425'" in detail
    with site["db"].begin() as connection:
        add_source(
            connection, via="POLE-1", system="openalpr", source="Main St SB", camera="POLE-2"
        )
    assert post(site, "openalpr", second).json()["stored"] == 1
    assert [r["camera"] for r in stored(site["db"])] == ["POLE-1", "POLE-2"]


def test_a_heartbeat_is_camera_health(site: dict[str, Any], sample: Load) -> None:
    assert post(site, "openalpr", sample("openalpr_group.json")).status_code == 200
    response = post(site, "openalpr", sample("openalpr_heartbeat.json"))
    assert response.json() == {"stored": 0, "duplicates": 0, "ignored": 1, "alerts": 0}
    with site["db"].connect() as connection:
        rows = connection.execute(
            select(cameras.c.code, camera_heartbeats.c.source, camera_heartbeats.c.streaming,
                   camera_heartbeats.c.detail)
            .join(cameras, cameras.c.id == camera_heartbeats.c.camera_id)
            .order_by(camera_heartbeats.c.source)
        ).all()  # fmt: skip
    # The agent (one stream down) and its mapped camera; the unmapped stream is not recorded.
    assert [(r.code, r.source, r.streaming) for r in rows] == [
        ("POLE-1", "Xm2nQ8fLk4pR7sT1vW3y", False),
        ("POLE-1", "Xm2nQ8fLk4pR7sT1vW3y:1414799424", True),
    ]
    assert "hunter2" not in json.dumps([r.detail for r in rows])


def test_an_alert_after_its_group_is_a_duplicate(site: dict[str, Any], sample: Load) -> None:
    assert post(site, "openalpr", sample("openalpr_group.json")).json()["stored"] == 1
    assert post(site, "openalpr", sample("openalpr_alert.json")).json()["duplicates"] == 1


def test_plate_recognizer_multipart_with_the_frame(
    site: dict[str, Any], sample: Load, stored: Stored, jpeg: Callable[[int], bytes]
) -> None:
    webhook = sample("pr_vehicle_mode.json")
    body = {"hook": {"target": "x", "id": "lot-east", "event": "recognition"}, "data": webhook}
    response = post(
        site, "platerecognizer", None, camera="POLE-2",
        headers={"Authorization": f"Token {site['keys']['POLE-2']}"},
        data={"json": json.dumps(body)}, files={"upload": ("frame.jpg", jpeg(7), "image/jpeg")},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "ignored": 0, "alerts": 0}
    [read] = stored(site["db"])
    assert ImageStore(site["settings"].data_dir / "images").get(read["context_image"]) == jpeg(7)
    # The same frame as a form without the image (Stream's webhook_image = no).
    again = post(site, "platerecognizer", None, camera="POLE-2", data={"json": json.dumps(body)},
                 headers={"Authorization": f"Token {site['keys']['POLE-2']}"})  # fmt: skip
    assert again.json()["duplicates"] == 1


def test_sdk_times_take_the_cameras_zone(
    site: dict[str, Any], sample: Load, stored: Stored
) -> None:
    snapshot = sample("pr_snapshot_webhook.json")
    refused = post(site, "platerecognizer", snapshot)
    assert refused.status_code == 422
    assert (
        "camera POLE-1's timezone (plateward camera timezone POLE-1 ZONE)"
        in (refused.json()["detail"])
    )
    with site["db"].begin() as connection:
        set_timezone(connection, "POLE-1", "America/Los_Angeles")
    assert post(site, "platerecognizer", snapshot).json()["stored"] == 1
    [read] = stored(site["db"])
    assert read["captured_at"].isoformat() == "2025-11-21T01:41:07.204815+00:00"


def test_flock_and_verkada_webhooks(site: dict[str, Any], sample: Load, stored: Stored) -> None:
    flock = post(site, "flock", sample("flock_alert.json"),
                 headers={"X-Api-Key": site["keys"]["POLE-1"]})  # fmt: skip
    assert flock.json()["stored"] == 1, flock.text
    verkada = httpx.post(
        f"{site['url']}/api/v1/vendors/verkada",
        params={"key": site["keys"]["POLE-2"]},
        content=json.dumps(sample("verkada_lpr.json")),
        headers={"Content-Type": "application/json", "Verkada-Signature": "1|abc"},
        timeout=30,
    )
    assert verkada.json()["stored"] == 1, verkada.text
    assert {(r["camera"], r["plate"]) for r in stored(site["db"])} == {
        ("POLE-1", "9ABC004"),
        ("POLE-2", "2GHT091"),
    }


def test_reads_a_vendor_posts_raise_hot_list_alerts_for_the_camera_mapped(
    site: dict[str, Any], sample: Load, train: Callable[..., None]
) -> None:
    """Matched like the cameras' API batches, in the same transaction, as the mapped camera."""
    with site["db"].begin() as connection:
        person = add_user(connection, username="inv", full_name="Inv", role="investigator",
                          agency_id=1, password="quartz meadow lantern 58")  # fmt: skip
        train(connection, person.id)
        token = issue_token(connection, person.id, "test")
    with httpx.Client(base_url=site["url"], headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:  # fmt: skip
        assert client.post("/api/v1/hotlists", json={"name": "BOLO"}).status_code == 201
        added = client.post("/api/v1/hotlists/BOLO/entries",
                            json={"plate": "7ABC123", "reason": "stolen_vehicle"})  # fmt: skip
        assert added.status_code == 201, added.text
    first = sample("openalpr_group.json")
    assert post(site, "openalpr", first).json()["alerts"] == 1
    with site["db"].begin() as connection:
        add_source(connection, via="POLE-1", system="openalpr", source="Xm2nQ8fLk4pR7sT1vW3y:1414799425",
                   camera="POLE-2")  # fmt: skip
    second = copy.deepcopy(first)
    second.update(camera_id=1414799425, best_uuid="Xm2nQ8fLk4pR7sT1vW3y-1414799425-1")
    answer = post(site, "openalpr", second).json()
    assert (answer["stored"], answer["alerts"]) == (1, 1)
    assert post(site, "openalpr", second).json() == {
        "stored": 0,
        "duplicates": 1,
        "ignored": 0,
        "alerts": 0,
    }
    with site["db"].connect() as connection:
        raised = connection.execute(
            select(cameras.c.code, alerts.c.plate)
            .join(cameras, cameras.c.id == alerts.c.camera_id)
            .order_by(alerts.c.id)
        ).all()
    assert [tuple(row) for row in raised] == [("POLE-1", "7ABC123"), ("POLE-2", "7ABC123")]


def test_a_patrol_car_without_gps_is_told_the_fix(site: dict[str, Any], sample: Load) -> None:
    group = sample("openalpr_group.json")
    group.update(gps_latitude=0, gps_longitude=0)
    refused = post(site, "openalpr", group, camera="CAR-7")
    assert refused.status_code == 422
    assert (
        "CAR-7 is a vehicle camera; send its GPS position with each read"
        in (refused.json()["detail"])
    )


def test_a_bad_record_refuses_the_whole_request(
    site: dict[str, Any], sample: Load, stored: Stored
) -> None:
    good = sample("openalpr_group.json")
    bad = dict(good, best_uuid="other", best_confidence="high")
    refused = post(site, "openalpr", [good, bad])
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("record 1: best_confidence: expected a number")
    assert stored(site["db"]) == []
    not_json = post(site, "openalpr", None, content=b"{nope",
                    headers={"Authorization": f"Bearer {site['keys']['POLE-1']}"})  # fmt: skip
    assert not_json.status_code == 422


def test_keys_in_urls_are_redacted_in_the_access_log() -> None:
    redact_keys_in_access_log()
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.9:5000", "POST", "/api/v1/vendors/openalpr?key=pwc_secret&x=1", "1.1", 200),
        None,
    )  # fmt: skip
    for handler_filter in logging.getLogger("uvicorn.access").filters:
        handler_filter.filter(record)
    assert "pwc_secret" not in record.getMessage()
    assert "key=REDACTED&x=1" in record.getMessage()
