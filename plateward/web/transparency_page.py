"""The public transparency page: the published usage and privacy policy, from the system itself,
and the access log's newest signed checkpoint.

Open to everyone, signed in or not (Civil Code 1798.90.51 and .53 ask for a published usage
and privacy policy; the public deserves to see that the record of use is whole).
``/transparency`` is the page; ``/transparency/print`` the same policy laid out for paper (no
navigation, every section on its own, dates in full). What each policy section says is gathered
by ``published_policy.py``. The checkpoint lets anyone keep a copy and later hold the agency's
log to it (``plateward audit verify --checkpoint``).

``/transparency/checkpoint`` is the same checkpoint as plain text and
``/transparency/consistency`` a consistency proof between two sizes, for witnesses and tools.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy import Connection

from plateward.audit.checkpoints import Checkpoint, load_verifier
from plateward.audit.publish import latest_checkpoint
from plateward.audit.tree import consistency, tree_size
from plateward.errors import ConfigurationError
from plateward.web.guards import current_session
from plateward.web.published_policy import PolicyCache
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

MAX_TREE_SIZE = 2**31 - 1


@router.get("/transparency")
def transparency(request: Request) -> Response:
    return _page(request, "transparency.html")


@router.get("/transparency/print")
def transparency_print(request: Request) -> Response:
    return _page(request, "transparency_print.html")


@router.get("/transparency/checkpoint")
def transparency_checkpoint(request: Request) -> Response:
    _, note = _latest(request)
    if note is None:
        raise HTTPException(404, "no checkpoint has been signed yet")
    return PlainTextResponse(note, headers={"Cache-Control": "no-store"})


@router.get("/transparency/consistency")
def transparency_consistency(
    request: Request,
    first: Annotated[int, Query(ge=0, le=MAX_TREE_SIZE)],
    second: Annotated[int, Query(ge=0, le=MAX_TREE_SIZE)],
) -> dict[str, Any]:
    """RFC 9162 consistency proof that the tree of ``second`` entries extends ``first``."""
    with app_state(request).db.connect() as connection:
        size = tree_size(connection)
        if not first <= second <= size:
            raise HTTPException(422, f"need first <= second <= {size} (the log's size)")
        proof = consistency(connection, first, second)
    return {"first": first, "second": second, "proof": [p.hex() for p in proof]}


def _page(request: Request, template: str) -> Response:
    state = app_state(request)
    cache = getattr(request.app.state, "published_policy", None)
    if cache is None:
        cache = request.app.state.published_policy = PolicyCache()
    with state.db.connect() as connection:
        policy = cache.get(connection, state.settings)
        checkpoint, note = _latest_in(connection)
    session = current_session(request)
    shown = session if session is not None and session.second_factor_passed else None
    return render(
        request, template, signed_in=shown, policy=policy, checkpoint=checkpoint, note=note,
        verifier=_verifier_text(state.settings.audit.public_key_path()),
    )  # fmt: skip


def _latest(request: Request) -> tuple[Checkpoint | None, str | None]:
    with app_state(request).db.connect() as connection:
        return _latest_in(connection)


def _latest_in(connection: Connection) -> tuple[Checkpoint | None, str | None]:
    found = latest_checkpoint(connection)
    return (None, None) if found is None else found


def _verifier_text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return load_verifier(path).text()
    except ConfigurationError:
        return None
