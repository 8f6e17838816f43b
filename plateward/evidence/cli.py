"""``plateward evidence``: export reads as an evidence package, and verify one."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from plateward.access.roles import Action
from plateward.access.users import User
from plateward.console_run import CONSOLE_ADDRESS, TokenOption, run_as
from plateward.errors import InvalidInput, PlatewardError
from plateward.evidence.export import Exported, export_evidence
from plateward.evidence.verify import verify_package
from plateward.settings import Settings
from plateward.store.cli import DbOption
from plateward.store.images import ImageStore

evidence_app = typer.Typer(
    help="Evidence packages: reads, annotated images, manifest, chain of custody (policy B).",
    no_args_is_help=True,
)


@evidence_app.command("export")
def evidence_export(
    ctx: typer.Context,
    read_ids: Annotated[list[str], typer.Argument(help="The reads' ids.")],
    case: Annotated[str, typer.Option(help="The case the evidence belongs to.")],
    report: Annotated[str, typer.Option(help="The report number written on every image.")],
    out: Annotated[Path, typer.Option(help="The ZIP file to write.")],
    reason: Annotated[str | None, typer.Option(help="Why the reads are exported.")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Write the reads' evidence package and place them on legal hold under the case."""

    def work(engine: Engine, settings: Settings, user: User) -> Exported:
        ids = []
        for text in read_ids:
            try:
                ids.append(uuid.UUID(text.strip()))
            except ValueError:
                raise InvalidInput(f"read {text!r}: not a read id (a UUID)") from None
        store = ImageStore(settings.data_dir / "images", settings.server.max_image_bytes)
        return export_evidence(
            engine, store, user, ids, out, case_number=case, report_number=report,
            reason=reason, client_address=CONSOLE_ADDRESS,
        )  # fmt: skip

    done = run_as(ctx, db, token, Action.EXPORT, work)
    typer.echo(
        f"{done.path}: {done.reads} read(s), {done.images} image(s); held under hold"
        f" {done.hold_id}; manifest SHA-256 {done.manifest_sha256}"
    )


@evidence_app.command("verify")
def evidence_verify(
    package: Annotated[Path, typer.Argument(help="The evidence ZIP to check.")],
) -> None:
    """Hash every file of an evidence package again; exit 1 naming any that changed."""
    try:
        verdict = verify_package(package)
    except PlatewardError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{package}: case {verdict.case_number}, report {verdict.report_number};"
        f" manifest SHA-256 {verdict.manifest_sha256}"
    )
    for label, names in (
        ("changed", verdict.changed), ("missing", verdict.missing), ("added", verdict.added),
    ):  # fmt: skip
        for name in names:
            typer.echo(f"{label}: {name}")
    if not verdict.intact:
        raise typer.Exit(1)
    typer.echo(f"intact: all {verdict.checked} files match the manifest")
