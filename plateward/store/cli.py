"""``plateward db`` and ``plateward camera``: set up the database and register cameras."""

from __future__ import annotations

from typing import Annotated

import typer

from plateward.agency.registry import agency_id_of
from plateward.errors import PlatewardError
from plateward.settings import Settings
from plateward.store.cameras import add_camera, revoke_camera
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (else PLATEWARD_DB, else SQLite).")
]

db_app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)
camera_app = typer.Typer(help="Register cameras and manage their keys.", no_args_is_help=True)


def with_db(settings: Settings, db: str | None) -> Settings:
    return settings.model_copy(update={"db": db}) if db else settings


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, db: DbOption = None) -> None:
    """Apply every pending migration (the server also does this when it starts)."""
    settings = with_db(ctx.obj, db)
    upgrade(open_database(settings.database_url()))
    typer.echo(f"database at {settings.database_url()} is up to date")


@camera_app.command("add")
def camera_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short unique name, e.g. POLE-12 or UNIT-4471.")],
    agency: Annotated[
        str, typer.Option(help="The registered agency that owns its reads (plateward agency add).")
    ],
    name: Annotated[str, typer.Option(help="Where or what the camera is.")] = "",
    kind: Annotated[str, typer.Option(help="fixed or vehicle.")] = "fixed",
    vehicle_id: Annotated[str | None, typer.Option(help="Patrol car id (vehicle cameras).")] = None,
    latitude: Annotated[float | None, typer.Option(help="Fixed site latitude.")] = None,
    longitude: Annotated[float | None, typer.Option(help="Fixed site longitude.")] = None,
    non_public: Annotated[
        bool, typer.Option("--non-public", help="It views more than public areas.")
    ] = False,
    court_order: Annotated[
        str | None, typer.Option(help="Court order on file (needed with --non-public).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Register a camera and print its key (shown only this once)."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    upgrade(engine)
    try:
        with engine.begin() as connection:
            agency_id = agency_id_of(connection, agency)
            key = add_camera(
                connection,
                agency_id=agency_id,
                code=code,
                name=name or code,
                kind=kind,
                vehicle_id=vehicle_id,
                latitude=latitude,
                longitude=longitude,
                public_areas_only=not non_public,
                court_order=court_order,
            )
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(key)


@camera_app.command("revoke")
def camera_revoke(
    ctx: typer.Context, code: Annotated[str, typer.Argument()], db: DbOption = None
) -> None:
    """Revoke a camera's key: its batches are refused from now on (403)."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        with engine.begin() as connection:
            revoke_camera(connection, code)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"camera {code}: key revoked")
