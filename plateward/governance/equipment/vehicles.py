"""The equipped vehicles (policy D.2, E) and where each camera is mounted.

A camera belongs to a fixed site (its name and coordinates) or to a vehicle, by the vehicle's
unit number. The registry of vehicles is what the administrator keeps: which cars carry ALPR
cameras, whether each is in service, and (beside it, from the training records) who is
qualified to operate them. Mounting a camera on a car or a pole is recorded here by the
administrator; users never adjust, mount or dismount cameras themselves (policy E.5).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from plateward.audit.actor import Actor
from plateward.audit.log import append_change
from plateward.errors import InvalidInput, NotFound
from plateward.governance.equipment.rules import FINISHED
from plateward.governance.equipment.schema import maintenance_tickets, vehicles
from plateward.governance.fields import optional_text, required_text
from plateward.store.schema import agencies, cameras

REASON = "ALPR equipment and maintenance (policy D.3, E)"
UNIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
MAX_DESCRIPTION_CHARS = 200
MAX_NOTES_CHARS = 4000


@dataclass(frozen=True)
class Vehicle:
    id: int
    unit_number: str
    agency: str
    description: str
    in_service: bool
    notes: str | None


@dataclass(frozen=True)
class MountedCamera:
    code: str
    name: str
    kind: str
    vehicle: str | None
    latitude: float | None
    longitude: float | None
    revoked: bool


@dataclass(frozen=True)
class EquippedVehicle:
    unit_number: str
    registered: bool
    """False: a camera names this unit, but nobody registered the vehicle yet."""
    description: str
    in_service: bool
    cameras: list[MountedCamera]
    open_tickets: int


def register_vehicle(
    connection: Connection,
    *,
    unit_number: str,
    description: str,
    agency_code: str,
    actor: Actor,
    notes: str | None = None,
) -> Vehicle:
    unit = _unit(unit_number)
    what = required_text("description", description, MAX_DESCRIPTION_CHARS)
    agency_id = connection.execute(
        select(agencies.c.id).where(agencies.c.code == agency_code)
    ).scalar_one_or_none()
    if agency_id is None:
        raise NotFound(f"agency {agency_code}: no such agency")
    now = dt.datetime.now(dt.UTC)
    try:
        with connection.begin_nested():
            connection.execute(
                insert(vehicles).values(
                    agency_id=agency_id,
                    unit_number=unit,
                    description=what,
                    in_service=True,
                    notes=optional_text("notes", notes, MAX_NOTES_CHARS),
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise InvalidInput(f"vehicle {unit}: already registered") from None
    _log(connection, actor, "equipment.vehicle.add", {"unit": unit, "description": what})
    return vehicle_by_unit(connection, unit)


def update_vehicle(
    connection: Connection,
    unit_number: str,
    *,
    actor: Actor,
    in_service: bool | None = None,
    description: str | None = None,
    notes: str | None = None,
) -> Vehicle:
    """Change what is given: in service or not (in the shop, retired), description, notes."""
    current = vehicle_by_unit(connection, unit_number)
    values: dict[str, Any] = {}
    if in_service is not None and in_service != current.in_service:
        values["in_service"] = in_service
    if description is not None:
        values["description"] = required_text("description", description, MAX_DESCRIPTION_CHARS)
    if notes is not None:
        values["notes"] = optional_text("notes", notes, MAX_NOTES_CHARS)
    if not values:
        return current
    connection.execute(
        update(vehicles)
        .where(vehicles.c.id == current.id)
        .values(**values, updated_at=dt.datetime.now(dt.UTC))
    )
    _log(
        connection,
        actor,
        "equipment.vehicle.edit",
        {"unit": current.unit_number, "fields": sorted(values)},
    )
    return vehicle_by_unit(connection, unit_number)


def vehicle_by_unit(connection: Connection, unit_number: str) -> Vehicle:
    row = connection.execute(
        select(vehicles, agencies.c.code)
        .join(agencies, agencies.c.id == vehicles.c.agency_id)
        .where(vehicles.c.unit_number == unit_number.strip())
    ).first()
    if row is None:
        raise NotFound(f"vehicle {unit_number}: not registered")
    return Vehicle(row.id, row.unit_number, row.code, row.description, row.in_service, row.notes)


def place_camera(
    connection: Connection,
    code: str,
    *,
    actor: Actor,
    vehicle: str | None = None,
    site: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> MountedCamera:
    """Record that a camera now sits on a vehicle (by unit) or at a fixed site (name, place)."""
    camera = _camera_row(connection, code)
    if (vehicle is None) == (site is None):
        raise InvalidInput(f"camera {code}: give either a vehicle's unit number or a site")
    if vehicle is not None:
        try:
            unit = vehicle_by_unit(connection, vehicle).unit_number
        except NotFound:
            raise InvalidInput(f"vehicle {vehicle}: not registered") from None
        values: dict[str, Any] = {"kind": "vehicle", "vehicle_id": unit}
        where = f"vehicle {unit}"
    else:
        name = required_text("site", site, 200)
        if latitude is None or longitude is None:
            raise InvalidInput(f"camera {code}: a fixed site needs its latitude and longitude")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InvalidInput(f"camera {code}: {latitude},{longitude} is not a place")
        values = {
            "kind": "fixed",
            "vehicle_id": None,
            "name": name,
            "latitude": latitude,
            "longitude": longitude,
        }
        where = f"site {name}"
    connection.execute(update(cameras).where(cameras.c.id == camera.id).values(**values))
    _log(connection, actor, "equipment.camera.place", {"camera": camera.code, "at": where})
    return _mounted(_camera_row(connection, code))


def equipped_vehicles(connection: Connection) -> list[EquippedVehicle]:
    """Every registered vehicle, and every unit a camera names, with its cameras and tickets."""
    mounted: dict[str, list[MountedCamera]] = {}
    for row in connection.execute(
        select(cameras).where(cameras.c.kind == "vehicle").order_by(cameras.c.code)
    ):
        mounted.setdefault(row.vehicle_id, []).append(_mounted(row))
    open_tickets = {
        vehicle_id: int(count)
        for vehicle_id, count in connection.execute(
            select(maintenance_tickets.c.vehicle_id, func.count())
            .where(
                maintenance_tickets.c.vehicle_id.is_not(None),
                maintenance_tickets.c.status.not_in([s.value for s in FINISHED]),
            )
            .group_by(maintenance_tickets.c.vehicle_id)
        )
    }
    found = []
    for row in connection.execute(select(vehicles).order_by(vehicles.c.unit_number)):
        found.append(
            EquippedVehicle(
                row.unit_number,
                True,
                row.description,
                row.in_service,
                mounted.pop(row.unit_number, []),
                int(open_tickets.get(row.id, 0)),
            )
        )
    for unit, on_it in sorted(mounted.items()):
        found.append(EquippedVehicle(unit, False, "", True, on_it, 0))
    return sorted(found, key=lambda v: v.unit_number)


def list_cameras(connection: Connection) -> list[MountedCamera]:
    """Every camera with where it is mounted: what a problem report may name."""
    return [_mounted(r) for r in connection.execute(select(cameras).order_by(cameras.c.code))]


def _camera_row(connection: Connection, code: str) -> Any:
    row = connection.execute(select(cameras).where(cameras.c.code == code.strip())).first()
    if row is None:
        raise InvalidInput(f"camera {code}: no such camera")
    return row


def _mounted(row: Any) -> MountedCamera:
    return MountedCamera(
        code=row.code,
        name=row.name,
        kind=row.kind,
        vehicle=row.vehicle_id,
        latitude=row.latitude,
        longitude=row.longitude,
        revoked=row.key_revoked_at is not None,
    )


def _unit(text: str) -> str:
    unit = (text or "").strip()
    if not UNIT.fullmatch(unit):
        raise InvalidInput(f"unit number {text!r}: 1-64 letters, digits, spaces, '.', '-' or '_'")
    return unit


def _log(connection: Connection, actor: Actor, action: str, query: dict[str, Any]) -> None:
    append_change(connection, actor, action, query, reason=REASON)
