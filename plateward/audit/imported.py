"""Importing a previous system's search-audit log, so its 1798.90.52 history stays on hand.

Flock's organisation and network audits export a CSV with a row per search: ``ID, Name, Org
Name, Total Networks Searched, License Plate, Reason, Case #, Filters, Search Time, Search
Type`` (some exports add ``Total Devices Searched``, ``Text Prompt`` or ``Moderation``, and
redact names and plates as ``***``); other vendors' audit exports carry the same facts under
other headings. Columns are found by heading, every column of a row is kept as it was, and
each row becomes an entry of ``imported_access_log``, marked with its file, importer and time,
and apart from the tamper-evident log, whose tree covers only what Plateward itself recorded.
The import itself is an entry in the chained log.

Like a reads import, a file goes in whole or not at all; ``skip_bad`` steps over bad rows.
Importing the same file twice adds nothing (each row is known by its id, or its contents).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from plateward.audit.actor import Actor
from plateward.audit.imported_schema import imported_access_log
from plateward.audit.log import append_change
from plateward.errors import InvalidInput
from plateward.ingest.formats.csv_files import cell, csv_records, find_column
from plateward.ingest.formats.encoding import choose_encoding
from plateward.ingest.formats.records import BadRecord, normalise_plate
from plateward.ingest.formats.times import Clock, TimeProblem, capture_time
from plateward.zones import parse_zone

BATCH_ROWS = 1000
MAX_RESULTS = 10_000
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "Search ID", "Audit ID", "Event ID", "Log ID"),
    "at": ("Search Time", "Search Time (UTC)", "Search Date", "Time", "Timestamp", "Date/Time",
           "Date Time", "Date", "Created", "Created At", "Searched At", "Event Time"),
    "username": ("Name", "User", "Username", "User Name", "User Email", "Email", "Officer",
                 "Searched By", "Operator"),
    "agency": ("Org Name", "Organization", "Organization Name", "Agency", "Org", "Department"),
    "plate": ("License Plate", "Plate", "Plate Number", "Search Term", "Searched Plate", "Query"),
    "reason": ("Reason", "Search Reason", "Purpose", "Justification", "Reason Code"),
    "case_number": ("Case #", "Case Number", "Case No", "Case", "Incident Number", "Report #"),
    "action": ("Search Type", "Type", "Action", "Event Type", "Activity"),
    "result_count": ("Results", "Result Count", "Hits", "Total Results"),
}  # fmt: skip
SYSTEMS = ("flock", "openalpr", "genetec", "vigilant", "verkada", "platerecognizer", "other")


@dataclass
class HistoryReport:
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0
    encoding: str = ""


@dataclass(frozen=True)
class ImportedEntry:
    id: int
    system: str
    at: dt.datetime
    username: str
    agency: str | None
    action: str
    plate: str | None
    case_number: str | None
    reason: str | None
    result_count: int | None
    detail: dict[str, Any]
    file_name: str
    line: int
    imported_at: dt.datetime
    imported_by: str


def import_history(
    engine: Engine,
    path: Path,
    *,
    system: str,
    actor: Actor | Callable[[Connection], Actor],
    agency: str | None = None,
    encoding: str | None = None,
    timezone: str | None = None,
    skip_bad: bool = False,
    on_skip: Callable[[BadRecord], None] | None = None,
) -> HistoryReport:
    """Store the audit rows of ``path`` as imported history; all or nothing unless skipping."""
    if system not in SYSTEMS:
        raise InvalidInput(f"--system {system!r}: one of {', '.join(SYSTEMS)}")
    chosen = choose_encoding(path, encoding)
    clock = Clock.now(parse_zone(timezone))
    digest = _sha256(path)
    report = HistoryReport(encoding=str(chosen))
    imported_at = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        who = actor(connection) if callable(actor) else actor
        columns: dict[str, str | None] = {}

        def check(header: list[str]) -> None:
            columns.update({name: find_column(header, names) for name, names in COLUMNS.items()})
            needed = {"at": "the search time", "username": "the user"}
            missing = [what for name, what in needed.items() if columns[name] is None]
            if missing:
                raise InvalidInput(
                    f"{path}: no column for {' or '.join(missing)} (e.g. 'Search Time', 'Name');"
                    f" found {', '.join(header)}: not a search-audit export"
                )

        pending: list[dict[str, Any]] = []
        for record in csv_records(path, chosen, check):
            report.rows += 1
            try:
                if record.problem is not None:
                    raise BadRecord(record.where, record.problem)
                row = _row(record.value, record.where, columns, clock, system, agency)
            except BadRecord as exc:
                if not skip_bad:
                    raise
                report.skipped += 1
                if on_skip is not None:
                    on_skip(exc)
                continue
            row.update(
                file_name=path.name[:255], file_sha256=digest,
                line=int(record.where.rsplit(" ", 1)[-1]), imported_at=imported_at,
                imported_by=who.username,
            )  # fmt: skip
            pending.append(row)
            if len(pending) >= BATCH_ROWS:
                report.stored += _insert(connection, pending)
                pending = []
        report.stored += _insert(connection, pending)
        report.duplicates = report.rows - report.skipped - report.stored
        append_change(
            connection, who, "audit.import_history",
            {"file": path.name, "sha256": digest, "system": system, "rows": report.rows},
            reason="keep the previous system's access history (Civil Code 1798.90.52)",
            result_count=report.stored,
        )  # fmt: skip
    return report


def _row(
    values: Mapping[str, str],
    where: str,
    columns: Mapping[str, str | None],
    clock: Clock,
    system: str,
    agency: str | None,
) -> dict[str, Any]:
    try:
        at = capture_time(cell(values, columns["at"]), clock)
    except TimeProblem as exc:
        raise BadRecord(where, f"search time: {exc}") from None
    username = cell(values, columns["username"])
    if username is None:
        raise BadRecord(where, "user: missing")
    plate_text = cell(values, columns["plate"])
    plate = normalise_plate(plate_text) if plate_text else None
    count = cell(values, columns["result_count"])
    detail = {k: v for k, v in values.items() if k}
    vendor_id = cell(values, columns["id"])
    key = (
        vendor_id
        or hashlib.sha256(
            json.dumps(detail, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
    )
    return {
        "system": system,
        "entry_key": key[:64],
        "at": at,
        "username": username[:200],
        "agency": (cell(values, columns["agency"]) or agency or None),
        "action": (cell(values, columns["action"]) or "search")[:64],
        # A redacted plate ("***") has no letters or digits: kept in detail, not as a plate.
        "plate": plate[:32] if plate else None,
        "case_number": cell(values, columns["case_number"]),
        "reason": cell(values, columns["reason"]),
        "result_count": int(count) if count and count.isdigit() else None,
        "detail": detail,
    }


def _insert(connection: Connection, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(imported_access_log)
        .on_conflict_do_nothing(index_elements=["system", "entry_key"])
        .returning(imported_access_log.c.id)
    )
    return len(connection.execute(statement, rows).all())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_imported(
    connection: Connection,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    username: str | None = None,
    plate: str | None = None,
    system: str | None = None,
    limit: int = 1000,
) -> list[ImportedEntry]:
    """Imported entries, oldest first, narrowed by time, user, plate and system."""
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInput(f"limit {limit}: must be between 1 and {MAX_RESULTS}")
    t = imported_access_log
    query = select(
        t.c.id, t.c.system, t.c.at, t.c.username, t.c.agency, t.c.action, t.c.plate,
        t.c.case_number, t.c.reason, t.c.result_count, t.c.detail, t.c.file_name, t.c.line,
        t.c.imported_at, t.c.imported_by,
    ).order_by(t.c.at, t.c.id)  # fmt: skip
    for moment, name in ((start, "start"), (end, "end")):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(f"{name} {moment.isoformat()}: give a UTC offset")
    if start is not None:
        query = query.where(t.c.at >= start)
    if end is not None:
        query = query.where(t.c.at < end)
    if username:
        query = query.where(t.c.username == username)
    if plate:
        query = query.where(t.c.plate == normalise_plate(plate))
    if system:
        query = query.where(t.c.system == system)
    rows = connection.execute(query.limit(limit))
    return [ImportedEntry(**row._mapping) for row in rows]
