"""Posting one batch of reads to a Plateward server, and telling its failures apart.

What the caller should do next depends only on which error comes back::

    SendError                 the base: catch this one
     ├── SendLater            connection refused or dropped, timeout, 5xx, 429: try again later
     ├── BatchRefused         422 or 413: this batch can never be stored as it is
     └── SendStopped          401, 403, any other answer: sending cannot work until a person
                              fixes something (the key, the URL), so the agent stops

The server is idempotent on each read's UUID, so posting a batch again after any failure is
always safe: reads it already stored come back counted as ``duplicates``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from plateward.errors import PlatewardError

READS_PATH = "/api/v1/reads"
HEARTBEATS_PATH = "/api/v1/heartbeats"
DETAIL_CHARS = 300
"""How much of the server's error body goes into a message (a 422 can list many problems)."""


class SendError(PlatewardError):
    """A batch was not acknowledged; the subclass says whether to retry, split or stop."""


class SendLater(SendError):
    """A failure that time may cure: the server is down, slow, overloaded or restarting."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class BatchRefused(SendError):
    """The server will never store this batch as it is (an invalid read, or too big)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SendStopped(SendError):
    """The server refuses this camera (key unknown or revoked) or is not a Plateward server."""


@dataclass(frozen=True)
class BatchResult:
    stored: int
    duplicates: int


def post_batch(
    server_url: str,
    key: str,
    reads_json: Sequence[str],
    timeout_s: float,
    *,
    client: httpx.Client | None = None,
) -> BatchResult:
    """Post reads (each already a JSON object's text) as one batch; raise a SendError subclass.

    The reads are joined as text rather than parsed and dumped again: the outbox stores each
    read's JSON once, when it is recognised, and what is sent is exactly what was stored.
    """
    body = ('{"reads":[' + ",".join(reads_json) + "]}").encode()
    url = server_url.rstrip("/") + READS_PATH
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        if client is None:
            response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
        else:
            response = client.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        raise SendLater(f"{url}: no answer within {timeout_s:g} s") from None
    except httpx.TransportError as exc:
        raise SendLater(f"{url}: {type(exc).__name__}: {exc or 'connection failed'}") from None
    return _result(url, response)


def post_heartbeat(
    server_url: str, key: str, beat: dict[str, object], timeout_s: float, *, client: httpx.Client
) -> None:
    """Post the agent's heartbeat; raise ``SendLater`` or ``SendStopped`` as for a batch.

    A server without the heartbeat endpoint (older than the agent) answers 404: ``SendStopped``,
    so the agent stops beating and keeps sending its reads.
    """
    url = server_url.rstrip("/") + HEARTBEATS_PATH
    headers = {"Authorization": f"Bearer {key}"}
    try:
        response = client.post(url, json=beat, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        raise SendLater(f"{url}: no answer within {timeout_s:g} s") from None
    except httpx.TransportError as exc:
        raise SendLater(f"{url}: {type(exc).__name__}: {exc or 'connection failed'}") from None
    status = response.status_code
    if status == 200:
        return
    if status in (408, 425, 429) or status >= 500:
        raise SendLater(f"{url}: {status} {_detail(response)}", _retry_after(response))
    if status == 404:
        raise SendStopped(f"{url}: the server takes no heartbeats (older than this agent)")
    raise SendStopped(f"{url}: heartbeat refused: {status} {_detail(response)}")


def _result(url: str, response: httpx.Response) -> BatchResult:
    status = response.status_code
    if status == 200:
        try:
            answer = response.json()
            return BatchResult(stored=int(answer["stored"]), duplicates=int(answer["duplicates"]))
        except (ValueError, KeyError, TypeError):
            # Stored or not, sending again is harmless; acknowledging an unknown answer is not.
            raise SendLater(f"{url}: 200 with an unexpected body {_detail(response)}") from None
    if status in (408, 425, 429) or status >= 500:
        raise SendLater(f"{url}: {status} {_detail(response)}", _retry_after(response))
    if status in (413, 422):
        raise BatchRefused(f"{url}: {status} {_detail(response)}", status)
    if status == 401:
        raise SendStopped(f"{url}: camera key refused ({_detail(response)}); check --key")
    if status == 403:
        raise SendStopped(f"{url}: camera refused ({_detail(response)}); ask for a new key")
    raise SendStopped(
        f"{url}: unexpected {status} {_detail(response)}; check --server (the base URL of a"
        " Plateward server)"
    )


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    text = detail if isinstance(detail, str) else json.dumps(detail)
    text = " ".join(text.split()) or response.reason_phrase
    return text[:DETAIL_CHARS] + ("..." if len(text) > DETAIL_CHARS else "")


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds when the server gives one (the HTTP-date form is ignored)."""
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
