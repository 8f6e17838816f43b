"""``plateward audit``: check the access log's chain."""

from __future__ import annotations

import typer

from plateward.audit.verify import verify_chain
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database

audit_app = typer.Typer(help="Audit the use of ALPR data.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, db: DbOption = None) -> None:
    """Check that no access log entry was changed, deleted or reordered; exit 1 if one was."""
    settings = with_db(ctx.obj, db)
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        verdict = verify_chain(connection)
    if verdict.intact:
        typer.echo(f"access log intact: {verdict.entries} entries, last hash {verdict.last_hash}")
        return
    typer.echo(f"access log broken at entry {verdict.first_bad}: {verdict.problem}", err=True)
    raise typer.Exit(1)
