"""Refusing NUL characters in requests, before any route sees them.

No text Plateward takes (a plate, a reason, a username, a camera's raw OCR text) has a use for
NUL, and PostgreSQL cannot store one in a text column: a NUL that reached the database failed
there as a 500, while SQLite stored it. So a NUL anywhere in the path, the query string or a
form or JSON body (raw, ``%00`` or ``\\u0000``) is refused with 400 here, for every route,
including those added later. Binary uploads (multipart files, images) are left alone.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCANNED_TYPES = (b"application/json", b"application/x-www-form-urlencoded", b"text/")
MARKERS = (b"\x00", b"%00", b"\\u0000")
TAIL = max(len(m) for m in MARKERS) - 1


MESSAGE = "a NUL character is not allowed in any field; remove it and send again"


class NulInRequest(HTTPException):
    """Raised while the body is read: the routes' error handling answers it as a 400."""

    def __init__(self) -> None:
        super().__init__(400, MESSAGE)


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if _has_nul(raw_path) or _has_nul(scope.get("query_string", b"")):
            await _refuse(send)
            return
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-type", b"").lower().startswith(SCANNED_TYPES):
            await self.app(scope, receive, send)
            return
        tail = b""

        async def scanned() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                body = tail + message.get("body", b"")
                if _has_nul(body):
                    raise NulInRequest
                tail = body[-TAIL:]
            return message

        await self.app(scope, scanned, send)


def _has_nul(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in MARKERS)


async def _refuse(send: Send) -> None:
    body = json.dumps({"detail": MESSAGE}).encode()
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
