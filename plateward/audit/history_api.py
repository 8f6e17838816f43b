"""``GET /api/v1/audit/history``: a previous system's imported access history.

Open to those who read the access log (``read_access_log``); each call is itself logged in
the chained log, like reading the log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.audit.actor import actor_for, record
from plateward.audit.imported import MAX_RESULTS, find_imported
from plateward.errors import InvalidInput
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/history")
def imported_history(
    request: Request,
    user: Annotated[User, Depends(require(Action.READ_ACCESS_LOG))],
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    username: str | None = None,
    plate: str | None = None,
    system: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 1000,
) -> dict[str, Any]:
    """Entries imported from a previous system's audit log, oldest first; each is marked."""
    query = {"start": start, "end": end, "username": username, "plate": plate, "system": system}
    try:
        with app_state(request).db.begin() as connection:
            found = find_imported(
                connection, start=start, end=end, username=username, plate=plate,
                system=system, limit=limit,
            )  # fmt: skip
            logged = {
                k: v.isoformat() if isinstance(v, dt.datetime) else v
                for k, v in query.items()
                if v is not None
            }
            actor = actor_for(user, request.client.host if request.client else None)
            record(connection, actor, "audit.read_imported_history", logged, len(found))
    except InvalidInput as exc:
        raise HTTPException(422, exc.message) from None
    results = [{**_plain(dataclasses.asdict(entry)), "imported": True} for entry in found]
    return {"count": len(results), "results": results}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}
