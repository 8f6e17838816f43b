"""Retention and legal holds over HTTP: /api/v1/retention and /api/v1/holds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.retention.holds import hold_plate, hold_reads, list_holds, release_hold
from plateward.retention.periods import CLASS_DAYS, CLASS_LABELS, Cutoffs, check_as_of
from plateward.retention.preview import log_dry_run, preview
from plateward.retention.records import list_runs
from plateward.retention.run import Runner, run_retention
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1", tags=["retention"])

Viewer = Annotated[User, Depends(require(Action.VIEW_RETENTION))]
Manager = Annotated[User, Depends(require(Action.MANAGE_RETENTION))]
Holder = Annotated[User, Depends(require(Action.HOLD_DATA))]


class AsOfIn(BaseModel):
    as_of: dt.datetime | None = Field(None, description="Apply the rules as of this time.")


class HoldIn(BaseModel):
    case_number: str = Field(max_length=64)
    reason: str | None = Field(None, max_length=2000)
    until: dt.datetime | None = Field(None, description="Hold until; none: until released.")
    read_ids: list[uuid.UUID] = Field(default_factory=list, description="Reads to hold.")
    plate: str | None = Field(None, description="Or: every read of this plate...")
    captured_from: dt.datetime | None = Field(None, description="...captured from...")
    captured_until: dt.datetime | None = Field(None, description="...until (exclusive).")


class ReleaseIn(BaseModel):
    reason: str = Field(max_length=2000)


@router.get("/retention")
def retention_show(request: Request, user: Viewer) -> dict[str, Any]:
    """The retention periods and the latest runs with their destruction records."""
    state = app_state(request)
    with state.db.connect() as connection:
        runs = list_runs(connection, limit=20)
    periods = {
        name: {"label": label, "days": getattr(state.settings.retention, CLASS_DAYS[name])}
        for name, label in CLASS_LABELS.items()
    }
    return {"periods": periods, "runs": [r.as_json() for r in runs]}


@router.post("/retention/dry-run")
def retention_dry_run(request: Request, user: Viewer, body: AsOfIn) -> dict[str, Any]:
    """What a run as of ``as_of`` (now by default; a later time is allowed) would destroy."""
    state = app_state(request)
    when = check_as_of(body.as_of, dt.datetime.now(dt.UTC), dry_run=True)
    with state.db.begin() as connection:
        found = preview(connection, Cutoffs.of(state.settings.retention, when))
        log_dry_run(connection, user, _client(request), when, found)
    return {"dry_run": True, "as_of": when.isoformat(), "destroyed": [d.as_json() for d in found]}


@router.post("/retention/runs")
async def retention_run(request: Request, user: Manager, body: AsOfIn) -> dict[str, Any]:
    """Destroy what is past its period now (or as of an earlier ``as_of``); the run's record."""
    state = app_state(request)
    now = dt.datetime.now(dt.UTC)
    when = check_as_of(body.as_of, now, dry_run=False)
    runner = Runner(user.username, user.agency, "api", _client(request))
    run = await run_in_threadpool(
        run_retention, state.db, state.images, state.settings.retention, runner, as_of=when,
        now=now,
    )  # fmt: skip
    return run.as_json()


@router.get("/holds")
def holds_list(
    request: Request, user: Viewer, case_number: str | None = None, every: bool = False
) -> dict[str, Any]:
    """Legal holds, newest first: active ones, or ``every`` one."""
    now = dt.datetime.now(dt.UTC)
    with app_state(request).db.connect() as connection:
        found = list_holds(connection, active_at=None if every else now, case_number=case_number)
    return {"count": len(found), "results": [h.as_json(now) for h in found]}


@router.post("/holds", status_code=201)
def holds_place(request: Request, user: Holder, body: HoldIn) -> dict[str, Any]:
    """Hold reads (by id) or a plate's reads in a window, for a case."""
    client = _client(request)
    now = dt.datetime.now(dt.UTC)
    with app_state(request).db.begin() as connection:
        if body.plate is not None:
            if body.captured_from is None or body.captured_until is None:
                from plateward.errors import InvalidInput

                raise InvalidInput(
                    "legal hold: a plate hold needs captured_from and captured_until"
                )
            hold = hold_plate(
                connection, user, body.plate, captured_from=body.captured_from,
                captured_until=body.captured_until, case_number=body.case_number,
                reason=body.reason, expires_at=body.until, client_address=client, now=now,
            )  # fmt: skip
        else:
            hold = hold_reads(
                connection, user, body.read_ids, case_number=body.case_number,
                reason=body.reason, expires_at=body.until, client_address=client, now=now,
            )  # fmt: skip
    return hold.as_json(now)


@router.post("/holds/{hold_id}/release")
def holds_release(request: Request, user: Holder, hold_id: int, body: ReleaseIn) -> dict[str, Any]:
    """Release a hold, saying why."""
    client = _client(request)
    now = dt.datetime.now(dt.UTC)
    with app_state(request).db.begin() as connection:
        hold = release_hold(connection, user, hold_id, reason=body.reason, client_address=client,
                            now=now)  # fmt: skip
    return hold.as_json(now)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None
