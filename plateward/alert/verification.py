"""Opening, verifying and disposing of an alert: each step checked, recorded and logged.

Looking at an alert is an access to ALPR data like a search (Civil Code 1798.90.52): its log
entry names the entry's case number and the alert as the purpose. Every verification step and
the disposition record who and when on the alert itself and in the access log, in one
transaction; the alert's row is locked while a step is decided, so two deputies recording at
the same moment cannot both pass a check that only one may.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, func, select, update

from plateward.access.users import User
from plateward.alert.rules import AlertState, Check, after_check, check_disposition
from plateward.alert.schema import alerts
from plateward.alert.views import alert_json, alert_row, user_agency_id
from plateward.audit.log import Entry, append
from plateward.errors import InvalidInput
from plateward.hotlist.reasons import reason_label
from plateward.store.schema import cameras

MAX_NOTE_CHARS = 2000
MAX_REFERENCE_CHARS = 64


@dataclass(frozen=True)
class Who:
    user: User
    client_address: str | None = None


def open_alert(connection: Connection, who: Who, alert_id: int) -> Any:
    """The alert's row, if the person may see it; logged as ``alert.view``."""
    row = alert_row(connection, alert_id, user_agency_id(connection, who.user))
    _log(connection, who, "alert.view", row, {})
    return row


def record_check(
    connection: Connection, who: Who, alert_id: int, check: Check, result: str,
    reference: str | None = None, note: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    row = _locked(connection, who, alert_id)
    status = after_check(_state(row), check, result)
    note = _text(note, "note", MAX_NOTE_CHARS)
    now = dt.datetime.now(dt.UTC)
    if check is Check.PLATE:
        values = {"plate_check": result, "plate_checked_by": who.user.username,
                  "plate_checked_at": now, "plate_check_note": note}  # fmt: skip
    else:
        reference = _text(reference, "reference", MAX_REFERENCE_CHARS)
        if result == "confirmed" and not reference:
            raise InvalidInput(
                "a CLETS confirmation needs its reference (the response's message number)"
            )
        values = {"clets_check": result, "clets_checked_by": who.user.username,
                  "clets_checked_at": now, "clets_reference": reference, "clets_note": note}  # fmt: skip
    connection.execute(
        update(alerts).where(alerts.c.id == alert_id).values(status=status, **values)
    )
    _log(connection, who, f"alert.verify.{check.value}", row,
         {"result": result, "reference": reference, "note": note})  # fmt: skip
    return _reload(connection, who, alert_id)


def record_disposition(
    connection: Connection, who: Who, alert_id: int, disposition: str, note: str | None = None
) -> dict[str, Any]:
    row = _locked(connection, who, alert_id)
    check_disposition(_state(row), disposition)
    note = _text(note, "note", MAX_NOTE_CHARS)
    values: dict[str, Any] = {
        "status": "closed",
        "disposition": disposition,
        "disposed_by": who.user.username,
        "disposed_at": dt.datetime.now(dt.UTC),
        "disposition_note": note,
    }
    if disposition == "misread" and row.plate_check is None:
        values |= {"plate_check": "misread", "plate_checked_by": who.user.username,
                   "plate_checked_at": values["disposed_at"]}  # fmt: skip
    connection.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))
    _log(connection, who, "alert.dispose", row, {"disposition": disposition, "note": note})
    return _reload(connection, who, alert_id)


def misreads_by_camera(
    connection: Connection, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Per camera: alerts raised, and how many a person found to be misreads (1798.90.51)."""
    misread = (alerts.c.plate_check == "misread") | (alerts.c.disposition == "misread")
    checked = alerts.c.plate_check.is_not(None)
    query = (
        select(
            cameras.c.code,
            func.count().label("alerts"),
            func.sum(checked.cast(Integer)).label("plate_checked"),
            func.sum(misread.cast(Integer)).label("misreads"),
        )
        .join(cameras, cameras.c.id == alerts.c.camera_id)
        .group_by(cameras.c.code)
        .order_by(cameras.c.code)
    )
    if since is not None:
        query = query.where(alerts.c.raised_at >= since)
    out = []
    for code, count, plate_checked, misreads in connection.execute(query):
        plate_checked, misreads = int(plate_checked or 0), int(misreads or 0)
        out.append({
            "camera": code, "alerts": int(count), "plate_checked": plate_checked,
            "misreads": misreads,
            "misread_rate": round(misreads / plate_checked, 4) if plate_checked else None,
        })  # fmt: skip
    return out


def _locked(connection: Connection, who: Who, alert_id: int) -> Any:
    agency_id = user_agency_id(connection, who.user)
    row = alert_row(connection, alert_id, agency_id)
    if connection.dialect.name == "postgresql":
        connection.execute(select(alerts.c.id).where(alerts.c.id == alert_id).with_for_update())
        row = alert_row(connection, alert_id, agency_id)
    return row


def _state(row: Any) -> AlertState:
    return AlertState(
        id=row.id,
        status=row.status,
        disposition=row.disposition,
        disposed_by=row.disposed_by,
        disposed_at=None if row.disposed_at is None else row.disposed_at.isoformat(),
    )


def _reload(connection: Connection, who: Who, alert_id: int) -> dict[str, Any]:
    return alert_json(alert_row(connection, alert_id, user_agency_id(connection, who.user)))


def _text(value: str | None, what: str, limit: int) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if "\x00" in cleaned:
        raise InvalidInput(f"{what}: holds a NUL character")
    if len(cleaned) > limit:
        raise InvalidInput(f"{what}: longer than {limit} characters")
    return cleaned or None


def _log(connection: Connection, who: Who, action: str, row: Any, details: dict[str, Any]) -> None:
    entry = row.entry or {}
    append(
        connection,
        Entry(
            username=who.user.username,
            agency=who.user.agency,
            action=action,
            query={"alert": row.id, "plate": row.plate, "list": row.list, **details},
            case_number=entry.get("case_number"),
            reason=f"hot list alert {row.id}: {reason_label(row.reason)}",
            result_count=1,
            client_address=who.client_address,
        ),
    )
