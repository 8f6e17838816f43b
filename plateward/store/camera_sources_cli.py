"""``plateward camera source|timezone|health``: vendor cameras on Plateward camera records.

A vendor's agent or cloud posts with one Plateward camera's key (its ``via`` camera); each of
the vendor's camera identifiers it delivers is mapped to the Plateward camera it is. The first
identifier a key delivers is taken as its own camera; ``source add`` maps the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy import Connection

from plateward.errors import PlatewardError
from plateward.store.camera_sources import (
    SYSTEMS,
    add_source,
    camera_health,
    list_sources,
    remove_source,
    set_timezone,
)
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

T = TypeVar("T")

source_app = typer.Typer(
    help="Map a vendor's camera identifiers to Plateward cameras (vendor endpoints).",
    no_args_is_help=True,
)
ViaArgument = Annotated[str, typer.Argument(help="The camera whose key the vendor posts with.")]
SystemArgument = Annotated[str, typer.Argument(help=f"The vendor: {', '.join(SYSTEMS)}.")]
SourceArgument = Annotated[
    str, typer.Argument(help="The vendor's identifier, e.g. AGENT_UID:CAMERA_ID for OpenALPR.")
]


@source_app.command("add")
def source_add(
    ctx: typer.Context,
    via: ViaArgument,
    system: SystemArgument,
    source: SourceArgument,
    camera: Annotated[
        str | None, typer.Option(help="The camera this source is (default: the via camera).")
    ] = None,
    label: Annotated[str | None, typer.Option(help="A name for the source, for people.")] = None,
    db: DbOption = None,
) -> None:
    """Map a vendor source, delivered with VIA's key, to a camera of the same agency."""
    mapped = _run(
        ctx, db,
        lambda c: add_source(c, via=via, system=system, source=source, camera=camera, label=label),
    )  # fmt: skip
    typer.echo(f"{mapped.system} source {mapped.source!r} via {mapped.via} -> {mapped.camera}")


@source_app.command("remove")
def source_remove(
    ctx: typer.Context,
    via: ViaArgument,
    system: SystemArgument,
    source: SourceArgument,
    db: DbOption = None,
) -> None:
    """Forget a mapping; the source's next reads are refused until it is mapped again."""
    _run(ctx, db, lambda c: remove_source(c, via=via, system=system, source=source))
    typer.echo(f"{system} source {source!r} via {via}: removed")


@source_app.command("list")
def source_list(
    ctx: typer.Context,
    via: Annotated[str | None, typer.Argument(help="Only this camera's key.")] = None,
    db: DbOption = None,
) -> None:
    """Every mapped source: via camera, vendor, source, camera, label."""
    for m in _run(ctx, db, lambda c: list_sources(c, via)):
        typer.echo(f"{m.via}\t{m.system}\t{m.source}\t{m.camera}\t{m.label or ''}")


def camera_timezone(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The camera.")],
    zone: Annotated[
        str | None, typer.Argument(help="IANA zone, e.g. America/Los_Angeles; omit to clear.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Set the zone of a camera whose software writes times without a UTC offset."""
    _run(ctx, db, lambda c: set_timezone(c, code, zone))
    typer.echo(f"camera {code}: timezone {zone or 'cleared'}")


def camera_heartbeats(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Argument(help="Only this camera.")] = None,
    db: DbOption = None,
) -> None:
    """The last heartbeat vendors' agents sent for each camera, and whether it streams."""
    for h in _run(ctx, db, lambda c: camera_health(c, code)):
        state = {True: "streaming", False: "NOT streaming", None: "-"}[h.streaming]
        typer.echo(f"{h.camera}\t{h.system}\t{h.source}\t{h.received_at.isoformat()}\t{state}")


def _run(ctx: typer.Context, db: str | None, work: Callable[[Connection], T]) -> T:
    engine = open_database(with_db(ctx.obj, db).database_url())
    try:
        upgrade(engine)
        with engine.begin() as connection:
            return work(connection)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
