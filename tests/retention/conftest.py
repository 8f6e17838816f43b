"""A migrated database on each back-end with reads of every age, images, hits and holds.

``Lab`` stores reads the way ingest does (images through ``ImageStore.put``, with the read's
capture time), raises alerts for "hit" reads, and answers the questions the tests ask of the
store afterwards: which reads, image rows, image files and plates are left.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import Engine, insert, select, text

from plateward.access.roles import Role
from plateward.access.users import User, add_user, issue_token
from plateward.alert.schema import alerts
from plateward.audit.actor import Actor
from plateward.hotlist.entries import entry_values
from plateward.hotlist.lists import ListSettings, add_entry, create_list
from plateward.settings import Settings, load_settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.migrate import upgrade
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import cameras, images, plates, reads

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PASSWORD = "quartz meadow lantern 58"
PERIODS = {"reads_days": 30, "hit_reads_days": 90, "images_days": 20, "alerts_days": 120,
           "audit_records_days": 365, "batch_rows": 10, "batch_pause_s": 0}  # fmt: skip


def jpeg(text: str) -> bytes:
    image = np.full((40, 400, 3), 200, np.uint8)
    cv2.putText(image, text, (4, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
    return bytes(cv2.imencode(".jpg", image)[1].tobytes())


@dataclass
class Lab:
    engine: Engine
    store: ImageStore
    settings: Settings
    camera_id: int
    entry: dict[str, Any]
    admin: User
    token: str
    hits: set[uuid.UUID] = field(default_factory=set)
    now: dt.datetime = NOW

    def add(
        self, age_days: float, plate: str = "", *, hit: bool = False,
        context: bytes | None = None, camera_id: int | None = None, images_too: bool = True,
    ) -> uuid.UUID:  # fmt: skip
        """Store a read captured ``age_days`` before NOW; its own crop, and ``context`` or its
        own context image."""
        read_id = uuid.uuid4()
        at = NOW - dt.timedelta(days=age_days)
        plate = plate or f"P{read_id.hex[:6].upper()}"
        with self.engine.begin() as connection:
            crop = ctx = None
            if images_too:
                crop = self.store.put(connection, jpeg(f"{plate} {read_id}"), "crop",
                                      captured_at=at)  # fmt: skip
                ctx = self.store.put(connection, context or jpeg(f"context {read_id}"), "ctx",
                                     captured_at=at)  # fmt: skip
            store_reads(connection, camera_id or self.camera_id, [
                NewRead(read_id, at, plate, 0.9, 38.58, -121.49, plate_image=crop,
                        context_image=ctx)])  # fmt: skip
            if hit:
                connection.execute(insert(alerts).values(
                    read_id=read_id, captured_at=at, camera_id=camera_id or self.camera_id,
                    plate=plate, latitude=38.58, longitude=-121.49, entry_id=self.entry["id"],
                    list_id=self.entry["list_id"], entry=self.entry_snapshot(),
                    reason="stolen_vehicle", priority=2, match_kind="exact",
                    matched_text=plate, via_alternative=False, differing=[], raised_at=at,
                    status="unverified"))  # fmt: skip
                self.hits.add(read_id)
        return read_id

    def frame(self, label: str) -> bytes:
        """A context image to give several reads (one frame, several plates)."""
        return jpeg(f"frame {label}")

    def second_camera(self) -> int:
        """A camera of another agency, CPD."""
        with self.engine.begin() as connection:
            other = ensure_agency(connection, "CPD", "City Police")
            add_camera(connection, agency_id=other, code="CPD-1", name="Elm St")
            return int(
                connection.execute(
                    select(cameras.c.id).where(cameras.c.code == "CPD-1")
                ).scalar_one()
            )

    def entry_snapshot(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, dt.datetime) else v
                for k, v in self.entry.items()}  # fmt: skip

    def read_ids(self) -> set[uuid.UUID]:
        with self.engine.connect() as connection:
            return set(connection.execute(select(reads.c.id)).scalars())

    def named_digests(self) -> set[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(reads.c.plate_image, reads.c.context_image)).all()
        return {d for row in rows for d in row if d}

    def image_rows(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.execute(select(images.c.sha256)).scalars())

    def files(self) -> set[str]:
        found = set()
        for _folder, _dirs, names in os.walk(self.store.folder):
            found |= {n for n in names if len(n) == 64}
        return found

    def plates(self) -> set[str]:
        with self.engine.connect() as connection:
            indexed = set(connection.execute(select(plates.c.plate)).scalars())
            if connection.dialect.name == "sqlite":
                pieces = set(connection.execute(text("SELECT plate FROM plate_pieces")).scalars())
                assert pieces == indexed
            return indexed

    def read_plates(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.execute(select(reads.c.plate).distinct()).scalars())

    def images_of(self, read_id: uuid.UUID) -> tuple[str | None, str | None]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(reads.c.plate_image, reads.c.context_image).where(reads.c.id == read_id)
            ).one()
        return row.plate_image, row.context_image


@pytest.fixture
def lab(database_url: str, tmp_path: Path, train: Any) -> Iterator[Lab]:
    settings = load_settings(db=database_url, data_dir=tmp_path / "data", retention=PERIODS)
    engine = open_database(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
        camera_id = connection.execute(text("SELECT id FROM cameras")).scalar_one()
        actor = Actor("setup", "CCSO")
        create_list(connection, actor, name="BOLO", source="agency_list", agency_id=agency,
                    settings=ListSettings())  # fmt: skip
        entry = add_entry(connection, actor, "BOLO", entry_values(
            {"plate": "HIT0001", "reason": "stolen_vehicle", "case_number": "26-1"}, "entry",
            NOW, default_expires_at=NOW + dt.timedelta(days=3650)))  # fmt: skip
        admin = add_user(connection, username="admin", full_name="Admin", role=Role.ADMINISTRATOR,
                         agency_id=agency, password=PASSWORD)  # fmt: skip
        train(connection, admin.id)
        token = issue_token(connection, admin.id, "tests")
    store = ImageStore(settings.data_dir / "images")
    yield Lab(engine, store, settings, int(camera_id), entry, admin, token)
    engine.dispose()
