"""Sharing agreements over HTTP: /api/v1/sharing/agreements (policy G.4)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.agency.registry import agency_id_of
from plateward.sharing.agreements import (
    SharingRefused,
    decide_agreement,
    list_agreements,
    log_refusal,
    request_agreement,
    revoke_agreement,
)
from plateward.sharing.policy import sharing_policy
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"])

Viewer = Annotated[User, Depends(require(Action.VIEW_SHARING))]
Manager = Annotated[User, Depends(require(Action.MANAGE_SHARING))]


class RequestIn(BaseModel):
    owner: str = Field(description="The agency whose reads are asked for.")
    purpose: str | None = Field(None, max_length=2000, description="What they are for.")
    search_kinds: list[str] = Field(description="exact, partial, tolerant, ..., alerts.")
    ends_on: dt.date = Field(description="Last day the agreement runs.")
    cameras: list[str] = Field(default_factory=list, description="Camera codes; empty: all.")
    reads_from: dt.datetime | None = None
    reads_until: dt.datetime | None = None


class DecisionIn(BaseModel):
    note: str | None = Field(None, max_length=2000)


class RevokeIn(BaseModel):
    reason: str = Field(max_length=2000)


@router.get("/agreements")
def agreements_list(request: Request, user: Viewer) -> dict[str, Any]:
    """The agreements your agency owns or receives, newest first."""
    today = dt.datetime.now(dt.UTC).date()
    with app_state(request).db.connect() as connection:
        found = list_agreements(connection, agency_id=agency_id_of(connection, user.agency))
    return {"count": len(found), "results": [a.as_json(today) for a in found]}


@router.post("/agreements", status_code=201)
def agreements_request(request: Request, user: Manager, body: RequestIn) -> dict[str, Any]:
    """Ask another agency for its reads; 403 naming the rule when sharing is not allowed."""
    state = app_state(request)
    today = dt.datetime.now(dt.UTC).date()
    client = _client(request)
    try:
        with state.db.begin() as connection:
            agreement = request_agreement(
                connection, user, sharing_policy(state.settings), owner=body.owner,
                purpose=body.purpose, cameras=body.cameras, kinds=body.search_kinds,
                ends_on=body.ends_on, reads_from=body.reads_from, reads_until=body.reads_until,
                today=today, client_address=client,
            )  # fmt: skip
    except SharingRefused as refused:
        with state.db.begin() as connection:
            log_refusal(connection, user, client, body.model_dump(mode="json"), refused)
        raise
    return agreement.as_json(today)


@router.post("/agreements/{agreement_id}/approve")
def agreements_approve(
    request: Request, user: Manager, agreement_id: int, body: DecisionIn
) -> dict[str, Any]:
    """Approve a request for your agency's reads (its administrator only; rules rechecked)."""
    return _decide(request, user, agreement_id, approve=True, note=body.note)


@router.post("/agreements/{agreement_id}/deny")
def agreements_deny(
    request: Request, user: Manager, agreement_id: int, body: DecisionIn
) -> dict[str, Any]:
    """Deny a request for your agency's reads, saying why."""
    return _decide(request, user, agreement_id, approve=False, note=body.note)


@router.post("/agreements/{agreement_id}/revoke")
def agreements_revoke(
    request: Request, user: Manager, agreement_id: int, body: RevokeIn
) -> dict[str, Any]:
    """End an approved agreement now (either agency's administrator)."""
    with app_state(request).db.begin() as connection:
        agreement = revoke_agreement(connection, user, agreement_id, reason=body.reason,
                                     client_address=_client(request))  # fmt: skip
    return agreement.as_json(dt.datetime.now(dt.UTC).date())


def _decide(
    request: Request, user: User, agreement_id: int, *, approve: bool, note: str | None
) -> dict[str, Any]:
    state = app_state(request)
    today = dt.datetime.now(dt.UTC).date()
    with state.db.begin() as connection:
        agreement = decide_agreement(
            connection, user, sharing_policy(state.settings), agreement_id, approve=approve,
            note=note, today=today, client_address=_client(request),
        )  # fmt: skip
    return agreement.as_json(today)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None
