"""The server's checkpoint clock: a signed tree head within a minute of every change, and one
when the server stops.

A thread beside the server wakes every ``audit.checkpoint_interval_s`` and signs if the log
grew (``publish.py``). Several server processes may run it at once: the log's lock serialises
them and the second finds nothing new to sign. A failure is logged and tried again next time;
a log that contradicts its last checkpoint is logged as an error every time, since that means
someone changed it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from plateward.audit.publish import LogDisagrees, publish_checkpoint
from plateward.errors import PlatewardError
from plateward.settings import AuditSettings

logger = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, engine: Engine, audit: AuditSettings) -> None:
        self.engine = engine
        self.audit = audit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpointer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the clock and sign what the log holds now (a server shutting down)."""
        self._stop.set()
        self._thread.join()
        self.checkpoint()

    def checkpoint(self) -> None:
        try:
            publish_checkpoint(self.engine, self.audit)
        except LogDisagrees as exc:
            logger.error("%s", exc.message)
        except PlatewardError as exc:
            logger.warning("access log checkpoint not signed: %s", exc.message)
        except Exception:  # a database hiccup must not end the clock
            logger.exception("access log checkpoint failed")

    def _run(self) -> None:
        while not self._stop.wait(self.audit.checkpoint_interval_s):
            self.checkpoint()
