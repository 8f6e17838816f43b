"""``plateward serve``: the HTTP server."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from fastapi import FastAPI

from plateward.settings import Settings
from plateward.store.cli import DbOption, with_db
from plateward.web.plain_logs import uvicorn_log_config

GRACEFUL_SHUTDOWN_S = 5
"""How long a stopping server lets requests finish before it ends them: a live alert stream
never finishes by itself, and without a limit uvicorn would wait for it for ever."""
SETTINGS_ENV = "PLATEWARD_SERVE_SETTINGS"
"""How ``serve`` hands its exact settings to worker processes (they start from scratch)."""


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (one per CPU core).")
    ] = 1,
    db: DbOption = None,
) -> None:
    """Start the server (API at /api/v1, its description at /openapi.json)."""
    import uvicorn

    from plateward.store.database import open_database
    from plateward.store.migrate import upgrade
    from plateward.web.app import create_app
    from plateward.web.collector import settle_collector

    settings = with_db(ctx.obj, db)
    server = settings.server
    address = {
        "host": host or server.host,
        "port": port or server.port,
        "log_level": "info",
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "log_config": uvicorn_log_config(),
        # Forwarded headers are read by the application, from server.trusted_proxies only.
        "proxy_headers": False,
    }
    if workers == 1:
        app = create_app(settings)
        settle_collector()
        uvicorn.run(app, **address)  # type: ignore[arg-type]
        return
    # Migrate once here, so the workers do not race to apply the same migration.
    engine = open_database(settings.database_url())
    upgrade(engine)
    engine.dispose()
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    uvicorn.run("plateward.web.cli:worker_app", factory=True, workers=workers, **address)  # type: ignore[arg-type]


def worker_app() -> FastAPI:
    """The application in a worker process, with the settings ``serve`` was given."""
    from plateward.web.app import create_app
    from plateward.web.collector import settle_collector

    app = create_app(Settings.model_validate_json(os.environ[SETTINGS_ENV]))
    settle_collector()
    return app
