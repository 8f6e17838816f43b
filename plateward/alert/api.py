"""Alerts over HTTP: the live stream, the alert itself, its verification and its disposition.

``GET /api/v1/alerts/stream`` is a server-sent-events stream (``text/event-stream``): each
alert arrives as an ``alert`` event whose data is the alert's JSON and whose id is the
alert's; a client that reconnects sends ``Last-Event-ID`` and first gets what it missed. The
stream follows the caller's subscription (``PUT /api/v1/alerts/subscription``), or the lists,
reasons and cameras given as its own parameters, and never carries an alert of another agency.
A stream whose account is disabled, locked or loses its training ends within
``alerts.stream_recheck_s``.

The verification routes apply policy A.7 (``rules.py``): a step out of order is 409 with the
reason, and an enforcement disposition is refused until the plate and CLETS checks pass.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, insert, select, update

from plateward.access.api import allowed_user, require, require_person, signed_in_user
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.alert.filters import AlertFilter
from plateward.alert.rules import DISPOSITIONS, Check
from plateward.alert.schema import (
    alert_channels,
    alert_deliveries,
    alert_delivery_attempts,
    alert_subscriptions,
    alerts,
)
from plateward.alert.verification import (
    Who,
    misreads_by_camera,
    open_alert,
    record_check,
    record_disposition,
)
from plateward.alert.views import alert_json, select_alerts, user_agency_id, visible_to
from plateward.audit.actor import actor_for
from plateward.audit.log import Entry, append, append_change
from plateward.errors import InvalidInput, NotFound
from plateward.hotlist.reasons import Reason
from plateward.store.images import media_type_of
from plateward.store.schema import reads
from plateward.web.state import AppState, app_state

router = APIRouter(prefix="/api/v1", tags=["alerts"])

Receiver = Annotated[User, Depends(require(Action.RECEIVE_ALERTS))]
Verifier = Annotated[User, Depends(require(Action.VERIFY_ALERTS))]
Administrator = Annotated[User, Depends(require(Action.MANAGE_ALERT_CHANNELS))]
Watcher = Annotated[User, Depends(require_person(Action.RECEIVE_ALERTS))]
REASON = "hot list alerts (policy A.7)"
BACKLOG = 500
"""Missed alerts read per query when a client resumes; it is sent every page until none are left."""
BACKLOG_WINDOW = dt.timedelta(hours=24)


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: Check = Field(description="plate (step 1) or clets (step 2).")
    result: str = Field(
        description="plate: match or misread; clets: confirmed or not_confirmed.", max_length=16
    )
    reference: str | None = Field(
        None, max_length=64, description="The CLETS response's reference (needed to confirm)."
    )
    note: str | None = Field(None, max_length=2000)


class DispositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disposition: str = Field(max_length=24, description=", ".join(DISPOSITIONS))
    note: str | None = Field(None, max_length=2000)


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(description="webhook or email")
    target: str = Field(max_length=2000, description="The webhook's URL, or an e-mail address.")
    filters: AlertFilter = Field(default_factory=AlertFilter)


class ChannelChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    filters: AlertFilter | None = None


def _who(request: Request, user: User) -> Who:
    return Who(user, request.client.host if request.client else None)


def _log(connection: Connection, who: Who, action: str, query: dict[str, Any], count: int) -> None:
    append(
        connection,
        Entry(username=who.user.username, agency=who.user.agency, action=action, query=query,
              reason=REASON, result_count=count, client_address=who.client_address),
    )  # fmt: skip


@router.get("/alerts")
def list_alerts(
    request: Request, user: Receiver, status: str | None = None,
    since: dt.datetime | None = None, before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:  # fmt: skip
    """The alerts this person's agency may see, newest first (``open`` = not yet closed)."""
    state = app_state(request)
    if since is not None and since.utcoffset() is None:
        raise InvalidInput("since: give a time with its UTC offset")
    with state.db.begin() as connection:
        agency_id = user_agency_id(connection, user)
        query = select_alerts().where(visible_to(connection, agency_id))
        if status == "open":
            query = query.where(alerts.c.status != "closed")
        elif status:
            query = query.where(alerts.c.status == status)
        if since is not None:
            query = query.where(alerts.c.raised_at >= since)
        if before_id is not None:
            query = query.where(alerts.c.id < before_id)
        rows = connection.execute(query.order_by(alerts.c.id.desc()).limit(limit)).all()
        found = [alert_json(r, state.settings.alerts.link_base_url) for r in rows]
        _log(connection, _who(request, user), "alert.list",
             {"status": status, "since": since.isoformat() if since else None,
              "before_id": before_id, "limit": limit}, len(found))  # fmt: skip
    return {"alerts": found}


@router.get(
    "/alerts/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Alerts as they come."}},
)
async def stream_alerts(
    request: Request, user: Watcher,
    lists: Annotated[list[str], Query(max_length=100)] = [],  # noqa: B006
    reasons: Annotated[list[Reason], Query()] = [],  # noqa: B006
    cameras: Annotated[list[str], Query(max_length=500)] = [],  # noqa: B006
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, description="As Last-Event-ID.")] = None,
) -> StreamingResponse:  # fmt: skip
    """Server-sent events: one ``alert`` event per alert, as it is raised."""
    state = app_state(request)
    # A browser reconnecting sends the last id it got; that beats the page's starting point.
    resume = _event_id(last_event_id) if last_event_id else after
    asked = AlertFilter(lists=lists, reasons=reasons, cameras=cameras)
    agency_id, wanted = await run_in_threadpool(_open_stream, state, request, user, asked)
    hub = state.alerting.hub

    def accepts(alert: dict[str, Any], agencies: frozenset[int]) -> bool:
        return agency_id in agencies and wanted.accepts(alert)

    subscriber = hub.subscribe(accepts)
    backlog = _Missed([], None)
    if resume is not None:
        backlog = await run_in_threadpool(_missed, state, agency_id, wanted, resume)
    settings = state.settings.alerts
    authorization = request.headers.get("authorization")

    async def events() -> AsyncIterator[str]:
        sent: set[int] = set()
        recheck_at = time.monotonic() + settings.stream_recheck_s
        try:
            yield "retry: 2000\n\n"
            page = backlog
            while True:
                for missed in page.alerts:
                    sent.add(missed["id"])
                    yield _event(missed)
                if page.more_after is None:
                    break
                page = await run_in_threadpool(_missed, state, agency_id, wanted, page.more_after)
            while True:
                try:
                    alert = await asyncio.wait_for(
                        subscriber.queue.get(), settings.stream_keepalive_s
                    )
                except TimeoutError:
                    yield ": keep-alive\n\n"
                else:
                    if alert is None:
                        return  # the server is stopping, or this client fell behind
                    if alert["id"] not in sent:
                        sent.add(alert["id"])
                        yield _event(alert)
                if time.monotonic() >= recheck_at:
                    recheck_at = time.monotonic() + settings.stream_recheck_s
                    if not await run_in_threadpool(_still_allowed, request, authorization):
                        yield 'event: end\ndata: {"reason": "signed out or no longer allowed"}\n\n'
                        return
        finally:
            hub.unsubscribe(subscriber)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _event_id(header: str | None) -> int | None:
    if header is None or not header.strip().isdigit():
        return None
    return int(header.strip())


def _event(alert: dict[str, Any]) -> str:
    return f"event: alert\nid: {alert['id']}\ndata: {json.dumps(alert, separators=(',', ':'))}\n\n"


def _open_stream(
    state: AppState, request: Request, user: User, asked: AlertFilter
) -> tuple[int, AlertFilter]:
    with state.db.begin() as connection:
        agency_id = user_agency_id(connection, user)
        given = asked.lists or asked.reasons or asked.cameras
        wanted = asked if given else _subscription(connection, user)
        _log(connection, _who(request, user), "alert.stream", wanted.model_dump(mode="json"), 0)
    return agency_id, wanted


@dataclass(frozen=True)
class _Missed:
    """One page of what a resuming client missed; a large batch can raise more than a page."""

    alerts: list[dict[str, Any]]
    more_after: int | None
    """The last id this page looked at when the page was full: the next starts after it."""


def _missed(state: AppState, agency_id: int, wanted: AlertFilter, after_id: int) -> _Missed:
    since = dt.datetime.now(dt.UTC) - BACKLOG_WINDOW
    with state.db.connect() as connection:
        rows = connection.execute(
            select_alerts()
            .where(
                visible_to(connection, agency_id),
                alerts.c.id > after_id,
                alerts.c.raised_at >= since,
            )
            .order_by(alerts.c.id)
            .limit(BACKLOG)
        ).all()
    found = [alert_json(r, state.settings.alerts.link_base_url) for r in rows]
    more_after = int(rows[-1].id) if len(rows) == BACKLOG else None
    return _Missed([a for a in found if wanted.accepts(a)], more_after)


def _still_allowed(request: Request, authorization: str | None) -> bool:
    try:
        allowed_user(request, signed_in_user(request, authorization), Action.RECEIVE_ALERTS)
    except HTTPException:
        return False
    return True


def _subscription(connection: Connection, user: User) -> AlertFilter:
    stored = connection.execute(
        select(alert_subscriptions.c.filters).where(alert_subscriptions.c.user_id == user.id)
    ).scalar()
    return AlertFilter() if stored is None else AlertFilter.model_validate(stored)


@router.get("/alerts/subscription")
def get_subscription(request: Request, user: Receiver) -> AlertFilter:
    """Which alerts this person's stream and console show; empty: all their agency may see."""
    with app_state(request).db.connect() as connection:
        return _subscription(connection, user)


@router.put("/alerts/subscription")
def put_subscription(request: Request, user: Receiver, body: AlertFilter) -> AlertFilter:
    state = app_state(request)
    now = dt.datetime.now(dt.UTC)
    with state.db.begin() as connection:
        values = {"filters": body.model_dump(mode="json"), "updated_at": now}
        changed = connection.execute(
            update(alert_subscriptions)
            .where(alert_subscriptions.c.user_id == user.id)
            .values(**values)
        ).rowcount
        if not changed:
            connection.execute(insert(alert_subscriptions).values(user_id=user.id, **values))
        append_change(
            connection, actor_for(user, _who(request, user).client_address),
            "alert.subscription", body.model_dump(mode="json"), reason=REASON,
        )  # fmt: skip
    return body


@router.get("/alerts/misreads")
def get_misreads(
    request: Request, user: Receiver, since: dt.datetime | None = None
) -> dict[str, Any]:
    """Per camera: alerts raised, plate checks done, and misreads found (Civil Code 1798.90.51)."""
    if since is not None and since.utcoffset() is None:
        raise InvalidInput("since: give a time with its UTC offset")
    with app_state(request).db.connect() as connection:
        return {"cameras": misreads_by_camera(connection, since)}


@router.get("/alerts/{alert_id}")
def get_alert(request: Request, user: Receiver, alert_id: int) -> dict[str, Any]:
    """One alert, with the entry as it was when the read matched (a view, logged)."""
    state = app_state(request)
    with state.db.begin() as connection:
        row = open_alert(connection, _who(request, user), alert_id)
        out = alert_json(row, state.settings.alerts.link_base_url)
        images = connection.execute(
            select(reads.c.plate_image, reads.c.context_image, reads.c.confidence,
                   reads.c.alternatives)
            .where(reads.c.id == row.read_id, reads.c.captured_at == row.captured_at)
        ).first()  # fmt: skip
    out["read"] = None if images is None else {
        "confidence": images.confidence,
        "alternatives": images.alternatives,
        "plate_image": images.plate_image is not None,
        "context_image": images.context_image is not None,
    }  # fmt: skip
    return out


@router.get("/alerts/{alert_id}/images/{which}", response_class=Response)
def get_alert_image(request: Request, user: Watcher, alert_id: int, which: str) -> Response:
    """The read's plate crop (``plate``) or wider view (``context``), to set beside the entry."""
    if which not in ("plate", "context"):
        raise NotFound(f"image {which!r}: use plate or context")
    state = app_state(request)
    with state.db.begin() as connection:
        row = open_alert(connection, _who(request, user), alert_id)
        column = reads.c.plate_image if which == "plate" else reads.c.context_image
        digest = connection.execute(
            select(column).where(reads.c.id == row.read_id, reads.c.captured_at == row.captured_at)
        ).scalar()
    if digest is None:
        raise NotFound(f"alert {alert_id}: the read has no {which} image")
    data = state.images.get(digest)
    return Response(data, media_type=media_type_of(data, digest, len(data)),
                    headers={"Cache-Control": "no-store"})  # fmt: skip


@router.post("/alerts/{alert_id}/verification")
def post_verification(
    request: Request, user: Annotated[User, Depends(require_person(Action.VERIFY_ALERTS))],
    alert_id: int, body: VerificationIn,
) -> dict[str, Any]:  # fmt: skip
    """Record step 1 (the plate on the vehicle matches the read) or step 2 (CLETS confirms)."""
    with app_state(request).db.begin() as connection:
        return record_check(
            connection, _who(request, user), alert_id, body.check, body.result,
            reference=body.reference, note=body.note,
        )  # fmt: skip


@router.post("/alerts/{alert_id}/disposition")
def post_disposition(
    request: Request, user: Annotated[User, Depends(require_person(Action.VERIFY_ALERTS))],
    alert_id: int, body: DispositionIn,
) -> dict[str, Any]:  # fmt: skip
    """Close the alert: an enforcement action only once verified; no_action or misread always."""
    with app_state(request).db.begin() as connection:
        return record_disposition(
            connection, _who(request, user), alert_id, body.disposition, body.note
        )


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@router.get("/alert-channels")
def get_channels(request: Request, user: Administrator) -> dict[str, Any]:
    """The agency's webhook and e-mail channels, with how their deliveries stand."""
    with app_state(request).db.connect() as connection:
        agency_id = user_agency_id(connection, user)
        rows = connection.execute(
            select(alert_channels).where(alert_channels.c.agency_id == agency_id)
        ).mappings()
        out = []
        for row in rows:
            counts: dict[str, int] = dict(
                connection.execute(
                    select(alert_deliveries.c.status, func.count())
                    .where(alert_deliveries.c.channel_id == row["id"])
                    .group_by(alert_deliveries.c.status)
                ).all()
            )
            out.append(_channel_json(row) | {"deliveries": counts})
    return {"channels": out}


def _channel_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"], "name": row["name"], "kind": row["kind"], "target": row["target"],
        "filters": row["filters"], "active": row["active"], "created_by": row["created_by"],
        "created_at": row["created_at"].isoformat(),
    }  # fmt: skip


@router.post("/alert-channels", status_code=201)
def post_channel(request: Request, user: Administrator, body: ChannelIn) -> dict[str, Any]:
    """Add a webhook (its signing secret is shown once, here) or an e-mail address."""
    if body.kind == "webhook":
        if not body.target.startswith(("https://", "http://")):
            raise InvalidInput(f"webhook {body.target!r}: must be an http:// or https:// URL")
        secret: str | None = secrets.token_urlsafe(32)
    elif body.kind == "email":
        if not _EMAIL.match(body.target):
            raise InvalidInput(f"e-mail address {body.target!r}: not an address")
        secret = None
    else:
        raise InvalidInput(f"channel kind {body.kind!r}: use webhook or email")
    with app_state(request).db.begin() as connection:
        if connection.execute(
            select(alert_channels.c.id).where(alert_channels.c.name == body.name)
        ).first():
            raise HTTPException(409, f"alert channel {body.name!r} already exists")
        created = connection.execute(
            insert(alert_channels)
            .values(
                name=body.name, kind=body.kind, target=body.target, secret=secret,
                filters=body.filters.model_dump(mode="json"),
                agency_id=user_agency_id(connection, user), active=True,
                created_by=user.username, created_at=dt.datetime.now(dt.UTC),
            )
            .returning(*alert_channels.c)
        ).mappings().one()  # fmt: skip
        append_change(
            connection, actor_for(user, _who(request, user).client_address), "alert.channel.add",
            {"name": body.name, "kind": body.kind, "target": body.target}, reason=REASON,
        )  # fmt: skip
    return _channel_json(created) | {"secret": secret}


@router.patch("/alert-channels/{channel_id}")
def patch_channel(
    request: Request, user: Administrator, channel_id: int, body: ChannelChange
) -> dict[str, Any]:
    """Pause or resume a channel, or change what it receives."""
    values: dict[str, Any] = {}
    if body.active is not None:
        values["active"] = body.active
    if body.filters is not None:
        values["filters"] = body.filters.model_dump(mode="json")
    with app_state(request).db.begin() as connection:
        row = _own_channel(connection, user, channel_id)
        if values:
            connection.execute(
                update(alert_channels).where(alert_channels.c.id == channel_id).values(**values)
            )
        append_change(
            connection, actor_for(user, _who(request, user).client_address),
            "alert.channel.change", {"channel": row["name"], **values}, reason=REASON,
        )  # fmt: skip
        return _channel_json(_own_channel(connection, user, channel_id))


@router.get("/alert-channels/{channel_id}/deliveries")
def get_deliveries(
    request: Request, user: Administrator, channel_id: int,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:  # fmt: skip
    """The channel's deliveries, newest first, each with every attempt and its outcome."""
    with app_state(request).db.connect() as connection:
        _own_channel(connection, user, channel_id)
        rows = connection.execute(
            select(alert_deliveries)
            .where(alert_deliveries.c.channel_id == channel_id)
            .order_by(alert_deliveries.c.id.desc())
            .limit(limit)
        ).mappings().all()  # fmt: skip
        attempts: dict[int, list[dict[str, Any]]] = {}
        if rows:
            for attempt in connection.execute(
                select(alert_delivery_attempts)
                .where(alert_delivery_attempts.c.delivery_id.in_([r["id"] for r in rows]))
                .order_by(alert_delivery_attempts.c.id)
            ).mappings():
                attempts.setdefault(attempt["delivery_id"], []).append(_plain(dict(attempt)))
    return {"deliveries": [_plain(dict(r)) | {"attempts": attempts.get(r["id"], [])} for r in rows]}


def _own_channel(connection: Connection, user: User, channel_id: int) -> Any:
    row = connection.execute(
        select(alert_channels).where(
            alert_channels.c.id == channel_id,
            alert_channels.c.agency_id == user_agency_id(connection, user),
        )
    ).mappings().first()  # fmt: skip
    if row is None:
        raise NotFound(f"alert channel {channel_id}: not found")
    return row


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}
