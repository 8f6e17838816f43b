"""Vendor endpoints: cameras and agents post to Plateward in their own formats, live.

``POST /api/v1/vendors/{system}`` takes what each vendor's software already sends:

- ``openalpr``: a Rekor Scout / OpenALPR agent's ``upload_address`` posts and the web server's
  webhooks (``alpr_group``, ``alpr_alert``, ``alpr_results``; ``heartbeat`` records the
  agent's and each camera stream's health);
- ``platerecognizer``: Stream and Snapshot webhooks, as JSON, as a form with a ``json``
  field, or as multipart with the ``json`` field and the frame in ``upload``;
- ``flock``: Flock's LPR alert webhook; ``verkada``: Verkada's ``lpr`` webhook.

Each request is authenticated by a Plateward camera's own key, sent the way the vendor's
console can send it: ``Authorization: Bearer KEY`` or ``Token KEY``, HTTP basic auth with the
key as password, an ``X-Api-Key`` header, or ``?key=KEY`` for consoles that only take a URL
(the server's access log shows that parameter redacted). The vendor's camera identifiers map
to Plateward cameras on the key's camera record (``plateward camera source``). The request's
reads are validated whole and stored in one transaction with their images, through the store
path every read takes; a bad record refuses the request (422) so the vendor retries it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from plateward.alert.raising import Raised, raise_alerts
from plateward.errors import InvalidInput
from plateward.ingest.api import read_body
from plateward.ingest.destinations import EndpointDestinations
from plateward.ingest.formats.flock import flock_reads
from plateward.ingest.formats.openalpr import openalpr_reads
from plateward.ingest.formats.platerecognizer import platerecognizer_reads
from plateward.ingest.formats.records import Context, Found, Heartbeat, Record, Sighting
from plateward.ingest.formats.times import Clock
from plateward.ingest.formats.verkada import verkada_reads
from plateward.ingest.sightings import new_read, read_in
from plateward.store.camera_sources import record_heartbeat
from plateward.store.cameras import Camera, camera_for_key
from plateward.store.reads import NewRead, store_reads
from plateward.web.state import AppState, app_state
from plateward.zones import parse_zone

router = APIRouter(prefix="/api/v1/vendors", tags=["ingest"])

System = Literal["openalpr", "platerecognizer", "flock", "verkada"]
READERS: dict[str, Callable[[Record, Context], list[Found]]] = {
    "openalpr": openalpr_reads,
    "platerecognizer": platerecognizer_reads,
    "flock": flock_reads,
    "verkada": verkada_reads,
}
MAX_RECORDS = 1000
_KEY_IN_QUERY = re.compile(r"([?&]key=)[^&\s\"]+")


class VendorStored(BaseModel):
    stored: int = Field(description="Reads stored by this request.")
    duplicates: int = Field(description="Reads already stored earlier, skipped.")
    ignored: int = Field(description="Records that are not reads (heartbeats, previews, tests).")
    alerts: int = Field(0, description="Hot list alerts the stored reads raised.")


def vendor_camera(request: Request) -> Camera:
    """The camera whose key the request carries, in whichever way the vendor sends it."""
    key = _key(request)
    if not key:
        raise HTTPException(
            401,
            "camera key missing: send 'Authorization: Bearer <key>' (or Token, or basic auth"
            " with the key as password), an 'X-Api-Key' header, or '?key=<key>'",
        )
    with app_state(request).db.connect() as connection:
        camera = camera_for_key(connection, key)
    if camera is None:
        raise HTTPException(401, "camera key not recognised")
    if camera.revoked:
        raise HTTPException(403, f"camera {camera.code}: key revoked")
    return camera


def _key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "").strip()
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return password or user
    return request.headers.get("x-api-key") or request.query_params.get("key")


@router.get("/{system}")
def vendor_check(
    system: Annotated[System, Path()], camera: Annotated[Camera, Depends(vendor_camera)]
) -> dict[str, Any]:
    """For a vendor console's "test" button: the key works and names this camera."""
    return {"ok": True, "system": system, "camera": camera.code}


@router.post(
    "/{system}",
    response_model=VendorStored,
    responses={
        401: {"description": "No camera key, or one not recognised."},
        403: {"description": "The camera's key was revoked."},
        413: {"description": "A body over the size limit."},
        422: {"description": "A record is invalid or its camera unmapped; nothing was stored."},
    },
)
async def vendor_post(
    request: Request,
    system: Annotated[System, Path()],
    camera: Annotated[Camera, Depends(vendor_camera)],
) -> VendorStored:
    """Store the reads a vendor's camera, agent or cloud posts, in its own format."""
    state = app_state(request)
    body = await read_body(request, state.settings.server.max_request_bytes)
    values, upload = await _payload(request, body)
    return await run_in_threadpool(_store, state, camera, system, values, upload)


async def _payload(request: Request, body: bytes) -> tuple[list[Any], bytes | None]:
    content_type = request.headers.get("content-type", "")
    upload: bytes | None = None
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        form = await Request(request.scope, replay).form()
        field = form.get("json")
        if field is None:
            raise HTTPException(422, "form body lacks its 'json' field (the results as JSON)")
        text = field if isinstance(field, str) else (await field.read()).decode("utf-8", "replace")
        for name, part in form.multi_items():
            if name != "json" and not isinstance(part, str):
                upload = upload or await part.read()
        raw = text.encode()
    else:
        raw = body
    try:
        value = json.loads(raw)
    except UnicodeDecodeError:
        value = _json_or_422(raw.decode("cp1252", "replace"))
    except json.JSONDecodeError:
        value = _json_lines(raw)
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_RECORDS:
        raise HTTPException(413, f"{len(values)} records in one request, over {MAX_RECORDS}")
    return values, upload


def _json_or_422(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HTTPException(422, f"body is not valid JSON: {exc.msg}") from None


def _json_lines(raw: bytes) -> list[Any]:
    """Some forwarders batch records as JSON lines."""
    text = raw.decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        if len(lines) > 1:
            return [json.loads(line) for line in lines]
        return [json.loads(text)]
    except json.JSONDecodeError as exc:
        raise HTTPException(422, f"body is not valid JSON: {exc.msg}") from None


def _store(
    state: AppState, camera: Camera, system: str, values: list[Any], upload: bytes | None
) -> VendorStored:
    reader = READERS[system]
    received = dt.datetime.now(dt.UTC)
    try:
        zone = parse_zone(camera.timezone, f"camera {camera.code}'s timezone")
    except InvalidInput as exc:
        raise HTTPException(422, exc.message) from None
    clock = Clock(
        zone,
        received + dt.timedelta(seconds=state.settings.server.max_clock_skew_s),
        zone_hint=f"camera {camera.code}'s timezone (plateward camera timezone {camera.code} ZONE)",
    )
    context = Context(clock)
    stored = duplicates = ignored = 0
    raised = Raised([])
    try:
        with state.writer.turn() as engine, engine.begin() as connection:
            destinations = EndpointDestinations(connection, camera, system)
            by_camera: dict[tuple[int, int], list[NewRead]] = {}
            for index, value in enumerate(values):
                where = "body" if len(values) == 1 else f"record {index}"
                found = reader(Record(where, value), context)
                if not any(isinstance(item, Sighting) for item in found):
                    ignored += 1
                for item in found:
                    if isinstance(item, Heartbeat):
                        _heartbeat(connection, destinations, item, received)
                        continue
                    destination = destinations.of(item)
                    read = read_in(item, destination)
                    if upload is not None and "context_image" not in item.images:
                        item.images["context_image"] = upload
                    made = new_read(connection, item, read, state.images)
                    to = destination.camera
                    by_camera.setdefault((to.id, to.agency_id), []).append(made)
            lists = state.alerting.lists
            if by_camera:
                lists.keep_current(connection)
            for (camera_id, agency_id), reads in by_camera.items():
                result = store_reads(connection, camera_id, reads, received)
                stored += result.stored
                duplicates += result.duplicates
                more = raise_alerts(
                    connection,
                    camera_id=camera_id,
                    agency_id=agency_id,
                    reads=reads,
                    matcher=lists.matcher,
                    now=received,
                )
                raised = Raised(raised.ids + more.ids, raised.deliveries or more.deliveries)
    except InvalidInput as exc:
        status = 413 if "limit" in exc.message else 422
        raise HTTPException(status, exc.message) from None
    state.alerting.raised(raised)
    return VendorStored(
        stored=stored, duplicates=duplicates, ignored=ignored, alerts=len(raised.ids)
    )


def _heartbeat(
    connection: Connection,
    destinations: EndpointDestinations,
    heartbeat: Heartbeat,
    received: dt.datetime,
) -> None:
    """The agent's heartbeat on the key's camera; each mapped stream's on its camera."""
    streaming = [s.streaming for s in heartbeat.streams if s.streaming is not None]
    record_heartbeat(
        connection, camera_id=destinations.via.id, system=heartbeat.system,
        source=heartbeat.source.key, received_at=received, reported_at=heartbeat.reported_at,
        streaming=all(streaming) if streaming else None,
        detail={**heartbeat.detail, "streams": len(heartbeat.streams)},
    )  # fmt: skip
    for stream in heartbeat.streams:
        try:
            destination = destinations.destination(stream.source, heartbeat.where, bind=False)
        except InvalidInput:
            continue  # a stream not mapped yet: its reads will say so
        record_heartbeat(
            connection, camera_id=destination.camera.id, system=heartbeat.system,
            source=stream.source.key, received_at=received,
            reported_at=heartbeat.reported_at, streaming=stream.streaming, detail=stream.detail,
        )  # fmt: skip


class _RedactKeys(logging.Filter):
    """Keys sent as ``?key=`` never reach the server's access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and "key=" in a for a in record.args
        ):
            record.args = tuple(
                _KEY_IN_QUERY.sub(r"\1REDACTED", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def redact_keys_in_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _RedactKeys) for f in access.filters):
        access.addFilter(_RedactKeys())
