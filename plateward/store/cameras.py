"""Agencies and their cameras, and the keys cameras sign in with.

A camera key is 32 random bytes, shown once when the camera is added; only its SHA-256 is
stored. A slow password hash (argon2) would protect a guessable secret, but a key of 256 random
bits cannot be guessed, and the ingest path checks a key on every batch, thousands a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from plateward.errors import InvalidInput, NotFound
from plateward.store.schema import agencies, cameras

KEY_PREFIX = "pwc_"


@dataclass(frozen=True)
class Camera:
    id: int
    code: str
    agency_id: int
    name: str
    kind: str
    vehicle_id: str | None
    latitude: float | None
    longitude: float | None
    revoked: bool
    timezone: str | None = None
    """The zone of its offset-less times (vendor endpoints), an IANA name."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def ensure_agency(connection: Connection, code: str, name: str) -> int:
    """The agency's id, registering it first if new as a confirmed law enforcement agency of
    California: a shortcut for tests, benchmarks and the demo. People register agencies with
    their real details through ``plateward.agency.registry``."""
    found = connection.execute(select(agencies.c.id).where(agencies.c.code == code)).first()
    if found is not None:
        return int(found.id)
    now = dt.datetime.now(dt.UTC)
    created = connection.execute(
        insert(agencies)
        .values(
            code=code, name=name, created_at=now, kind="law_enforcement", state="CA",
            federal=False, confirmed_at=now, confirmed_by="setup",
        )
        .returning(agencies.c.id)
    )  # fmt: skip
    return int(created.scalar_one())


def add_camera(
    connection: Connection,
    *,
    agency_id: int,
    code: str,
    name: str,
    kind: str = "fixed",
    vehicle_id: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    heading: float | None = None,
    public_areas_only: bool = True,
    court_order: str | None = None,
) -> str:
    """Register a camera; return its key (the only time the key is ever seen)."""
    if kind not in ("fixed", "vehicle"):
        raise InvalidInput(f"camera {code}: kind must be 'fixed' or 'vehicle', not {kind!r}")
    if kind == "vehicle" and not vehicle_id:
        raise InvalidInput(f"camera {code}: a vehicle-mounted camera needs its vehicle id")
    if not public_areas_only and not (court_order or "").strip():
        raise InvalidInput(
            f"camera {code}: a camera that views non-public areas needs the court order on file"
            " (policy A.5)"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        connection.execute(
            insert(cameras).values(
                agency_id=agency_id,
                code=code,
                name=name,
                kind=kind,
                vehicle_id=vehicle_id,
                latitude=latitude,
                longitude=longitude,
                heading=heading,
                public_areas_only=public_areas_only,
                court_order=court_order,
                key_hash=hash_key(key),
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    except IntegrityError as exc:
        raise InvalidInput(f"camera {code}: a camera with this code already exists") from exc
    return key


def camera_for_key(connection: Connection, key: str) -> Camera | None:
    """The camera this key belongs to, or None for an unknown key; revoked cameras included."""
    row = connection.execute(select(cameras).where(cameras.c.key_hash == hash_key(key))).first()
    return None if row is None else camera_row(row)


def camera_by_code(connection: Connection, code: str) -> Camera:
    row = connection.execute(select(cameras).where(cameras.c.code == code)).first()
    if row is None:
        raise NotFound(f"camera {code}: no such camera")
    return camera_row(row)


def revoke_camera(connection: Connection, code: str) -> None:
    done = connection.execute(
        update(cameras)
        .where(cameras.c.code == code, cameras.c.key_revoked_at.is_(None))
        .values(key_revoked_at=dt.datetime.now(dt.UTC))
    )
    if done.rowcount == 0:
        camera_by_code(connection, code)  # raises NotFound for an unknown camera


def rotate_camera_key(connection: Connection, code: str) -> str:
    """Give a camera a new key (the old one stops working) and return it, shown this once."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    done = connection.execute(
        update(cameras)
        .where(cameras.c.code == code)
        .values(key_hash=hash_key(key), key_revoked_at=None)
    )
    if done.rowcount == 0:
        raise NotFound(f"camera {code}: no such camera")
    return key


def camera_row(row: object) -> Camera:
    """The ``Camera`` of a row of ``select(cameras)``."""
    r = row._mapping  # type: ignore[attr-defined]
    return Camera(
        id=r["id"],
        code=r["code"],
        agency_id=r["agency_id"],
        name=r["name"],
        kind=r["kind"],
        vehicle_id=r["vehicle_id"],
        latitude=r["latitude"],
        longitude=r["longitude"],
        revoked=r["key_revoked_at"] is not None,
        timezone=r["timezone"],
    )
