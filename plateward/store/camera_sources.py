"""Which Plateward camera a vendor's camera is, and the heartbeats vendors' agents send.

One Rekor agent runs several camera streams and posts all their reads with one credential; a
Verkada organisation posts every camera's reads to one URL. So a source is mapped on the
record of the camera whose key delivers it (``via``): "source S, delivered with camera V's
key, is camera C". C must belong to V's agency, so a key can never place reads at another
agency's camera. A camera's key with no source mapped yet takes the first source it delivers
as itself (``bind_first_source``); a second, unmapped one is refused, so reads of two cameras
never collapse into one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from plateward.errors import InvalidInput, NotFound
from plateward.store.cameras import Camera, camera_by_code, camera_row
from plateward.store.schema import camera_heartbeats, camera_sources, cameras
from plateward.zones import parse_zone

SYSTEMS = ("openalpr", "platerecognizer", "flock", "verkada", "genetec")


@dataclass(frozen=True)
class MappedSource:
    via: str
    system: str
    source: str
    camera: str
    label: str | None


def add_source(
    connection: Connection,
    *,
    via: str,
    system: str,
    source: str,
    camera: str | None = None,
    label: str | None = None,
) -> MappedSource:
    """Map ``source`` of ``system``, delivered with camera ``via``'s key, to ``camera``."""
    if system not in SYSTEMS:
        raise InvalidInput(f"system {system!r}: one of {', '.join(SYSTEMS)}")
    if not source.strip():
        raise InvalidInput("source: give the vendor's identifier of the camera")
    gateway = camera_by_code(connection, via)
    target = gateway if camera is None else camera_by_code(connection, camera)
    if target.agency_id != gateway.agency_id:
        raise InvalidInput(
            f"camera {target.code} belongs to another agency than {gateway.code}: a camera's key"
            " may deliver reads only for its own agency's cameras"
        )
    existing = connection.execute(
        select(camera_sources.c.id).where(
            camera_sources.c.via_camera_id == gateway.id,
            camera_sources.c.system == system,
            camera_sources.c.source == source.strip(),
        )
    ).first()
    values = {"camera_id": target.id, "label": label}
    if existing is None:
        connection.execute(
            insert(camera_sources).values(
                via_camera_id=gateway.id, system=system, source=source.strip(),
                created_at=dt.datetime.now(dt.UTC), **values,
            )
        )  # fmt: skip
    else:
        connection.execute(
            update(camera_sources).where(camera_sources.c.id == existing.id).values(**values)
        )
    return MappedSource(gateway.code, system, source.strip(), target.code, label)


def remove_source(connection: Connection, *, via: str, system: str, source: str) -> None:
    gateway = camera_by_code(connection, via)
    done = connection.execute(
        delete(camera_sources).where(
            camera_sources.c.via_camera_id == gateway.id,
            camera_sources.c.system == system,
            camera_sources.c.source == source,
        )
    )
    if done.rowcount == 0:
        raise NotFound(f"camera {via}: no {system} source {source!r} mapped")


def list_sources(connection: Connection, via: str | None = None) -> list[MappedSource]:
    gateway = cameras.alias("via")
    target = cameras.alias("target")
    query = (
        select(
            gateway.c.code, camera_sources.c.system, camera_sources.c.source, target.c.code,
            camera_sources.c.label,
        )
        .join(gateway, gateway.c.id == camera_sources.c.via_camera_id)
        .join(target, target.c.id == camera_sources.c.camera_id)
        .order_by(gateway.c.code, camera_sources.c.system, camera_sources.c.source)
    )  # fmt: skip
    if via is not None:
        query = query.where(gateway.c.code == camera_by_code(connection, via).code)
    return [MappedSource(*row) for row in connection.execute(query)]


def sources_via(connection: Connection, via: Camera, system: str) -> dict[str, int]:
    """The sources ``via``'s key delivers for ``system``, each with its camera's id."""
    rows = connection.execute(
        select(camera_sources.c.source, camera_sources.c.camera_id).where(
            camera_sources.c.via_camera_id == via.id, camera_sources.c.system == system
        )
    )
    return {row.source: row.camera_id for row in rows}


def bind_first_source(
    connection: Connection, via: Camera, system: str, source: str, label: str | None
) -> None:
    """Take ``source`` as ``via``'s own camera (its key's first source); a concurrent request
    that bound it already is no error."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(camera_sources)
        .values(
            via_camera_id=via.id, system=system, source=source, camera_id=via.id, label=label,
            created_at=dt.datetime.now(dt.UTC),
        )
        .on_conflict_do_nothing(index_elements=["via_camera_id", "system", "source"])
    )  # fmt: skip


def cameras_by_id(connection: Connection, ids: set[int]) -> dict[int, Camera]:
    rows = connection.execute(select(cameras).where(cameras.c.id.in_(ids)))
    return {row.id: camera_row(row) for row in rows}


def set_timezone(connection: Connection, code: str, zone: str | None) -> None:
    if zone is not None:
        parse_zone(zone, "timezone")
    done = connection.execute(
        update(cameras).where(cameras.c.code == code).values(timezone=zone or None)
    )
    if done.rowcount == 0:
        raise NotFound(f"camera {code}: no such camera")


def record_heartbeat(
    connection: Connection,
    *,
    camera_id: int,
    system: str,
    source: str,
    received_at: dt.datetime,
    reported_at: dt.datetime | None,
    streaming: bool | None,
    detail: dict[str, Any],
) -> None:
    """Keep the camera's latest heartbeat from this agent (one row, replaced each time)."""
    values = {
        "camera_id": camera_id, "system": system, "source": source[:200],
        "received_at": received_at, "reported_at": reported_at, "streaming": streaming,
        "detail": detail,
    }  # fmt: skip
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(camera_heartbeats).values(**values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["camera_id", "system", "source"],
            set_={k: statement.excluded[k] for k in values if k not in ("camera_id", "system")},
        )
    )


@dataclass(frozen=True)
class CameraHealth:
    camera: str
    system: str
    source: str
    received_at: dt.datetime
    reported_at: dt.datetime | None
    streaming: bool | None
    detail: dict[str, Any]


def camera_health(connection: Connection, code: str | None = None) -> list[CameraHealth]:
    query = (
        select(
            cameras.c.code, camera_heartbeats.c.system, camera_heartbeats.c.source,
            camera_heartbeats.c.received_at, camera_heartbeats.c.reported_at,
            camera_heartbeats.c.streaming, camera_heartbeats.c.detail,
        )
        .join(cameras, and_(cameras.c.id == camera_heartbeats.c.camera_id))
        .order_by(cameras.c.code, camera_heartbeats.c.system, camera_heartbeats.c.source)
    )  # fmt: skip
    if code is not None:
        query = query.where(cameras.c.code == camera_by_code(connection, code).code)
    return [CameraHealth(*row) for row in connection.execute(query)]
