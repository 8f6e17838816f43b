"""Reading hot list files: CSV with a header, or NCIC-style ``CODE/value`` records.

Files come from many systems: a CA DOJ or NCIC extract twice a day, an agency's spreadsheet,
a BOLO typed by hand. They arrive in UTF-8 (with or without a byte order mark), UTF-16, or
Latin-1/Windows-1252, with Windows or Unix line ends. Each line is decoded on its own, as UTF-8
when it is valid UTF-8 and as Windows-1252 otherwise, so one stray accented byte in a note
neither stops the file nor garbles the lines around it.

The file is read as a stream, a line at a time, so a million-line extract never sits in memory.
Lines come out as ``(line_number, fields)`` with the fields under Plateward's own names
(``plate``, ``state``, ``reason``, ...); what a line's values mean is checked by ``entries.py``.
Fields that would carry personal data (names, dates of birth, ...) are dropped here: a hot list
entry holds a vehicle and why it is wanted, nothing about its owner (PRODUCT.md).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from plateward.errors import InvalidInput

# Each Plateward field and the column names that mean it: NCIC field codes first, then the
# names spreadsheets use. Matching ignores case, spaces, dashes and underscores.
COLUMNS: dict[str, tuple[str, ...]] = {
    "plate": ("LIC", "plate", "license", "licenseplate", "platenumber", "tag", "licensenumber"),
    "state": ("LIS", "state", "platestate", "licensestate", "region"),
    "plate_type": ("LIT", "platetype", "licensetype"),
    "plate_year": ("LIY", "plateyear", "licenseyear"),
    "reason": ("MKE", "reason", "reasoncode", "category", "type", "alerttype"),
    "case_number": ("OCA", "case", "casenumber", "caseno", "reportnumber"),
    "ori": ("ORI", "agencyori", "originatingagency"),
    "ncic_number": ("NIC", "ncic", "ncicnumber"),
    "vehicle_year": ("VYR", "vehicleyear", "year"),
    "vehicle_make": ("VMA", "make", "vehiclemake"),
    "vehicle_model": ("VMO", "model", "vehiclemodel"),
    "vehicle_style": ("VST", "style", "vehiclestyle", "body", "bodytype"),
    "vehicle_color": ("VCO", "color", "colour", "vehiclecolor", "vehiclecolour"),
    "theft_date": ("DOT", "theftdate", "dateoftheft"),
    "notes": ("MIS", "notes", "note", "remarks", "comments", "description"),
    "priority": ("priority",),
    "starts_at": ("startsat", "start", "starts", "validfrom"),
    "expires_at": ("expiresat", "expires", "expiry", "expiration", "validuntil", "expirationdate"),
}

_FOLDED = {
    re.sub(r"[\s_\-]", "", name).lower(): ours for ours, names in COLUMNS.items() for name in names
}
NCIC_CODES = {names[0]: ours for ours, names in COLUMNS.items() if names[0].isupper()}

NCIC_FIELD = re.compile(r"^([A-Z]{2,4})/")
_NCIC_SPLIT = re.compile(r"[.\t](?=[A-Z]{2,4}/)")
_DELIMITERS = (",", "\t", ";", "|")
MAX_LINE_BYTES = 64 * 1024


@dataclass
class FileShape:
    """What the file turned out to be, for the import report."""

    format: str = "csv"
    """``csv`` or ``ncic``."""
    encoding: str = "utf-8"
    """``utf-8``, ``utf-8-sig``, ``utf-16``, ``windows-1252`` or ``mixed``."""
    ignored_columns: list[str] = field(default_factory=list)
    lines: int = 0


@dataclass(frozen=True)
class LineProblem:
    line: int
    problem: str


Line = tuple[int, dict[str, str]] | LineProblem


def read_lines(path: Path, shape: FileShape) -> Iterator[Line]:
    """The file's records, numbered as a text editor numbers the lines; fills in ``shape``.

    A CSV record is one line: a quoted value holding a line break is not supported (no hot
    list format needs one), and shows up as two rejected lines rather than a wrong entry.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot open: {exc.strerror or exc}") from None
    with handle:
        texts = _decoded_lines(handle, str(path), shape)
        first = _first_content_line(texts)
        if first is None:
            raise InvalidInput(
                f"{path}: the file is empty; a hot list needs a CSV header or NCIC lines"
            )
        number, text = first
        if NCIC_FIELD.match(text):
            shape.format = "ncic"
            yield from _ncic_lines(number, text, texts, shape)
        else:
            shape.format = "csv"
            yield from _csv_lines(number, text, texts, str(path), shape)


def _decoded_lines(
    handle: io.BufferedReader, name: str, shape: FileShape
) -> Iterator[tuple[int, str]]:
    if handle.peek(2)[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        shape.encoding = "utf-16"
        wrapper = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline=None)
        for number, line in enumerate(wrapper, 1):
            shape.lines = number
            yield number, line.rstrip("\r\n")
        return
    seen: set[str] = set()
    for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
        shape.lines = number
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
            seen.add("utf-8-sig")
        if b"\x00" in raw:
            raise InvalidInput(
                f"{name}: line {number} holds NUL bytes: not a text file (a hot list is CSV or"
                " NCIC text)"
            )
        if len(raw) > MAX_LINE_BYTES:
            raise InvalidInput(f"{name}: line {number} is longer than {MAX_LINE_BYTES} bytes")
        try:
            text = raw.decode("utf-8")
            if not raw.isascii():
                seen.add("utf-8")
        except UnicodeDecodeError:
            # Windows-1252 leaves five bytes undefined; Latin-1 reads those as control codes.
            try:
                text = raw.decode("windows-1252")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            seen.add("windows-1252")
        yield number, text.rstrip("\r\n")
    if len(seen - {"utf-8-sig"}) > 1:
        shape.encoding = "mixed"
    elif "windows-1252" in seen:
        shape.encoding = "windows-1252"
    elif "utf-8-sig" in seen:
        shape.encoding = "utf-8-sig"
    else:
        shape.encoding = "utf-8"


def _first_content_line(texts: Iterator[tuple[int, str]]) -> tuple[int, str] | None:
    for number, text in texts:
        if text.strip():
            return number, text
    return None


def _ncic_lines(
    number: int, first: str, rest: Iterator[tuple[int, str]], shape: FileShape
) -> Iterator[Line]:
    ignored: set[str] = set()
    for line_number, text in _chain((number, first), rest):
        if not text.strip():
            continue
        fields: dict[str, str] = {}
        for part in _NCIC_SPLIT.split(text.strip().rstrip(".")):
            found = NCIC_FIELD.match(part)
            if found is None:
                yield LineProblem(line_number, f"{part[:40]!r} is not a CODE/value field")
                break
            code, value = found.group(1), part[found.end() :].strip()
            ours = NCIC_CODES.get(code)
            if ours is None:
                ignored.add(code)
            elif ours in fields:
                yield LineProblem(line_number, f"field {code} appears twice")
                break
            else:
                fields[ours] = value
        else:
            yield line_number, fields
    shape.ignored_columns = sorted(ignored)


def _csv_lines(
    number: int, header_text: str, rest: Iterator[tuple[int, str]], name: str, shape: FileShape
) -> Iterator[Line]:
    delimiter = max(_DELIMITERS, key=header_text.count)
    header = next(csv.reader([header_text], delimiter=delimiter))
    columns: list[str | None] = []
    for column in header:
        ours = _FOLDED.get(re.sub(r"[\s_\-]", "", column).lower())
        if ours is not None and ours in columns:
            raise InvalidInput(f"{name}: line {number}: column {column!r} repeats {ours!r}")
        columns.append(ours)
        if ours is None and column.strip():
            shape.ignored_columns.append(column.strip())
    if "plate" not in columns:
        raise InvalidInput(
            f"{name}: not a hot list: line {number} should be a CSV header naming a plate column"
            " (plate or LIC) or an NCIC record (LIC/...); found "
            f"{header_text[:60]!r}"
        )
    for line_number, text in rest:
        if not text.strip():
            continue
        if '"' not in text:
            values = text.split(delimiter)  # most lines: no quoting, no need for the csv parser
        else:
            try:
                values = next(csv.reader([text], delimiter=delimiter))
            except csv.Error as exc:
                yield LineProblem(line_number, f"not a CSV line: {exc}")
                continue
        if len(values) > len(columns):
            yield LineProblem(
                line_number, f"{len(values)} fields where the header has {len(columns)}"
            )
            continue
        yield (
            line_number,
            {
                ours: value.strip()
                for ours, value in zip(columns, values, strict=False)
                if ours is not None and value.strip()
            },
        )


def _chain(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest
