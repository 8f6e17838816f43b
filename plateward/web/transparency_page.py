"""The public transparency page: what anyone may know about how the ALPR system is used.

Open to everyone, signed in or not (Civil Code 1798.90.51 asks for a public usage policy; the
policy's section H audits are about use, and the public deserves to see that the record of use
is whole). For now it shows the access log's newest signed checkpoint, so anyone can keep a
copy and later hold the agency's log to it (``plateward audit verify --checkpoint``); the
template has a block per section for the retention and sharing figures to come.

``/transparency/checkpoint`` is the same checkpoint as plain text and
``/transparency/consistency`` a consistency proof between two sizes, for witnesses and tools.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse

from plateward.audit.checkpoints import Checkpoint, load_verifier
from plateward.audit.publish import latest_checkpoint
from plateward.audit.tree import consistency, tree_size
from plateward.errors import ConfigurationError
from plateward.web.guards import current_session
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

MAX_TREE_SIZE = 2**31 - 1


@router.get("/transparency")
def transparency(request: Request) -> Response:
    checkpoint, note = _latest(request)
    session = current_session(request)
    shown = session if session is not None and session.second_factor_passed else None
    return render(
        request, "transparency.html", signed_in=shown, checkpoint=checkpoint, note=note,
        verifier=_verifier_text(app_state(request).settings.audit.public_key_path()),
    )  # fmt: skip


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


def _latest(request: Request) -> tuple[Checkpoint | None, str | None]:
    with app_state(request).db.connect() as connection:
        found = latest_checkpoint(connection)
    return (None, None) if found is None else found


def _verifier_text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return load_verifier(path).text()
    except ConfigurationError:
        return None
