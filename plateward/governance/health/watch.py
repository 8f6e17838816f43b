"""The server's own camera check: a thread that runs ``run_check`` every few minutes.

It lives as long as the application (``web/app.py`` starts and stops it in the lifespan), so
notices are raised without anyone running a command. Each round is one short transaction; a round that
fails (the database restarting) is logged and the next one tries again. With several server
processes each runs the thread, and on PostgreSQL an advisory lock lets one of them check per
round; on SQLite the open-notice index keeps a notice from being raised twice.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from plateward.governance.health.checks import run_check
from plateward.settings import CameraHealthSettings

log = logging.getLogger(__name__)

JOIN_S = 10.0


class HealthWatch:
    def __init__(self, engine: Engine, settings: CameraHealthSettings) -> None:
        self.engine = engine
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.settings.check_interval_s <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="camera-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(JOIN_S)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.check_interval_s):
            try:
                with self.engine.begin() as connection:
                    result = run_check(connection, self.settings)
            except Exception:
                log.exception("camera health check failed; trying again next round")
                continue
            for notice in result.raised:
                log.warning("camera %s: %s: %s", notice.camera, notice.kind, notice.detail)
            for notice in result.cleared:
                log.info("camera %s: %s cleared", notice.camera, notice.kind)
