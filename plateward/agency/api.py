"""The agency registry over HTTP: /api/v1/agencies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.agency.registry import Agency, edit_agency, list_agencies, register_agency
from plateward.audit.actor import actor_for
from plateward.sharing.agreements import recheck_agreements
from plateward.sharing.policy import sharing_policy
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1/agencies", tags=["agencies"])

Viewer = Annotated[User, Depends(require(Action.VIEW_SHARING))]
Manager = Annotated[User, Depends(require(Action.MANAGE_AGENCIES))]


class AgencyIn(BaseModel):
    code: str = Field(max_length=32, description="Short unique code, e.g. CCSO.")
    name: str = Field(max_length=200)
    kind: str = Field(description="law_enforcement, other_public or private.")
    state: str = Field(max_length=2, description="Two-letter state, e.g. CA.")
    federal: bool = False
    ori: str | None = Field(None, max_length=9, description="The agency's ORI.")


class AgencyChange(BaseModel):
    name: str | None = Field(None, max_length=200)
    kind: str | None = None
    state: str | None = Field(None, max_length=2)
    federal: bool | None = None
    ori: str | None = Field(None, max_length=9)


@router.get("")
def agencies_list(request: Request, user: Viewer) -> dict[str, Any]:
    """Every registered agency, with what the registry knows of it."""
    with app_state(request).db.connect() as connection:
        found = list_agencies(connection)
    return {"count": len(found), "results": [agency_json(a) for a in found]}


@router.post("", status_code=201)
def agencies_add(request: Request, user: Manager, body: AgencyIn) -> dict[str, Any]:
    """Register an agency (its facts vouched for by you; logged ``agency.add``)."""
    with app_state(request).db.begin() as connection:
        agency = register_agency(
            connection, actor_for(user, _client(request)), code=body.code, name=body.name,
            kind=body.kind, state=body.state, federal=body.federal, ori=body.ori,
        )  # fmt: skip
    return agency_json(agency)


@router.patch("/{code}")
def agencies_edit(request: Request, user: Manager, code: str, body: AgencyChange) -> dict[str, Any]:
    """Change or complete a registration; agreements the new facts refuse end at once."""
    state = app_state(request)
    actor = actor_for(user, _client(request))
    with state.db.begin() as connection:
        agency = edit_agency(connection, actor, code, **body.model_dump(exclude_none=True))
        ended = recheck_agreements(
            connection, sharing_policy(state.settings), actor, dt.datetime.now(dt.UTC).date()
        )
    return {**agency_json(agency), "agreements_ended": [a.id for a, _ in ended]}


def agency_json(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code, "name": agency.name, "kind": agency.kind, "state": agency.state,
        "federal": agency.federal, "ori": agency.ori, "confirmed": agency.confirmed,
        "confirmed_by": agency.confirmed_by,
        "confirmed_at": None if agency.confirmed_at is None else agency.confirmed_at.isoformat(),
    }  # fmt: skip


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None
