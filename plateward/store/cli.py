"""``plateward db`` and ``plateward camera``: set up the database and register cameras."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy import Connection, Engine

from plateward.access.console import CONSOLE_ADDRESS, TokenOption, console_user
from plateward.access.roles import Action
from plateward.agency.registry import agency_id_of
from plateward.audit.actor import Actor, actor_for
from plateward.audit.log import append_change
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


@db_app.command("grant")
def db_grant(
    ctx: typer.Context,
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the server connects as.")],
    db: DbOption = None,
) -> None:
    """PostgreSQL, run as the owner: give the server's own role what it needs and no more.

    The access log's tables get SELECT and INSERT only (no UPDATE, DELETE or TRUNCATE). Run it
    again after each upgrade.
    """
    from plateward.store.grants import grant_application_role

    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        with engine.begin() as connection:
            statements = grant_application_role(connection, role)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    for statement in statements:
        typer.echo(statement)


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
    token: TokenOption = None,
) -> None:
    """Register a camera and print its key (shown only this once); needs manage_cameras."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    upgrade(engine)
    try:
        actor = _camera_manager(engine, token)
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
            _log_camera(connection, actor, "camera.add", {
                "camera": code, "agency": agency, "kind": kind, "public_areas_only": not non_public,
                "court_order": court_order,
            })  # fmt: skip
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(key)


@camera_app.command("revoke")
def camera_revoke(
    ctx: typer.Context, code: Annotated[str, typer.Argument()], db: DbOption = None,
    token: TokenOption = None,
) -> None:  # fmt: skip
    """Revoke a camera's key: its batches are refused from now on (403)."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    try:
        actor = _camera_manager(engine, token)
        with engine.begin() as connection:
            revoke_camera(connection, code)
            _log_camera(connection, actor, "camera.revoke", {"camera": code})
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"camera {code}: key revoked")


def _camera_manager(engine: Engine, token: str | None) -> Actor:
    """Cameras decide where reads come from: an administrator's account changes them."""
    return actor_for(console_user(engine, token, Action.MANAGE_CAMERAS), CONSOLE_ADDRESS)


def _log_camera(connection: Connection, actor: Actor, action: str, query: dict[str, Any]) -> None:
    append_change(connection, actor, action, query, reason="camera registry (policy A.5, E)")
