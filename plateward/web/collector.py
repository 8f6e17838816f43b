"""The server process's garbage collector, set for batches of thousands of short-lived objects.

Validating one 500-read batch makes a few thousand container objects (models, lists, dicts)
that all die when the request ends. With CPython's default thresholds (700, 10, 10) they set
off several collections per batch, and each full collection walked every object the server
had loaded at start (FastAPI, SQLAlchemy, the models): 100 distinct batches took a mean
19 ms each to validate instead of 10.5 with the collector off. Freezing what exists after
start-up takes those objects out of every later collection, and a larger first threshold
lets a batch's garbage go by reference counting before the collector looks: mean 10.4 ms.
Cycles are still collected, only less often.
"""

from __future__ import annotations

import gc

YOUNG_OBJECTS = 20_000
"""Container objects allocated (net) before a young-generation collection; CPython's is 700."""


def settle_collector() -> None:
    """Call once the application is built, before it serves its first request."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
