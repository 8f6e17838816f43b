"""``plateward serve``: the HTTP server."""

from __future__ import annotations

from typing import Annotated

import typer

from plateward.store.cli import DbOption, with_db


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    db: DbOption = None,
) -> None:
    """Start the server (API at /api/v1, its description at /openapi.json)."""
    import uvicorn

    from plateward.web.app import create_app

    settings = with_db(ctx.obj, db)
    server = settings.server
    uvicorn.run(
        create_app(settings),
        host=host or server.host,
        port=port or server.port,
        log_level="info",
    )
