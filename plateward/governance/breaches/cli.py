"""``plateward breach``: breach incidents at the console (Attachment 2; Civil Code 1798.29).

For administrators and Internal Affairs, acting as the account whose API token is given
(``--token`` or ``PLATEWARD_TOKEN``). Times are ISO 8601 with their UTC offset.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from plateward.access.roles import Action
from plateward.access.training import today_utc
from plateward.audit.expected import server_heads
from plateward.governance.breaches.accesses import DEFAULT_LIMIT, MAX_LIMIT, accesses_to
from plateward.governance.breaches.incidents import (
    EDITABLE,
    Incident,
    IncidentFields,
    add_note,
    attach_file,
    close_incident,
    edit_incident,
    incident_by_id,
    incident_detail,
    incident_file,
    list_incidents,
    record_incident,
    record_notice_event,
)
from plateward.governance.breaches.notice import draft_notice
from plateward.governance.console import (
    TokenOption,
    fail,
    parse_day,
    parse_moment,
    read_file,
    run_as,
    settings_of,
    write_output,
)
from plateward.governance.http import attachment_files
from plateward.store.cli import DbOption

breach_app = typer.Typer(
    help="Data breach incidents, their notice and who accessed the data (Attachment 2).",
    no_args_is_help=True,
)

IncidentArgument = Annotated[int, typer.Argument(help="The incident's number.")]
Moment = Annotated[str | None, typer.Option(help="ISO 8601 time with offset.")]
TextOption = Annotated[str | None, typer.Option()]
KINDS_HELP = "plate_reads, plate_images, hot_lists, access_log or accounts (repeatable)."


@breach_app.command("add")
def breach_add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="A short name for the incident.")],
    discovered_at: Annotated[str, typer.Option(help="When it was found (ISO 8601, offset).")],
    discovered_by: Annotated[str, typer.Option(help="Who found it.")],
    what_happened: Annotated[str, typer.Option(help="A general description, plain language.")],
    systems: Annotated[str, typer.Option(help="The systems involved.")],
    data_kind: Annotated[list[str], typer.Option(help=KINDS_HELP)],
    data_from: Annotated[str, typer.Option(help="Oldest capture time of the data exposed.")],
    data_to: Moment = None,
    data_involved: Annotated[str | None, typer.Option(help="More on the data, if any.")] = None,
    camera: Annotated[
        list[str] | None, typer.Option(help="A camera whose data was exposed (repeatable).")
    ] = None,
    occurred_from: Moment = None,
    occurred_to: Moment = None,
    people: Annotated[
        int | None, typer.Option(help="California residents affected, if known.")
    ] = None,
    containment: Annotated[str | None, typer.Option(help="Steps taken to contain it.")] = None,
    law_enforcement_delay: Annotated[
        str | None, typer.Option(help="Which agency asked to delay the notice, until when.")
    ] = None,
    contact: Annotated[
        str | None, typer.Option(help="How people reach the agency about the notice.")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record a breach incident for your agency."""
    fields = IncidentFields(
        title=title,
        discovered_at=_moment("--discovered-at", discovered_at),
        discovered_by=discovered_by,
        what_happened=what_happened,
        systems_involved=systems,
        data_kinds=tuple(data_kind),
        data_from=_moment("--data-from", data_from),
        data_to=parse_moment("--data-to", data_to),
        data_involved=data_involved,
        camera_codes=tuple(camera or ()),
        occurred_from=parse_moment("--occurred-from", occurred_from),
        occurred_to=parse_moment("--occurred-to", occurred_to),
        people_affected=people,
        containment=containment,
        law_enforcement_delay=law_enforcement_delay,
        contact=contact,
    )
    incident = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, user, actor: record_incident(c, fields, agency_code=user.agency, actor=actor),
    )
    typer.echo(f"incident {incident.id}: recorded ({incident.fields.title})")


@breach_app.command("list")
def breach_list(ctx: typer.Context, token: TokenOption = None, db: DbOption = None) -> None:
    """Every incident, newest discovery first."""
    found = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: list_incidents(c, actor=actor),
    )
    for incident in found:
        f = incident.fields
        typer.echo(
            f"{incident.id}\t{incident.status}\tdiscovered {f.discovered_at:%Y-%m-%d}"
            f"\t{f.people_affected if f.people_affected is not None else '?'} affected\t{f.title}"
        )


@breach_app.command("show")
def breach_show(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """One incident: the record, its history and its files."""
    detail = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: incident_detail(c, incident_id, actor=actor),
    )
    incident = detail.incident
    typer.echo(f"incident {incident.id} ({incident.status}), {incident.agency_name}")
    for name, value in dataclasses.asdict(incident.fields).items():
        if value not in (None, (), []):
            typer.echo(f"{name}: {_show(value)}")
    typer.echo(f"recorded by {incident.recorded_by} at {incident.recorded_at:%Y-%m-%d %H:%M}")
    if incident.closed_at:
        typer.echo(f"closed by {incident.closed_by}: {incident.closing_summary}")
    typer.echo("history:")
    for e in detail.events:
        typer.echo(f"  {e.at:%Y-%m-%d %H:%M} {e.by} {e.kind}: {e.text}")
    for f in detail.files:
        typer.echo(f"file {f.id}\t{f.file_name}\t{f.size_bytes} bytes\tsha256 {f.sha256}")


@breach_app.command("edit")
def breach_edit(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    title: TextOption = None,
    discovered_at: Moment = None,
    discovered_by: TextOption = None,
    what_happened: TextOption = None,
    systems: TextOption = None,
    data_kind: Annotated[list[str] | None, typer.Option(help=KINDS_HELP)] = None,
    data_from: Moment = None,
    data_to: Moment = None,
    data_involved: TextOption = None,
    camera: Annotated[list[str] | None, typer.Option(help="Replaces the cameras named.")] = None,
    occurred_from: Moment = None,
    occurred_to: Moment = None,
    people: Annotated[int | None, typer.Option(help="California residents affected.")] = None,
    containment: TextOption = None,
    law_enforcement_delay: TextOption = None,
    what_you_can_do: TextOption = None,
    contact: TextOption = None,
    notice_sent: Annotated[str | None, typer.Option(help="Day the notice went out.")] = None,
    attorney_general_notified: Annotated[
        str | None, typer.Option(help="Day the sample copy went to the Attorney General.")
    ] = None,
    clear: Annotated[
        list[str] | None, typer.Option(help="Empty this field (e.g. data_to); repeatable.")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Change what is known about an incident; fields not given stay as they are."""
    given: dict[str, Any] = {
        "title": title,
        "discovered_by": discovered_by,
        "what_happened": what_happened,
        "systems_involved": systems,
        "data_involved": data_involved,
        "containment": containment,
        "law_enforcement_delay": law_enforcement_delay,
        "what_you_can_do": what_you_can_do,
        "contact": contact,
        "people_affected": people,
        "discovered_at": parse_moment("--discovered-at", discovered_at),
        "data_from": parse_moment("--data-from", data_from),
        "data_to": parse_moment("--data-to", data_to),
        "occurred_from": parse_moment("--occurred-from", occurred_from),
        "occurred_to": parse_moment("--occurred-to", occurred_to),
        "notice_sent_on": parse_day("--notice-sent", notice_sent),
        "attorney_general_notified_on": parse_day(
            "--attorney-general-notified", attorney_general_notified
        ),
        "data_kinds": tuple(data_kind) if data_kind else None,
        "camera_codes": tuple(camera) if camera else None,
    }
    changes = {name: value for name, value in given.items() if value is not None}
    for name in clear or ():
        if name not in EDITABLE:
            fail(f"--clear {name}: no such field")
        changes[name] = () if name in ("camera_codes", "data_kinds") else None
    incident = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: edit_incident(c, incident_id, changes, actor=actor),
    )
    typer.echo(f"incident {incident.id}: updated")


@breach_app.command("note")
def breach_note(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    text: Annotated[str, typer.Argument(help="The note.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Add a note to the incident's history."""
    run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: add_note(c, incident_id, text=text, actor=actor),
    )
    typer.echo(f"incident {incident_id}: note added")


@breach_app.command("notice")
def breach_notice(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    dated: Annotated[str | None, typer.Option(help="Date of the notice (default today).")] = None,
    output: Annotated[Path | None, typer.Option(help="Write the notice here.")] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Draft the Civil Code 1798.29 notice; what it lacks and the reminders go to stderr."""
    day = parse_day("--dated", dated) or today_utc()

    def draft(c: Any, _user: Any, actor: Any) -> Any:
        notice = draft_notice(incident_by_id(c, incident_id), day)
        record_notice_event(c, incident_id, actor=actor, reminders=len(notice.reminders))
        return notice

    notice = run_as(ctx, db, token, Action.MANAGE_BREACHES, draft)
    if output is None:
        typer.echo(notice.text(), nl=False)
    else:
        write_output(output, notice.text().encode())
    for item in notice.missing:
        typer.echo(f"missing: {item}", err=True)
    for reminder in notice.reminders:
        typer.echo(f"reminder: {reminder}", err=True)


@breach_app.command("accesses")
def breach_accesses(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="Most listed.")] = DEFAULT_LIMIT,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Every inquiry that could have touched the data involved, and the log's verification."""
    report = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: accesses_to(
            c, incident_by_id(c, incident_id), limit=limit, actor=actor,
            heads=server_heads(settings_of(ctx, db))[0],
        ),
    )  # fmt: skip
    chain = report.chain
    state = f"intact ({chain.entries} entries)" if chain.intact else f"NOT INTACT: {chain.problem}"
    typer.echo(f"access log: {state}", err=True)
    typer.echo(f"{report.total} inquiries could have touched the data", err=True)
    for access in report.accesses:
        if json_output:
            typer.echo(json.dumps(dataclasses.asdict(access), default=str, sort_keys=True))
            continue
        why = " ".join(p for p in (access.case_number or "", access.reason or "") if p)
        mark = "" if access.vouched else "\tNOT VOUCHED FOR"
        typer.echo(
            f"{access.entry_id}\t{access.at:%Y-%m-%d %H:%M:%S}\t{access.username}\t{access.action}"
            f"\t{json.dumps(access.query, sort_keys=True)}\t{why}\t{access.touch}{mark}"
        )


@breach_app.command("attach")
def breach_attach(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    file: Annotated[Path, typer.Argument(help="The file to keep with the incident.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Attach a file to the incident; it is kept by its SHA-256."""
    files = attachment_files(settings_of(ctx, db))
    data = read_file(file, files.max_bytes)
    stored = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: attach_file(
            c, files, incident_id, file_name=file.name, data=data, actor=actor
        ),
    )
    typer.echo(
        f"incident {incident_id}: file {stored.id} {stored.file_name} sha256 {stored.sha256}"
    )


@breach_app.command("file")
def breach_file(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    file_id: Annotated[int, typer.Argument(help="The file's number (see: breach show).")],
    output: Annotated[Path, typer.Option("--output", help="Where to write it.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Write out a file attached to an incident, checked against its SHA-256."""
    files = attachment_files(settings_of(ctx, db))
    data = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: files.get(
            incident_file(c, incident_id, file_id, actor=actor).sha256
        ),
    )
    write_output(output, data)
    typer.echo(f"incident {incident_id}: file {file_id} written to {output}")


@breach_app.command("close")
def breach_close(
    ctx: typer.Context,
    incident_id: IncidentArgument,
    summary: Annotated[str, typer.Option(help="How the response ended.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Close the incident's response."""
    incident: Incident = run_as(
        ctx,
        db,
        token,
        Action.MANAGE_BREACHES,
        lambda c, _user, actor: close_incident(c, incident_id, summary=summary, actor=actor),
    )
    typer.echo(f"incident {incident.id}: closed")


def _moment(option: str, text: str) -> dt.datetime:
    moment = parse_moment(option, text)
    if moment is None:
        fail(f"{option}: give a time, e.g. 2026-05-01T08:00:00-07:00")
    return moment


def _show(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)
