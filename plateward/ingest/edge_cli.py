"""``plateward edge``: the agent that runs beside a camera; ``plateward/cli.py`` registers it.

The recognition models, OpenCV and the outbox are imported only when the command runs, so
the rest of the CLI starts as fast without them.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from plateward.errors import PlatewardError

KEY_ENV = "PLATEWARD_CAMERA_KEY"


def edge(
    ctx: typer.Context,
    camera: Annotated[str, typer.Option(help="Code of this camera, as registered on the server.")],
    source: Annotated[
        str, typer.Option(help="Image, folder (watched for new images), video file or stream URL.")
    ],
    server: Annotated[str, typer.Option(help="Base URL of the Plateward server.")],
    key: Annotated[
        str,
        typer.Option(
            envvar=KEY_ENV,
            show_envvar=True,
            help="The camera's key (the environment keeps it out of the process list).",
        ),
    ] = "",
    latitude: Annotated[
        float | None, typer.Option(min=-90, max=90, help="Where the camera stands.")
    ] = None,
    longitude: Annotated[
        float | None, typer.Option(min=-180, max=180, help="Where the camera stands.")
    ] = None,
    heading: Annotated[
        float | None,
        typer.Option(min=0, max=360, help="Which way it looks: degrees clockwise from north."),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Read the source, send everything queued, then exit.")
    ] = False,
) -> None:
    """Recognise plates beside a camera; queue each read on disk and deliver it exactly once."""
    from plateward.ingest.edge import EdgeOptions, Site, run_edge

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if latitude is None or longitude is None:
        typer.echo(
            "error: --latitude and --longitude are needed: the server stores where each read"
            " was taken",
            err=True,
        )
        raise typer.Exit(2)
    try:
        options = EdgeOptions(
            camera=camera,
            source=source,
            server_url=server,
            key=key.strip(),
            site=Site(latitude, longitude, None if heading is None else heading % 360),
            once=once,
        )
        status = run_edge(ctx.obj, options)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(status)
