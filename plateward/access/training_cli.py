"""``plateward training``: the course catalog, certificates and the qualified list at the console.

The console has the database itself, so changes are logged as the operating-system account
that ran the command (``os:<login>``, address ``cli``), as console searches are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlalchemy import Connection

from plateward.access.certificate_files import CertificateFiles
from plateward.access.training import today_utc, training_standings
from plateward.access.training_certificates import record_certificate
from plateward.access.training_courses import (
    KEEP,
    Course,
    Keep,
    add_course,
    edit_course,
    list_courses,
)
from plateward.audit.actor import console_actor
from plateward.errors import PlatewardError
from plateward.settings import Settings
from plateward.store.cli import DbOption, with_db
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

training_app = typer.Typer(
    help="Training courses, certificates of completion and the qualified operators list.",
    no_args_is_help=True,
)

T = TypeVar("T")

RolesOption = Annotated[
    str | None,
    typer.Option("--required-for", help="Comma-separated roles, e.g. user,investigator."),
]


@training_app.command("courses")
def courses(ctx: typer.Context, db: DbOption = None) -> None:
    """List the course catalog: code, who needs it, how long a certificate counts."""
    for course in _run(ctx, db, lambda c: list_courses(c)):
        typer.echo(_describe(course))


@training_app.command("course-add")
def course_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. FLOCK-SEARCH.")],
    title: Annotated[str, typer.Option(help="The course's name, as on the certificate.")],
    required_for: RolesOption = None,
    systems: Annotated[str, typer.Option(help="What passing it qualifies for.")] = "",
    valid_days: Annotated[
        int | None, typer.Option(help="Days a certificate counts (default: never expires).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a course to the catalog."""
    roles = _roles(required_for) or ()
    course = _run(
        ctx, db,
        lambda c: add_course(c, code=code, title=title, required_for=roles, systems=systems,
                             valid_days=valid_days, actor=console_actor()),
    )  # fmt: skip
    typer.echo(_describe(course))


@training_app.command("course-edit")
def course_edit(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument()],
    title: Annotated[str | None, typer.Option()] = None,
    required_for: RolesOption = None,
    systems: Annotated[str | None, typer.Option()] = None,
    valid_days: Annotated[int | None, typer.Option(help="Days a certificate counts.")] = None,
    no_expiry: Annotated[
        bool, typer.Option("--no-expiry", help="Certificates never expire.")
    ] = False,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Whether anyone needs it.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Change a course; anything not given stays as it is."""
    if no_expiry and valid_days is not None:
        _refuse("--no-expiry and --valid-days: give one")
    days: int | None | Keep = None if no_expiry else KEEP if valid_days is None else valid_days
    course = _run(
        ctx, db,
        lambda c: edit_course(c, code, actor=console_actor(), title=title, systems=systems,
                              required_for=_roles(required_for), valid_days=days, active=active),
    )  # fmt: skip
    typer.echo(_describe(course))


@training_app.command("record")
def record(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose certificate it is.")],
    course: Annotated[str, typer.Argument(help="The course's code (see: training courses).")],
    completed: Annotated[str, typer.Option(help="Completion date on the certificate, YYYY-MM-DD.")],
    file: Annotated[Path, typer.Option(help="The certificate: PDF, JPEG or PNG.")],
    db: DbOption = None,
) -> None:
    """Record a certificate of completion and keep a copy of its file."""
    try:
        completed_on = dt.date.fromisoformat(completed)
    except ValueError:
        _refuse(f"--completed {completed!r}: expected YYYY-MM-DD")
    settings = _settings(ctx, db)
    files = CertificateFiles(settings.data_dir / "certificates")
    try:
        data = file.read_bytes()
    except OSError as exc:
        _refuse(f"{file}: {exc.strerror or exc}")
    done = _run(
        ctx, db,
        lambda c: record_certificate(c, files, username=username, course=course,
                                     completed_on=completed_on, file_name=file.name, data=data,
                                     actor=console_actor(), today=today_utc()),
    )  # fmt: skip
    until = f", counts until {done.expires_on}" if done.expires_on else ""
    typer.echo(
        f"certificate {done.id}: {done.username} completed {done.course} on {done.completed_on}"
        f"{until} (sha256 {done.file_sha256})"
    )


@training_app.command("qualified")
def qualified(
    ctx: typer.Context,
    everyone: Annotated[
        bool, typer.Option("--all", help="Also list who is not qualified, and why.")
    ] = False,
    db: DbOption = None,
) -> None:
    """The qualified vehicle operators (policy D.2): people whose training is current today."""
    today = today_utc()
    for standing in _run(ctx, db, lambda c: training_standings(c, today)):
        person = standing.user
        who = f"{person.username}\t{person.role.value}\t{person.agency}\t{person.full_name}"
        if standing.qualified:
            typer.echo(f"{who}\tqualified")
        elif everyone:
            typer.echo(f"{who}\tmissing: " + "; ".join(m.describe() for m in standing.missing))


def _run(ctx: typer.Context, db: str | None, work: Callable[[Connection], T]) -> T:
    """One transaction on the configured database; a Plateward error ends the command."""
    try:
        engine = open_database(_settings(ctx, db).database_url())
        try:
            upgrade(engine)
            with engine.begin() as connection:
                return work(connection)
        finally:
            engine.dispose()
    except PlatewardError as exc:
        _refuse(exc.message)


def _settings(ctx: typer.Context, db: str | None) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return with_db(settings, db)


def _roles(text: str | None) -> list[str] | None:
    """None: not given; an empty string: required of nobody."""
    return None if text is None else [name for name in text.split(",") if name.strip()]


def _describe(course: Course) -> str:
    needs = ",".join(r.value for r in course.required_for) or "nobody"
    lasts = f"{course.valid_days} days" if course.valid_days else "no expiry"
    state = "" if course.active else "\tinactive"
    return f"{course.code}\t{course.title}\trequired for {needs}\t{lasts}{state}"


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)
