"""A previous system's imported search history in the browser (``read_access_log``).

Auditors review past periods in the browser; for the years before Plateward the 1798.90.52
history is the previous vendor's, imported with ``plateward audit import-history``. It is shown
on its own page, every entry marked as imported with its file and line, never mixed into the
chained log's listing, whose hashes vouch only for what Plateward itself recorded. Reading it is
logged (``audit.read_imported_history``), as the API and the console log it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.audit.actor import actor_for, record
from plateward.audit.imported import SYSTEMS, ImportedEntry, find_imported
from plateward.errors import InvalidInput
from plateward.web.clock import parse_local
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Session, Depends(page_for(Action.READ_ACCESS_LOG))]
PAGE_ENTRIES = 500
"""Oldest first, at most this many: an auditor narrows the window rather than pages."""


@router.get("/access-log/imported")
def imported_history_page(
    request: Request, session: Reader, user: str = "", plate: str = "", system: str = "",
    start: str = "", end: str = "",
) -> Response:  # fmt: skip
    form = {"user": user, "plate": plate, "system": system, "start": start, "end": end}
    state = app_state(request)
    zone = state.settings.web.time_zone
    entries: list[ImportedEntry] = []
    error = None
    try:
        if system and system not in SYSTEMS:
            raise InvalidInput(f"system {system!r}: one of {', '.join(SYSTEMS)}")
        start_at = parse_local(start, zone, "from")
        end_at = parse_local(end, zone, "until")
        with state.db.begin() as connection:
            entries = find_imported(
                connection, start=start_at, end=end_at, username=user.strip() or None,
                plate=plate.strip() or None, system=system or None, limit=PAGE_ENTRIES + 1,
            )  # fmt: skip
            logged = {
                "start": start_at.isoformat() if start_at else None,
                "end": end_at.isoformat() if end_at else None,
                "username": user.strip() or None, "plate": plate.strip() or None,
                "system": system or None,
            }  # fmt: skip
            record(connection, actor_for(session.user, client_of(request)),
                   "audit.read_imported_history", {k: v for k, v in logged.items() if v},
                   min(len(entries), PAGE_ENTRIES))  # fmt: skip
    except InvalidInput as exc:
        error = exc.message
    more = len(entries) > PAGE_ENTRIES
    return render(
        request, "imported_history.html", status_code=400 if error else 200, signed_in=session,
        form=form, entries=entries[:PAGE_ENTRIES], more=more, error=error, systems=SYSTEMS,
        page_entries=PAGE_ENTRIES,
    )  # fmt: skip
