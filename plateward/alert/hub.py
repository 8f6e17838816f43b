"""Live alert streams inside one server process: one queue per connected client.

The follower thread (``follower.py``) publishes each alert once; every subscriber whose
filter and agency accept it gets it on its own asyncio queue, handed over to the event loop
thread-safely. A client that cannot keep up (its queue full) is cut off rather than slowing
the others; it reconnects with ``Last-Event-ID`` and catches up from the database, so nothing
is lost, only delayed.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 1000
RECENT_IDS = 10_000
"""Alert ids remembered so one published twice (local wake-up and NOTIFY) goes out once."""


@dataclass(eq=False)
class Subscriber:
    loop: asyncio.AbstractEventLoop
    accepts: Callable[[dict[str, Any], frozenset[int]], bool]
    """Whether this client gets an alert, given its JSON and the agencies that may see it."""
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    """Unbounded so the end marker always fits behind the alerts: ``offer`` keeps the bound."""
    overflowed: bool = False

    def offer(self, alert: dict[str, Any] | None) -> None:
        """Runs on the event loop's thread.

        A full queue gets the end marker behind what it holds: the client receives every
        queued alert in order, then the stream ends, and it resumes after the last one it
        got. (Dropping the oldest to make room for the marker lost that alert for good: the
        client resumed after a later id.)
        """
        if self.overflowed:
            return
        if alert is not None and self.queue.qsize() >= QUEUE_SIZE:
            self.overflowed = True
            alert = None
        self.queue.put_nowait(alert)


class AlertHub:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._recent: OrderedDict[int, None] = OrderedDict()
        self.published = 0

    def subscribe(self, accepts: Callable[[dict[str, Any], frozenset[int]], bool]) -> Subscriber:
        subscriber = Subscriber(asyncio.get_running_loop(), accepts)
        with self._lock:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, alert: dict[str, Any], agencies: frozenset[int]) -> None:
        """Hand ``alert`` to every subscriber that accepts it; callable from any thread."""
        with self._lock:
            if alert["id"] in self._recent:
                return
            self._recent[alert["id"]] = None
            if len(self._recent) > RECENT_IDS:
                self._recent.popitem(last=False)
            subscribers = list(self._subscribers)
            self.published += 1
        for subscriber in subscribers:
            if subscriber.accepts(alert, agencies):
                try:
                    subscriber.loop.call_soon_threadsafe(subscriber.offer, alert)
                except RuntimeError:  # the loop has closed: the server is stopping
                    self.unsubscribe(subscriber)

    def close(self) -> None:
        """End every stream (server shutdown)."""
        with self._lock:
            subscribers = list(self._subscribers)
            self._subscribers.clear()
        for subscriber in subscribers:
            try:
                subscriber.loop.call_soon_threadsafe(subscriber.offer, None)
            except RuntimeError:
                pass
