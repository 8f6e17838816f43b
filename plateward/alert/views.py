"""Alerts as people and programs see them, and who may see which.

An alert belongs to the agency whose camera read the plate; the agency whose list holds the
entry sees it too where the camera's agency shares its reads with it for alerts under a current
agreement (policy G.4), since the alert carries the read's plate, place and time. Nobody else
sees it, whatever their role. The JSON shape
here is the one the live stream, the API, webhooks and e-mail all carry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, or_, select

from plateward.access.users import User
from plateward.alert.schema import alerts
from plateward.errors import NotFound
from plateward.hotlist.reasons import reason_label
from plateward.hotlist.schema import hotlists
from plateward.search.scope import Grant, Scope
from plateward.sharing.grants import current_grants
from plateward.store.schema import agencies, cameras

_COLUMNS = (
    alerts,
    cameras.c.code.label("camera"),
    cameras.c.agency_id.label("camera_agency_id"),
    hotlists.c.name.label("list"),
    hotlists.c.agency_id.label("list_agency_id"),
)


def select_alerts() -> Select[Any]:
    return (
        select(*_COLUMNS)
        .join(cameras, cameras.c.id == alerts.c.camera_id)
        .join(hotlists, hotlists.c.id == alerts.c.list_id)
    )


def visible_to(connection: Connection, user_agency_id: int) -> Any:
    """Alerts on the agency's own cameras, and its lists' alerts on another agency's reads
    where a current agreement shares them for alerts (``plateward/sharing``)."""
    own = cameras.c.agency_id == user_agency_id
    grants = alert_shares(connection).get(user_agency_id, [])
    if not grants:
        return own
    shared = Scope(grants=tuple(grants)).condition(alerts.c.camera_id, alerts.c.captured_at)
    return own if shared is None else or_(own, and_(hotlists.c.agency_id == user_agency_id, shared))


def alert_shares(connection: Connection) -> dict[int, list[Grant]]:
    """The agreements sharing reads for alerts today, by receiving agency id."""
    return current_grants(connection, dt.datetime.now(dt.UTC).date(), kind="alerts")


def user_agency_id(connection: Connection, user: User) -> int:
    found = connection.execute(select(agencies.c.id).where(agencies.c.code == user.agency)).first()
    if found is None:
        raise NotFound(f"agency {user.agency}: not registered")
    return int(found.id)


def alert_json(row: Any, base_url: str = "") -> dict[str, Any]:
    """One alert: what was read, where and when, what it matched, and where it stands."""
    m = row._mapping
    reason = m["reason"]
    return {
        "id": m["id"],
        "plate": m["plate"],
        "list": m["list"],
        "list_id": m["list_id"],
        "reason": reason,
        "reason_label": reason_label(reason),
        "priority": m["priority"],
        "camera": m["camera"],
        "captured_at": _iso(m["captured_at"]),
        "raised_at": _iso(m["raised_at"]),
        "edge_raised_at": _iso(m["edge_raised_at"]),
        "latitude": m["latitude"],
        "longitude": m["longitude"],
        "read_id": str(m["read_id"]),
        "match_kind": m["match_kind"],
        "matched_text": m["matched_text"],
        "via_alternative": m["via_alternative"],
        "differing": list(m["differing"]),
        "entry": m["entry"],
        "status": m["status"],
        "verification": {
            "plate_check": m["plate_check"],
            "plate_checked_by": m["plate_checked_by"],
            "plate_checked_at": _iso(m["plate_checked_at"]),
            "plate_check_note": m["plate_check_note"],
            "clets_check": m["clets_check"],
            "clets_checked_by": m["clets_checked_by"],
            "clets_checked_at": _iso(m["clets_checked_at"]),
            "clets_reference": m["clets_reference"],
            "clets_note": m["clets_note"],
        },
        "disposition": {
            "disposition": m["disposition"],
            "disposed_by": m["disposed_by"],
            "disposed_at": _iso(m["disposed_at"]),
            "note": m["disposition_note"],
        },
        "url": f"{base_url.rstrip('/')}/alerts/{m['id']}",
    }


def agencies_of(row: Any, shares: dict[int, list[Grant]]) -> frozenset[int]:
    """The agencies whose people may see this alert: the camera's, and the list's where the
    camera's agency shares that read with it for alerts (``shares``: ``alert_shares``)."""
    m = row._mapping
    camera_agency, list_agency = int(m["camera_agency_id"]), int(m["list_agency_id"])
    if list_agency == camera_agency or any(
        grant.covers(int(m["camera_id"]), m["captured_at"]) for grant in shares.get(list_agency, ())
    ):
        return frozenset({camera_agency, list_agency})
    return frozenset({camera_agency})


def alerts_by_id(connection: Connection, ids: Sequence[int]) -> list[Any]:
    if not ids:
        return []
    return list(
        connection.execute(select_alerts().where(alerts.c.id.in_(list(ids))).order_by(alerts.c.id))
    )


def alert_row(connection: Connection, alert_id: int, agency_id: int) -> Any:
    """The alert, if the person's agency may see it; otherwise as if it did not exist."""
    row = connection.execute(
        select_alerts().where(alerts.c.id == alert_id, visible_to(connection, agency_id))
    ).first()
    if row is None:
        raise NotFound(f"alert {alert_id}: not found")
    return row


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
