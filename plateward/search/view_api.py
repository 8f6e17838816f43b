"""Looking at one read or one image: inquiries too, justified and logged like a search."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, select

from plateward.access.api import require
from plateward.access.roles import Action
from plateward.access.users import User
from plateward.errors import NotFound
from plateward.search.inquiry import jsonable, run_inquiry
from plateward.search.inquiry_http import Why, inquiry_from
from plateward.search.justification import Justification
from plateward.search.scope import image_visible, visible
from plateward.store.images import media_type_of
from plateward.store.schema import cameras, reads
from plateward.web.state import app_state

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/reads/{read_id}")
async def view_read(
    request: Request,
    read_id: uuid.UUID,
    user: Annotated[User, Depends(require(Action.SEARCH))],
    why: Annotated[Why, Query()],
) -> dict[str, Any]:
    """One read, whole: plate, alternatives, where, when, which camera, image references."""
    state = app_state(request)
    inquiry = inquiry_from(request, user, "read.view", {"read": str(read_id)}, why)

    def fetch(connection: Connection, _why: Justification) -> dict[str, Any] | None:
        row = connection.execute(
            select(reads, cameras.c.code.label("camera"))
            .join(cameras, cameras.c.id == reads.c.camera_id)
            .where(reads.c.id == read_id, *visible())
        ).first()
        return None if row is None else dict(row._mapping)

    found = await run_in_threadpool(
        run_inquiry, state.db, inquiry, fetch, lambda r: 0 if r is None else 1
    )
    if found is None:
        raise HTTPException(404, f"read {read_id}: not found")
    found.pop("camera_id", None)
    result: dict[str, Any] = jsonable(found)
    return result


@router.get("/images/{sha256}", response_class=Response)
async def view_image(
    request: Request,
    sha256: str,
    user: Annotated[User, Depends(require(Action.VIEW_IMAGE))],
    why: Annotated[Why, Query()],
) -> Response:
    """A plate crop or context image by its SHA-256, as stored."""
    state = app_state(request)
    inquiry = inquiry_from(request, user, "image.view", {"image": sha256}, why)

    def fetch(connection: Connection, _why: Justification) -> bytes | None:
        if not image_visible(connection, sha256):
            return None
        try:
            return state.images.get(sha256)
        except NotFound:
            return None

    data = await run_in_threadpool(
        run_inquiry, state.db, inquiry, fetch, lambda d: 0 if d is None else 1
    )
    if data is None:
        raise HTTPException(404, f"image {sha256}: not found")
    return Response(data, media_type=media_type_of(data, sha256, len(data)))
