"""The agency registry and sharing agreements in the browser (policy G.3, G.4).

``/agencies`` lists every registered agency with what the sharing rules know of it; an
administrator registers one or completes its registration there. ``/sharing`` lists the
agreements the person's agency owns or receives; its administrators ask another agency for
its reads, and decide (approve, deny) or revoke the requests for their own. Every step goes
through the same functions, rules and access log entries as the API and the console.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.agency.registry import (
    KIND_LABELS,
    agency_id_of,
    edit_agency,
    list_agencies,
    register_agency,
)
from plateward.audit.actor import actor_for
from plateward.errors import InvalidInput, PlatewardError
from plateward.sharing.agreements import (
    SharingRefused,
    decide_agreement,
    list_agreements,
    log_refusal,
    recheck_agreements,
    request_agreement,
    revoke_agreement,
)
from plateward.sharing.policy import sharing_policy
from plateward.sharing.rules import KIND_LABELS as SEARCH_KIND_LABELS
from plateward.store.schema import agencies, cameras
from plateward.web.clock import parse_local
from plateward.web.guards import check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Viewer = Annotated[Session, Depends(page_for(Action.VIEW_SHARING))]
Manager = Annotated[Session, Depends(page_for(Action.MANAGE_SHARING))]
Registrar = Annotated[Session, Depends(page_for(Action.MANAGE_AGENCIES))]


@router.get("/agencies")
def agencies_page(request: Request, session: Viewer) -> Response:
    return _agencies(request, session)


@router.post("/agencies")
async def agencies_save(request: Request, session: Registrar) -> Response:
    form = await _form(request, session)
    state = app_state(request)
    actor = actor_for(session.user, client_of(request))
    try:
        with state.db.begin() as connection:
            fields: dict[str, Any] = {
                "name": form.get("name", ""), "kind": form.get("kind") or None,
                "state": form.get("state", ""), "ori": form.get("ori", "").strip() or None,
                "federal": form.get("federal") == "true",
            }  # fmt: skip
            if form.get("existing"):
                agency = edit_agency(connection, actor, form["existing"], **fields)
                ended = recheck_agreements(connection, sharing_policy(state.settings), actor,
                                           _today())  # fmt: skip
                notice = f"Agency {agency.code} saved."
                if ended:
                    notice += (
                        f" {len(ended)} sharing agreement(s) ended: the rules no longer allow them."
                    )
            else:
                agency = register_agency(connection, actor, code=form.get("code", ""), **fields)
                notice = f"Agency {agency.code} registered."
    except PlatewardError as exc:
        return _agencies(request, session, error=exc.message, form=form, status=400)
    return _agencies(request, session, notice=notice)


@router.get("/sharing")
def sharing_page(request: Request, session: Viewer) -> Response:
    return _sharing(request, session)


@router.post("/sharing")
async def sharing_request(request: Request, session: Manager) -> Response:
    form = await _form(request, session)
    state = app_state(request)
    zone = state.settings.web.time_zone
    kinds = [k for k in SEARCH_KIND_LABELS if form.get(f"kind_{k}")]
    cameras_wanted = form.get("cameras", "").replace(",", " ").split()
    query = {"owner": form.get("owner"), "purpose": form.get("purpose"), "kinds": kinds,
             "cameras": cameras_wanted or "all"}  # fmt: skip
    try:
        ends = form.get("ends_on", "").strip()
        try:
            ends_on = dt.date.fromisoformat(ends)
        except ValueError:
            raise InvalidInput(f"sharing request: end date {ends!r}: give a date") from None
        with state.db.begin() as connection:
            agreement = request_agreement(
                connection, session.user, sharing_policy(state.settings),
                owner=form.get("owner", ""), purpose=form.get("purpose"), cameras=cameras_wanted,
                kinds=kinds, ends_on=ends_on,
                reads_from=parse_local(form.get("reads_from", ""), zone, "reads from"),
                reads_until=parse_local(form.get("reads_until", ""), zone, "reads until"),
                today=_today(), client_address=client_of(request),
            )  # fmt: skip
    except SharingRefused as refused:
        with state.db.begin() as connection:
            log_refusal(connection, session.user, client_of(request), query, refused)
        return _sharing(request, session, error=refused.message, form=form, status=403)
    except PlatewardError as exc:
        return _sharing(request, session, error=exc.message, form=form, status=400)
    return RedirectResponse(f"/sharing?done=requested-{agreement.id}", status_code=303)


@router.post("/sharing/{agreement_id}/{step}")
async def sharing_step(
    request: Request, session: Manager, agreement_id: int, step: str
) -> Response:
    form = await _form(request, session)
    state = app_state(request)
    if step not in ("approve", "deny", "revoke"):
        return _sharing(request, session, error=f"{step}: not a step of an agreement", status=404)
    try:
        with state.db.begin() as connection:
            if step == "revoke":
                revoke_agreement(connection, session.user, agreement_id,
                                 reason=form.get("note"), client_address=client_of(request))  # fmt: skip
            else:
                decide_agreement(
                    connection, session.user, sharing_policy(state.settings), agreement_id,
                    approve=step == "approve", note=form.get("note"), today=_today(),
                    client_address=client_of(request),
                )  # fmt: skip
    except PlatewardError as exc:
        return _sharing(
            request, session, error=exc.message, status=exc.status if exc.status < 500 else 400
        )
    return RedirectResponse(f"/sharing?done={step}-{agreement_id}", status_code=303)


def _agencies(
    request: Request, session: Session, *, notice: str | None = None, error: str | None = None,
    form: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    with app_state(request).db.connect() as connection:
        found = list_agencies(connection)
    return render(
        request, "agencies.html", status_code=status, signed_in=session, agencies=found,
        kinds=KIND_LABELS, notice=notice, error=error, form=form or {},
    )  # fmt: skip


def _sharing(
    request: Request, session: Session, *, error: str | None = None,
    form: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    done = request.query_params.get("done", "")
    with app_state(request).db.connect() as connection:
        mine = agency_id_of(connection, session.user.agency)
        found = list_agreements(connection, agency_id=mine)
        others = list(connection.execute(
            select(agencies.c.code, agencies.c.name)
            .where(agencies.c.id != mine).order_by(agencies.c.code)
        ))  # fmt: skip
        own_cameras = list(connection.execute(
            select(cameras.c.code).where(cameras.c.agency_id == mine).order_by(cameras.c.code)
        ).scalars())  # fmt: skip
    incoming = [a for a in found if a.owner == session.user.agency]
    outgoing = [a for a in found if a.receiver == session.user.agency]
    return render(
        request, "sharing.html", status_code=status, signed_in=session, incoming=incoming,
        outgoing=outgoing, others=others, own_cameras=own_cameras, today=_today(),
        kinds=SEARCH_KIND_LABELS, error=error, form=form or {},
        notice=_done(done),
    )  # fmt: skip


def _done(done: str) -> str | None:
    step, _, number = done.partition("-")
    words = {"requested": "requested", "approve": "approved", "deny": "denied",
             "revoke": "revoked"}  # fmt: skip
    if step not in words or not number.isdigit():
        return None
    return f"Sharing agreement {number} {words[step]}."


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def _form(request: Request, session: Session) -> dict[str, str]:
    check_csrf(session.csrf_token, await submitted_csrf(request))
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 5000}
