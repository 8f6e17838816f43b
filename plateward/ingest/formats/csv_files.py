"""CSV files from other systems, a row at a time, whatever their encoding and delimiter.

Exports from Windows consoles often use semicolons (a comma is the decimal mark in much of
Europe) or tabs; the delimiter is sniffed from the header line. Column headings are matched
case-insensitively, ignoring spaces, underscores and punctuation, against each format's
names for a field (``columns``), since the same export comes with "Plate Read", "plate_read"
or "PLATE READ" depending on the version and the user's choice of columns.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from plateward.errors import InvalidInput
from plateward.ingest.formats.encoding import MARK, Encoding, choose_encoding, open_text, problem
from plateward.ingest.formats.records import Record

_KEY = re.compile(r"[^a-z0-9#]")
DELIMITERS = ",;\t|"


class WrongHeader(InvalidInput):
    """A CSV whose header is not the format's; ``header`` lets the caller say what it is."""

    def __init__(self, message: str, header: list[str]) -> None:
        super().__init__(message)
        self.header = header


def heading_key(heading: str) -> str:
    """``"Plate Read"``, ``"plate_read"`` and ``" PLATE-READ "`` all become ``"plateread"``."""
    return _KEY.sub("", heading.strip().lower().replace("\ufeff", ""))


def find_column(header: Iterable[str], names: Iterable[str]) -> str | None:
    """The heading in ``header`` that is one of ``names`` (compared by ``heading_key``)."""
    keys = {heading_key(h): h for h in header}
    for name in names:
        found = keys.get(heading_key(name))
        if found is not None:
            return found
    return None


def csv_records(
    path: Path,
    encoding: Encoding | None,
    check_header: Callable[[list[str]], None],
) -> Iterator[Record]:
    """Each data row as ``{heading: value}``; a row with undecodable bytes is a bad record.

    ``check_header`` refuses a file whose headings are not the format's (``InvalidInput``).
    """
    chosen = encoding or choose_encoding(path)
    with open_text(path, chosen) as stream:
        sample = stream.readline()
        stream.seek(0)
        delimiter = _delimiter(sample)
        bad_lines: set[int] = set()
        reader = csv.reader(_lines(stream, bad_lines), delimiter=delimiter)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise InvalidInput(f"{path} line 1: not valid CSV ({exc})") from None
        if header is None:
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        try:
            check_header(header)
        except WrongHeader:
            raise
        except InvalidInput as exc:
            raise WrongHeader(exc.message, header) from None
        width = len(header)
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # A NUL byte, an overlong field: this row is bad, the reader goes on.
                yield Record(f"{path} line {start}", None, problem=f"not valid CSV ({exc})")
                start = reader.line_num + 1
                continue
            where = f"{path} line {start}"
            lines = range(start, reader.line_num + 1)
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if bad_lines.intersection(lines):
                yield Record(where, None, problem=problem(chosen))
                continue
            if len(row) != width:
                yield Record(where, None, problem=f"{len(row)} fields where the header has {width}")
                continue
            yield Record(where, dict(zip(header, row, strict=True)))


def _lines(stream: Iterable[str], bad_lines: set[int]) -> Iterator[str]:
    for number, line in enumerate(stream, start=1):
        if not line.isascii() and MARK in line:
            bad_lines.add(number)
            line = line.replace(MARK, "\ufffd")
        yield line


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def cell(row: Mapping[str, str | None], column: str | None) -> str | None:
    """The stripped value of ``column`` in ``row``; None when absent or empty."""
    if column is None:
        return None
    value = row.get(column)
    if value is None:
        return None
    value = value.strip()
    return value or None
