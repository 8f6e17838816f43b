"""Viewing one read or one image over HTTP: justified, role-checked and logged like a search."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable

import cv2
import httpx
import numpy as np
import pytest
from sqlalchemy import select

from plateward.access.users import add_user, issue_token
from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database

PASSWORD = "copper meadow signal 2031"


@pytest.fixture
def setup(settings: Settings, server: str, train: Callable[..., None]) -> dict[str, str]:
    """A deputy's and an auditor's tokens, and one read with a plate crop posted by a camera."""
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        key = add_camera(connection, agency_id=agency, code="POLE-9", name="Elm St")
        tokens = {}
        for role in ("user", "auditor"):
            user = add_user(connection, username=f"v_{role}", full_name=role, role=role,
                            agency_id=agency, password=PASSWORD)  # fmt: skip
            train(connection, user.id)
            tokens[role] = issue_token(connection, user.id, "test")
    engine.dispose()
    ok, crop = cv2.imencode(".jpg", np.full((30, 90, 3), 200, np.uint8))
    assert ok
    read_id = str(uuid.uuid4())
    posted = httpx.post(
        f"{server}/api/v1/reads",
        headers={"Authorization": f"Bearer {key}"},
        json={"reads": [{
            "id": read_id, "captured_at": dt.datetime(2026, 11, 3, tzinfo=dt.UTC).isoformat(),
            "plate": "8KXL552", "confidence": 0.9, "latitude": 38.5, "longitude": -121.5,
            "plate_image": base64.b64encode(bytes(crop)).decode(),
        }]},
    )  # fmt: skip
    assert posted.status_code == 200, posted.text
    return {**tokens, "read": read_id, "image": hashlib.sha256(bytes(crop)).hexdigest(),
            "crop": base64.b64encode(bytes(crop)).decode()}  # fmt: skip


def get(server: str, path: str, token: str, **params: str) -> httpx.Response:
    return httpx.get(f"{server}/api/v1/{path}", params=params,
                     headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip


def test_view_a_read_and_its_image(server: str, setup: dict[str, str], settings: Settings) -> None:
    why = {"offense": "vehicle theft", "reason": "reported stolen from Elm St lot"}
    read = get(server, f"reads/{setup['read']}", setup["user"], **why)
    assert read.status_code == 200, read.text
    assert read.json()["plate"] == "8KXL552"
    assert read.json()["camera"] == "POLE-9"
    image = get(server, f"images/{read.json()['plate_image']}", setup["user"], **why)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert base64.b64encode(image.content).decode() == setup["crop"]
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        entries = connection.execute(
            select(access_log.c.action, access_log.c.reason, access_log.c.result_count)
        ).all()
    engine.dispose()
    reason = "Vehicle theft: reported stolen from Elm St lot"
    assert [tuple(e) for e in entries] == [("read.view", reason, 1), ("image.view", reason, 1)]


def test_views_need_a_purpose_a_role_and_an_existing_thing(
    server: str, setup: dict[str, str]
) -> None:
    assert get(server, f"reads/{setup['read']}", setup["user"]).status_code == 400
    bad_offense = get(server, f"reads/{setup['read']}", setup["user"], offense="jaywalking")
    assert bad_offense.status_code == 400
    assert "not on the list" in bad_offense.json()["detail"]
    why = {"case_number": "26-7781"}
    assert get(server, f"reads/{setup['read']}", setup["auditor"], **why).status_code == 403
    assert get(server, f"images/{setup['image']}", setup["auditor"], **why).status_code == 403
    assert get(server, f"reads/{uuid.uuid4()}", setup["user"], **why).status_code == 404
    assert get(server, f"images/{'0' * 64}", setup["user"], **why).status_code == 404
