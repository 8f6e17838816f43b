"""Importing a hot list file into a list: merged into it, or replacing it, all or nothing.

The file streams into a temporary staging table a few thousand lines at a time, each line
checked on the way (``entries.py``); lines that fail are counted and reported with their
numbers, never stored. The database then compares the staged entries with the list's active
ones in a handful of set statements, so a million-line NCIC extract is neither held in
Python's memory nor compared one row at a time:

- a plate, state and reason the list lacks is **added**;
- one it has with other details (case number, vehicle, expiry, ...) is **changed** in place;
- with ``replace``, an active entry the file no longer carries is **removed**;
- the rest is **unchanged**, and keeps its revision, so edge agents download only the change.

Everything happens in the caller's transaction with the import's own record and its access
log entry: a failure anywhere leaves the list as it was. A file that is not a hot list is
refused before anything is staged; a replacement whose rejected lines pass
``max_rejected_share`` is refused too (recorded, not applied), because replacing a list with
a damaged file would silently end every entry on the lines it lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    exists,
    func,
    insert,
    literal,
    not_,
    select,
    text,
    update,
)

from plateward.audit.actor import Actor
from plateward.audit.log import append_change
from plateward.errors import InvalidInput
from plateward.hotlist.entries import TEXT_LIMITS, EntryValues, entry_values
from plateward.hotlist.files import FileShape, LineProblem, read_lines
from plateward.hotlist.lists import REASON, list_by_name, next_revision
from plateward.hotlist.reasons import ImmigrationRefused
from plateward.hotlist.schema import ENTRY_PLATE_CHARS, hotlist_entries, hotlist_imports, hotlists
from plateward.store.schema import UtcDateTime

STAGE_ROWS = 5000
REPORTED_LINES = 1000
"""Rejected lines kept with the import's record; the count covers all of them."""

_staging_metadata = MetaData()
staging = Table(
    "hotlist_staging",
    _staging_metadata,
    Column("line", Integer, primary_key=True),
    Column("plate", String(ENTRY_PLATE_CHARS), nullable=False),
    Column("is_pattern", Boolean, nullable=False),
    Column("state", String(3), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    *(Column(name, Text) for name in TEXT_LIMITS),
    Column("starts_at", UtcDateTime()),
    Column("expires_at", UtcDateTime()),
    # Every comparison with the list's entries looks a key up here; without this index a
    # replacement compared each entry with every staged line (minutes at 20,000 lines).
    Index("ix_hotlist_staging_key", "plate", "state", "reason"),
    prefixes=["TEMPORARY"],
)
"""The file's good lines; state is '' when the line names none, so keys compare plainly."""

_DETAILS = ["priority", *TEXT_LIMITS, "starts_at", "expires_at", "is_pattern"]


@dataclass
class ImportReport:
    list_name: str
    file_name: str
    file_sha256: str = ""
    format: str = ""
    encoding: str = ""
    mode: str = "merge"
    applied: bool = False
    message: str | None = None
    lines: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    rejected: int = 0
    immigration_refused: int = 0
    rejected_lines: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    import_id: int | None = None

    def reject(self, line: int, problem: str) -> None:
        self.rejected += 1
        if len(self.rejected_lines) < REPORTED_LINES:
            self.rejected_lines.append({"line": line, "problem": problem})


def import_file(
    connection: Connection,
    actor: Actor,
    list_name: str,
    path: Path,
    *,
    replace: bool = False,
    file_name: str | None = None,
    max_rejected_share: float = 0.05,
    default_expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import ``path`` into the list; the report says what happened, line by line.

    Raises ``InvalidInput`` for a file that is not a hot list (nothing recorded). A refused
    replacement returns a report with ``applied`` false, recorded with its access log entry.
    """
    now = now or dt.datetime.now(dt.UTC)
    hotlist = list_by_name(connection, list_name)
    report = ImportReport(
        list_name=list_name,
        file_name=file_name or path.name,
        mode="replace" if replace else "merge",
        file_sha256=file_sha256(path),
    )
    shape = FileShape()
    connection.execute(text("DROP TABLE IF EXISTS hotlist_staging"))
    staging.create(connection)
    try:
        good = _stage(connection, _checked(read_lines(path, shape), report, now,
                                           default_expires_at))  # fmt: skip
        report.format, report.encoding, report.lines = shape.format, shape.encoding, shape.lines
        report.ignored_columns = shape.ignored_columns
        good -= _drop_duplicates(connection, report)
        considered = good + report.rejected
        if good == 0:
            report.message = "no line of the file is a usable entry; the list was not changed"
        elif replace and considered and report.rejected / considered > max_rejected_share:
            report.message = (
                f"{report.rejected} of {considered} lines were rejected, more than the"
                f" {max_rejected_share:.0%} a replacement may lose; the list was not changed"
            )
        else:
            _apply(connection, hotlist.id, actor, report, replace, now)
            report.applied = True
    finally:
        staging.drop(connection)
    report.rejected_lines.sort(key=lambda r: int(r["line"]))
    report.import_id = _record(connection, hotlist.id, actor, report, now)
    return report


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    return digest.hexdigest()


def _checked(
    lines: Iterable[tuple[int, dict[str, str]] | LineProblem],
    report: ImportReport,
    now: dt.datetime,
    default_expires_at: dt.datetime | None,
) -> Iterator[tuple[int, EntryValues]]:
    for item in lines:
        if isinstance(item, LineProblem):
            report.reject(item.line, item.problem)
            continue
        number, fields = item
        where = f"line {number}"
        try:
            yield number, entry_values(fields, where, now, default_expires_at=default_expires_at)
        except ImmigrationRefused as exc:
            report.immigration_refused += 1
            report.reject(number, exc.message.removeprefix(f"{where}: "))
        except InvalidInput as exc:
            report.reject(number, exc.message.removeprefix(f"{where}: "))


def _stage(connection: Connection, entries: Iterator[tuple[int, EntryValues]]) -> int:
    """Write the checked lines to the staging table; returns how many.

    Rows go in as tuples, past SQLAlchemy's per-row parameter building: on PostgreSQL by COPY,
    on SQLite by the driver's executemany with each value converted by its column's type
    (as ``store/reads.py`` stores reads). Building a million parameter dictionaries took
    longer than everything else the import does.
    """
    names = [column.name for column in staging.columns]
    rows = (_staged_row(number, values) for number, values in entries)
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        count = 0
        with driver.cursor().copy(  # type: ignore[attr-defined,unused-ignore]
            f"COPY hotlist_staging ({', '.join(names)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    dialect = connection.dialect
    convert = [staging.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    insert_sql = (
        f"INSERT INTO hotlist_staging ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    )
    count = 0
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(tuple(v if f is None else f(v) for v, f in zip(row, convert, strict=True)))
        if len(chunk) >= STAGE_ROWS:
            connection.exec_driver_sql(insert_sql, chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        connection.exec_driver_sql(insert_sql, chunk)
        count += len(chunk)
    return count


def _staged_row(number: int, values: EntryValues) -> tuple[Any, ...]:
    """The line in the staging table's column order (state '' when none)."""
    return (
        number, values.plate, values.is_pattern, values.state or "", values.reason.value,
        values.priority, *(getattr(values, name) for name in TEXT_LIMITS), values.starts_at,
        values.expires_at,
    )  # fmt: skip


_KEY = ("plate", "state", "reason")


def _drop_duplicates(connection: Connection, report: ImportReport) -> int:
    """A plate, state and reason given twice: the first line counts, the later ones are
    rejected naming it; returns how many were dropped."""
    first = func.min(staging.c.line).over(partition_by=[staging.c[k] for k in _KEY])
    ranked = select(staging.c.line, first.label("first_line")).subquery()
    duplicates = connection.execute(
        select(ranked.c.line, ranked.c.first_line)
        .where(ranked.c.line != ranked.c.first_line)
        .order_by(ranked.c.line)
    ).all()
    for line, first_line in duplicates:
        report.reject(line, f"duplicate of line {first_line} (same plate, state and reason)")
    for start in range(0, len(duplicates), STAGE_ROWS):
        chunk = [line for line, _ in duplicates[start : start + STAGE_ROWS]]
        connection.execute(staging.delete().where(staging.c.line.in_(chunk)))
    return len(duplicates)


def _apply(
    connection: Connection, list_id: int, actor: Actor, report: ImportReport, replace: bool,
    now: dt.datetime,
) -> None:  # fmt: skip
    revision = next_revision(connection)
    entries = hotlist_entries
    active = and_(
        entries.c.list_id == list_id,
        entries.c.removed_at.is_(None),
        (entries.c.expires_at.is_(None)) | (entries.c.expires_at > now),
    )
    same_key = and_(
        entries.c.plate == staging.c.plate,
        func.coalesce(entries.c.state, "") == staging.c.state,
        entries.c.reason == staging.c.reason,
    )
    same_details = and_(*(_same(entries.c[name], staging.c[name], connection) for name in _DETAILS))
    staged_total = int(connection.execute(select(func.count()).select_from(staging)).scalar_one())
    report.unchanged = int(
        connection.execute(
            select(func.count()).select_from(staging).where(
                exists().where(active, same_key, same_details)
            )
        ).scalar_one()
    )  # fmt: skip
    changed_values = {name: staging.c[name] for name in _DETAILS}
    report.changed = connection.execute(
        update(entries)
        .where(active, same_key, not_(same_details))
        .values(**changed_values, revision=revision)
    ).rowcount
    if replace:
        report.removed = connection.execute(
            update(entries)
            .where(active, ~exists().where(same_key))
            .values(removed_at=now, removed_by=actor.username, revision=revision)
        ).rowcount
    columns = ["plate", "is_pattern", "reason", "priority", *TEXT_LIMITS, "starts_at",
               "expires_at"]  # fmt: skip
    new = select(
        literal(list_id),
        *(staging.c[c] for c in columns),
        func.nullif(staging.c.state, ""),
        literal(actor.username),
        literal(now, UtcDateTime()),
        literal(revision),
    ).where(~exists().where(active, same_key))
    connection.execute(
        insert(entries).from_select(
            ["list_id", *columns, "state", "added_by", "added_at", "revision"], new
        )
    )
    # Counted afterwards: psycopg reports no row count for INSERT ... SELECT through SQLAlchemy.
    report.added = int(
        connection.execute(
            select(func.count()).where(
                entries.c.revision == revision, entries.c.list_id == list_id,
                entries.c.added_at == now,
            )
        ).scalar_one()
    )  # fmt: skip
    assert report.added + report.changed + report.unchanged == staged_total, report
    connection.execute(
        update(hotlists).where(hotlists.c.id == list_id).values(imported_at=now, revision=revision)
    )


def _same(ours: Any, theirs: Any, connection: Connection) -> Any:
    """NULL-safe equality, which each database spells its own way."""
    if connection.dialect.name == "postgresql":
        return ours.is_not_distinct_from(theirs)
    return ours.op("IS")(theirs)


def _record(
    connection: Connection, list_id: int, actor: Actor, report: ImportReport, now: dt.datetime
) -> int:
    import_id = connection.execute(
        insert(hotlist_imports)
        .values(
            list_id=list_id, at=now, by=actor.username, file_name=report.file_name,
            file_sha256=report.file_sha256, file_format=report.format or "unknown",
            encoding=report.encoding or "unknown", mode=report.mode, applied=report.applied,
            message=report.message, lines=report.lines, added=report.added,
            changed=report.changed, removed=report.removed, unchanged=report.unchanged,
            rejected=report.rejected, immigration_refused=report.immigration_refused,
            rejected_lines=report.rejected_lines,
        )
        .returning(hotlist_imports.c.id)
    ).scalar_one()  # fmt: skip
    append_change(
        connection, actor, "hotlist.import",
        {"list": report.list_name, "file": report.file_name, "sha256": report.file_sha256,
         "mode": report.mode, "applied": report.applied, "added": report.added,
         "changed": report.changed, "removed": report.removed, "rejected": report.rejected,
         "immigration_refused": report.immigration_refused},
        reason=REASON, result_count=report.added + report.changed + report.removed,
    )  # fmt: skip
    return int(import_id)
