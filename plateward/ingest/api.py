"""POST /api/v1/reads: cameras and edge agents deliver batches of reads here.

Each camera signs with its own key (``Authorization: Bearer pwc_...``). The body is the JSON
batch, or a multipart form whose ``batch`` field is that JSON and whose file parts hold the
images that reads name as ``part:NAME``. Everything in a batch is stored in one transaction,
images included, or nothing is.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from plateward.alert.raising import Raised, raise_alerts
from plateward.errors import InvalidInput
from plateward.ingest.models import BatchStored, ReadBatch, ReadIn, edge_alerts_of
from plateward.store.cameras import Camera, camera_for_key
from plateward.store.reads import NewRead, Stored, store_reads
from plateward.web.state import AppState, app_state

router = APIRouter(prefix="/api/v1", tags=["ingest"])


def camera_from_key(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Camera:
    state = app_state(request)
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "camera key missing: send 'Authorization: Bearer <key>'")
    # Ended with COMMIT, not the ROLLBACK a read-only block ends with: psycopg forgets every
    # statement it prepared on a connection at each ROLLBACK, so with a rollback per batch the
    # batch's own statements (the alerts', the lists' revision) were never prepared and
    # PostgreSQL planned them on every batch.
    with state.db.begin() as connection:
        camera = camera_for_key(connection, authorization.removeprefix("Bearer ").strip())
    if camera is None:
        raise HTTPException(401, "camera key not recognised")
    if camera.revoked:
        raise HTTPException(403, f"camera {camera.code}: key revoked")
    return camera


@router.post(
    "/reads",
    response_model=BatchStored,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ReadBatch"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"batch": {"type": "string"}},
                        "required": ["batch"],
                    }
                },
            },
        }
    },
    responses={
        401: {"description": "No camera key, or one not recognised."},
        403: {"description": "The camera's key was revoked."},
        413: {"description": "Too many reads, or a body or image over the limits."},
        422: {"description": "A read is invalid; nothing of the batch was stored."},
    },
)
async def post_reads(
    request: Request, camera: Annotated[Camera, Depends(camera_from_key)]
) -> BatchStored:
    """Store a batch of reads from one camera; a read already stored is skipped."""
    state = app_state(request)
    body = await read_body(request, state.settings.server.max_request_bytes)
    parts: dict[str, bytes] = {}
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        batch_json, parts = await _multipart(request, body)
    else:
        batch_json = body
    stored, raised = await run_in_threadpool(_validate_and_store, state, camera, batch_json, parts)
    state.alerting.raised(raised)
    return BatchStored(stored=stored.stored, duplicates=stored.duplicates, alerts=len(raised.ids))


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body of {declared} bytes is over the {limit} limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body over the {limit} byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def _multipart(request: Request, body: bytes) -> tuple[bytes, dict[str, bytes]]:
    # The body was consumed while counting it; hand it back so the form parser can read it.
    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form()
    batch = form.get("batch")
    if batch is None:
        raise HTTPException(422, "multipart body lacks its 'batch' field (the reads as JSON)")
    parts: dict[str, bytes] = {}
    for name, value in form.multi_items():
        if name != "batch" and not isinstance(value, str):
            parts[name] = await value.read()
    text = batch if isinstance(batch, str) else (await batch.read()).decode()
    return text.encode(), parts


def _parse_batch(raw: bytes, state: AppState) -> ReadBatch:
    # Pydantic parses and validates the JSON in one pass (in Rust): about 3x faster than
    # json.loads followed by validating the dicts, which was most of a batch's server time.
    try:
        batch = ReadBatch.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if errors and errors[0]["type"] == "json_invalid":
            raise HTTPException(422, f"body is not valid JSON: {errors[0]['msg']}") from None
        raise HTTPException(422, _describe(exc)) from None
    limit = state.settings.server.max_batch_reads
    if len(batch.reads) > limit:
        raise HTTPException(
            413, f"batch of {len(batch.reads)} reads is over the {limit} read limit"
        )
    return batch


def _describe(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def _check_times(batch: ReadBatch, now: dt.datetime, skew_s: float) -> None:
    latest = now + dt.timedelta(seconds=skew_s)
    for index, read in enumerate(batch.reads):
        if read.captured_at > latest:
            raise HTTPException(
                422,
                [
                    {
                        "loc": ["reads", index, "captured_at"],
                        "msg": f"capture time {read.captured_at.isoformat()} is in the future",
                        "type": "future_time",
                    }
                ],
            )


def _validate_and_store(
    state: AppState, camera: Camera, batch_json: bytes, parts: dict[str, bytes]
) -> tuple[Stored, Raised]:
    """Store the batch and raise its hot list alerts in one transaction (policy A.7 starts here)."""
    # On SQLite validation shares the write's turn: store/writer.py says why.
    with state.writer.turn() as engine:
        batch = _parse_batch(batch_json, state)
        received = dt.datetime.now(dt.UTC)
        _check_times(batch, received, state.settings.server.max_clock_skew_s)
        with engine.begin() as connection:
            new = [
                _new_read(connection, state, index, read, parts)
                for index, read in enumerate(batch.reads)
            ]
            stored = store_reads(connection, camera.id, new, received)
            lists = state.alerting.lists
            lists.keep_current(connection)
            raised = raise_alerts(
                connection,
                camera_id=camera.id,
                agency_id=camera.agency_id,
                reads=new,
                matcher=lists.matcher,
                edge_alerts=edge_alerts_of(batch),
                now=received,
            )
            return stored, raised


def _new_read(
    connection: Any, state: AppState, index: int, read: ReadIn, parts: dict[str, bytes]
) -> NewRead:
    if read.plate_image is None and read.context_image is None:
        return read.to_new_read(None, None)
    images: dict[str, str | None] = {}
    for name in ("plate_image", "context_image"):
        value = getattr(read, name)
        where = f"reads.{index}.{name}"
        data = None if value is None else _image_bytes(value, parts, where)
        try:
            images[name] = (
                None if data is None
                else state.images.put(connection, data, where, captured_at=read.captured_at)
            )  # fmt: skip
        except InvalidInput as exc:
            status = 413 if "limit" in exc.message else 422
            raise HTTPException(status, exc.message) from None
    return read.to_new_read(images["plate_image"], images["context_image"])


def _image_bytes(value: str, parts: dict[str, bytes], where: str) -> bytes:
    if value.startswith("part:"):
        name = value.removeprefix("part:")
        if name not in parts:
            raise HTTPException(422, f"{where}: no multipart part named {name!r}")
        return parts[name]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(422, f"{where}: neither base64 nor 'part:NAME'") from None
