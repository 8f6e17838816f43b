"""Six agencies of every kind on a real server, two of them with cameras and reads.

CCSO owns POLE-1 and POLE-2 and reads on them; CPD owns CPD-1 and its own reads. CAPUB (other
public), PRIV (private), NVPD (Nevada) and FBI (federal) only have an administrator each. The
fixtures are fixtures rather than helpers because test modules cannot import one another.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from plateward.access.users import add_user, issue_token
from plateward.agency.registry import register_agency
from plateward.audit.actor import Actor
from plateward.settings import Settings
from plateward.store.cameras import add_camera
from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.reads import NewRead, store_reads

T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
BASE = (38.58, -121.49)
PASSWORD = "quartz meadow lantern 58"
AGENCIES = {
    "CCSO": ("County Sheriff", "law_enforcement", "CA", False),
    "CPD": ("City Police", "law_enforcement", "CA", False),
    "CAPUB": ("County Parks District", "other_public", "CA", False),
    "PRIV": ("Mall Security Inc.", "private", "CA", False),
    "NVPD": ("Reno Police", "law_enforcement", "NV", False),
    "FBI": ("FBI Sacramento", "law_enforcement", "CA", True),
}


@dataclass
class World:
    server: str
    tokens: dict[str, str]
    camera_keys: dict[str, str]
    reads: dict[str, uuid.UUID]
    """Named reads: ccso_t0, ccso_t2h, ccso_old (POLE-1), ccso_pole2 (POLE-2), cpd_t30, cpd_other."""
    images: dict[str, str] = field(default_factory=dict)
    """The plate image digest of each named read."""

    def client(self, who: str) -> httpx.Client:
        return httpx.Client(base_url=self.server, timeout=60,
                            headers={"Authorization": f"Bearer {self.tokens[who]}"})  # fmt: skip


def north(metres: float) -> tuple[float, float]:
    return BASE[0] + metres / 111_195.0, BASE[1]


def east(metres: float) -> tuple[float, float]:
    import math

    return BASE[0], BASE[1] + metres / (111_195.0 * math.cos(math.radians(BASE[0])))


def jpeg(text: str) -> bytes:
    image = np.full((60, 400, 3), 230, np.uint8)  # wide enough for every text: each its own
    cv2.putText(image, text, (5, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1)
    return bytes(cv2.imencode(".jpg", image)[1].tobytes())


@pytest.fixture
def world(settings: Settings, server: str, train: Callable[..., None]) -> World:
    engine = open_database(settings.database_url())
    store = ImageStore(settings.data_dir / "images")
    setup = Actor("setup", "CCSO")
    tokens: dict[str, str] = {}
    keys: dict[str, str] = {}
    named: dict[str, uuid.UUID] = {}
    images: dict[str, str] = {}
    with engine.begin() as connection:
        ids = {}
        for code, (name, kind, state, federal) in AGENCIES.items():
            ids[code] = register_agency(connection, setup, code=code, name=name, kind=kind,
                                        state=state, federal=federal).id  # fmt: skip
            admin = add_user(connection, username=f"{code.lower()}_admin", full_name="Admin",
                             role="administrator", agency_id=ids[code], password=PASSWORD)  # fmt: skip
            train(connection, admin.id)
            tokens[f"{code.lower()}_admin"] = issue_token(connection, admin.id, "tests")
        for code in ("CCSO", "CPD"):
            person = add_user(connection, username=f"{code.lower()}_inv", full_name="Inv",
                              role="investigator", agency_id=ids[code], password=PASSWORD)  # fmt: skip
            train(connection, person.id)
            tokens[f"{code.lower()}_inv"] = issue_token(connection, person.id, "tests")
        sites = {"POLE-1": ("CCSO", BASE), "POLE-2": ("CCSO", north(1500)),
                 "CPD-1": ("CPD", east(2000))}  # fmt: skip
        camera_ids = {}
        for number, (code, (agency, (lat, lon))) in enumerate(sites.items(), 1):
            keys[code] = add_camera(connection, agency_id=ids[agency], code=code, name=code,
                                    latitude=lat, longitude=lon)  # fmt: skip
            camera_ids[code] = number

        def read(name: str, camera: str, plate: str, at: dt.datetime) -> NewRead:
            lat, lon = sites[camera][1]
            crop = store.put(connection, jpeg(f"{plate} {name}"), name, captured_at=at)
            named[name] = uuid.uuid4()
            images[name] = crop
            return NewRead(named[name], at, plate, 0.93, lat, lon, plate_image=crop,
                           context_image=store.put(connection, jpeg(f"ctx {name}"), name,
                                                   captured_at=at))  # fmt: skip

        hour = dt.timedelta(hours=1)
        plan: list[tuple[str, str, str, dt.datetime]] = [
            ("ccso_t0", "POLE-1", "7ABC123", T0),
            ("ccso_t2h", "POLE-1", "7ABC123", T0 + 2 * hour),
            ("ccso_old", "POLE-1", "7ABC123", T0 - dt.timedelta(days=10)),
            ("ccso_pole2", "POLE-2", "7ABC123", T0 + hour),
            ("ccso_other", "POLE-1", "5XYZ789", T0 + hour),
            ("cpd_t30", "CPD-1", "7ABC123", T0 + hour / 2),
            ("cpd_other", "CPD-1", "5XYZ789", T0 + 3 * hour),
        ]
        for name, camera, plate, at in plan:
            store_reads(connection, camera_ids[camera], [read(name, camera, plate, at)])
    engine.dispose()
    return World(server, tokens, keys, named, images)


@pytest.fixture
def searches() -> dict[str, Callable[[httpx.Client], httpx.Response]]:
    """One call per search kind, each finding every test read it could if nothing were hidden."""
    why = {"case_number": "26-004211"}
    window = {"start": (T0 - dt.timedelta(days=1)).isoformat(),
              "end": (T0 + dt.timedelta(days=1)).isoformat()}  # fmt: skip
    lat, lon = BASE
    square = [(lat - 0.05, lon - 0.05), (lat - 0.05, lon + 0.08), (lat + 0.05, lon + 0.08),
              (lat + 0.05, lon - 0.05)]  # fmt: skip
    cpd = east(2000)
    areas = [
        {"latitude": lat, "longitude": lon, "radius_m": 300, **window},
        {"latitude": cpd[0], "longitude": cpd[1], "radius_m": 300, **window},
    ]

    def get(path: str, **params: Any) -> Callable[[httpx.Client], httpx.Response]:
        return lambda c: c.get(f"/api/v1/search/{path}", params={**why, **params})

    return {
        "exact": get("plate", plate="7ABC123"),
        "partial": get("partial", pattern="7ABC12*"),
        "tolerant": get("tolerant", plate="7ABC123"),
        "timeline": get("timeline", plate="7ABC123"),
        "grid": get("grid", latitude=lat, longitude=lon, radius_m=5000, **window),
        "polygon": lambda c: c.post("/api/v1/search/polygon",
                                    json={**why, "vertices": square, **window}),
        "stakeout": lambda c: c.post("/api/v1/search/stakeout",
                                     json={**why, "areas": areas, "min_areas": 2}),
        "cloned": get("cloned", plate="7ABC123", max_speed_kmh=1),
    }  # fmt: skip
