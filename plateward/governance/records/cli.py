"""``plateward records``: public records requests at the console (policy C).

Every command acts as the account whose API token it is given (``--token`` or
``PLATEWARD_TOKEN``): anyone may ``add`` a request; the rest is for Internal Affairs and
administrators, as in the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plateward.access.roles import Action
from plateward.access.training import today_utc
from plateward.governance.console import (
    TokenOption,
    parse_day,
    read_file,
    run_as,
    settings_of,
    write_output,
)
from plateward.governance.http import attachment_files
from plateward.governance.records.requests import (
    RequestDetail,
    RequestSummary,
    add_note,
    assign_request,
    attach_file,
    close_request,
    extend_request,
    list_requests,
    request_detail,
    request_file,
    submit_request,
)
from plateward.store.cli import DbOption

records_app = typer.Typer(
    help="Public records requests, answered by Internal Affairs (policy C).", no_args_is_help=True
)

RequestArgument = Annotated[int, typer.Argument(help="The request's number.")]


@records_app.command("add")
def records_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Who asked.")],
    contact: Annotated[str, typer.Option(help="Address, e-mail or telephone for the reply.")],
    reply_by: Annotated[str, typer.Option(help="email, mail, pickup or phone.")],
    description: Annotated[str, typer.Option(help="What records they ask for.")],
    received: Annotated[
        str | None, typer.Option(help="Day it reached the agency, YYYY-MM-DD (default today).")
    ] = None,
    channel: Annotated[
        str, typer.Option(help="web, counter, mail, email, phone or other.")
    ] = "counter",
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Enter a records request; it goes to the Internal Affairs queue with its due date."""
    today = today_utc()
    day = parse_day("--received", received) or today
    holidays = settings_of(ctx, db).records.holidays
    receipt = run_as(
        ctx,
        db,
        token,
        Action.SUBMIT_RECORDS_REQUEST,
        lambda c, _user, actor: submit_request(
            c,
            received_on=day,
            channel=channel,
            requester_name=name,
            requester_contact=contact,
            reply_by=reply_by,
            description=description,
            actor=actor,
            today=today,
            holidays=holidays,
        ),
    )
    typer.echo(
        f"request {receipt.id}: received {receipt.received_on}, response due {receipt.due_on};"
        " sent to Internal Affairs"
    )


@records_app.command("list")
def records_list(
    ctx: typer.Context,
    everything: Annotated[bool, typer.Option("--all", help="Closed requests too.")] = False,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """The queue, soonest due first: number, due date, urgency, status, assignee, requester."""
    found = run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: list_requests(
            c, today=today_utc(), include_closed=everything, actor=actor
        ),
    )
    for summary in found:
        typer.echo(_line(summary))


@records_app.command("show")
def records_show(
    ctx: typer.Context, request_id: RequestArgument, token: TokenOption = None, db: DbOption = None
) -> None:
    """One request: the requester's contact details, its history and its files."""
    detail = run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: request_detail(c, request_id, today=today_utc(), actor=actor),
    )
    for line in _detail_lines(detail):
        typer.echo(line)


@records_app.command("assign")
def records_assign(
    ctx: typer.Context,
    request_id: RequestArgument,
    username: Annotated[str, typer.Argument(help="Who in Internal Affairs answers it.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Give the request to someone in Internal Affairs."""
    run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: assign_request(c, request_id, username=username, actor=actor),
    )
    typer.echo(f"request {request_id}: assigned to {username}")


@records_app.command("note")
def records_note(
    ctx: typer.Context,
    request_id: RequestArgument,
    text: Annotated[str, typer.Argument(help="The note.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Add a note to the request's history."""
    run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: add_note(c, request_id, text=text, actor=actor),
    )
    typer.echo(f"request {request_id}: note added")


@records_app.command("extend")
def records_extend(
    ctx: typer.Context,
    request_id: RequestArgument,
    reason: Annotated[str, typer.Option(help="The unusual circumstances, as in the notice.")],
    noticed: Annotated[
        str | None, typer.Option(help="Date of the written notice, YYYY-MM-DD (default today).")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Extend the deadline once by 14 days (Gov. Code 7922.535(b))."""
    today = today_utc()
    day = parse_day("--noticed", noticed) or today
    holidays = settings_of(ctx, db).records.holidays
    due = run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: extend_request(
            c,
            request_id,
            reason=reason,
            noticed_on=day,
            actor=actor,
            today=today,
            holidays=holidays,
        ),
    )
    typer.echo(f"request {request_id}: response now due {due}")


@records_app.command("attach")
def records_attach(
    ctx: typer.Context,
    request_id: RequestArgument,
    file: Annotated[Path, typer.Argument(help="The file to keep with the request.")],
    part: Annotated[
        str, typer.Option(help="request (what the requester sent) or response.")
    ] = "response",
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Attach a file to the request; it is kept by its SHA-256."""
    files = attachment_files(settings_of(ctx, db))
    data = read_file(file, files.max_bytes)
    stored = run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: attach_file(
            c, files, request_id, part=part, file_name=file.name, data=data, actor=actor
        ),
    )
    typer.echo(f"request {request_id}: file {stored.id} {stored.file_name} sha256 {stored.sha256}")


@records_app.command("file")
def records_file(
    ctx: typer.Context,
    request_id: RequestArgument,
    file_id: Annotated[int, typer.Argument(help="The file's number (see: records show).")],
    output: Annotated[Path, typer.Option("--output", help="Where to write it.")],
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Write out a file attached to a request, checked against its SHA-256."""
    files = attachment_files(settings_of(ctx, db))
    data = run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: files.get(request_file(c, request_id, file_id, actor=actor).sha256),
    )
    write_output(output, data)
    typer.echo(f"request {request_id}: file {file_id} written to {output}")


@records_app.command("close")
def records_close(
    ctx: typer.Context,
    request_id: RequestArgument,
    outcome: Annotated[
        str, typer.Option(help="released, partly_released, withheld, no_records or withdrawn.")
    ],
    summary: Annotated[str, typer.Option(help="What was released, or the exemption relied on.")],
    closed: Annotated[
        str | None, typer.Option(help="Day the response was sent, YYYY-MM-DD (default today).")
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record the response sent and close the request."""
    today = today_utc()
    day = parse_day("--closed", closed) or today
    done = run_as(
        ctx,
        db,
        token,
        Action.WORK_RECORDS_REQUESTS,
        lambda c, _user, actor: close_request(
            c,
            request_id,
            outcome=outcome,
            summary=summary,
            closed_on=day,
            actor=actor,
            today=today,
        ),
    )
    typer.echo(f"request {request_id}: closed, {done.outcome}, on {done.closed_on}")


def _line(summary: RequestSummary) -> str:
    extended = " (extended)" if summary.extended else ""
    return "\t".join(
        [
            str(summary.id),
            f"due {summary.due_on}{extended}",
            summary.urgency,
            summary.status,
            summary.assigned_to or "unassigned",
            summary.requester_name,
            summary.description.splitlines()[0][:80],
        ]
    )


def _detail_lines(detail: RequestDetail) -> list[str]:
    s = detail.summary
    lines = [
        f"request {s.id}: {s.status} ({s.urgency}), response due {s.due_on}",
        f"received {s.received_on} by {s.channel}, entered by {s.entered_by}",
        f"requester: {s.requester_name}",
        f"contact: {detail.requester_contact} (reply by {s.reply_by})",
        f"asks for: {s.description}",
        f"assigned to: {s.assigned_to or 'nobody yet'}",
    ]
    if detail.extension_reason:
        lines.append(
            f"extended from {detail.first_due_on} by {detail.extended_by} (notice of"
            f" {detail.extended_on}): {detail.extension_reason}"
        )
    if s.closed_on:
        lines.append(f"closed {s.closed_on} by {detail.closed_by}: {s.outcome}")
        lines.append(f"response: {detail.response_summary}")
    lines.append("history:")
    lines += [f"  {e.at:%Y-%m-%d %H:%M} {e.by} {e.kind}: {e.text}" for e in detail.events]
    if detail.files:
        lines.append("files:")
        lines += [
            f"  {f.id}\t{f.part}\t{f.file_name}\t{f.size_bytes} bytes\tsha256 {f.sha256}"
            for f in detail.files
        ]
    return lines
