"""JSON files of records, read one record at a time whatever their shape.

Other systems write their reads three ways: one object per line (JSON lines, what agents and
webhook loggers append to), a single JSON array, or one object (perhaps pretty-printed). An
export can hold millions of reads, so none of them is ever read whole: JSON lines go line by
line, and an array or a run of objects is decoded value by value from a sliding buffer.

JSON lines in UTF-8 can also be cut into blocks of lines (``json_line_blocks``) that worker
processes read (``block_records``, ``ingest/import_workers.py``) with the same code per line.

Only JSON lines can step over a line that is not JSON at all (or not decodable text) and carry
on at the next one; in an array or a pretty-printed file a syntax error, or a byte the file's
encoding cannot decode, leaves no safe place to resume, so it ends the import even with
``--skip-bad``. The encoding is chosen by ``encoding.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, AnyStr, NoReturn, TextIO

import orjson

from plateward.errors import InvalidInput
from plateward.ingest.formats.encoding import MARK, Encoding, choose_encoding, open_text, problem
from plateward.ingest.formats.records import Record

CHUNK_CHARS = 1 << 20
MAX_RECORD_CHARS = 64 << 20
"""A record larger than this is refused: it bounds memory when a file is cut off mid-value."""
_WHITESPACE = " \t\r\n"


def json_records(path: Path, encoding: Encoding | None = None) -> Iterator[Record]:
    """Every top-level record in ``path``: array items, JSON lines, or concatenated objects."""
    chosen = encoding or choose_encoding(path)
    with open_text(path, chosen) as stream:
        first = _first_char(stream)
        stream.seek(0)
        if first is None:
            return
        lines = _json_lines(stream)
        stream.seek(0)
        if first == "[" and not lines:
            yield from _Values(stream, path, chosen).array()
            return
        if lines and chosen.name == "utf-8-sig":
            yield from _utf8_lines(path, chosen)
        elif lines:
            yield from _lines(stream, path, chosen)
        else:
            yield from _Values(stream, path, chosen).sequence()


def _first_char(stream: TextIO) -> str | None:
    while True:
        chunk = stream.read(4096)
        if not chunk:
            return None
        stripped = chunk.lstrip(_WHITESPACE)
        if stripped:
            return stripped[0]


SAMPLE_LINES = 50


def _json_lines(stream: TextIO) -> bool:
    """Is this one record a line? Yes when the first line is a whole value on its own, or, when
    it is not (a bad first line), when the lines are unindented and some of them are whole
    non-empty objects: pretty-printed JSON is indented and no line of it is such an object. A
    first line longer than a record may be (a huge one-line array) is never JSON lines."""
    sample: list[str] = []
    for _number, line in _numbered(stream, "\n"):
        if line is None and not sample:
            return False
        if line is not None and line.strip():
            sample.append(line)
        if len(sample) >= SAMPLE_LINES:
            break
    if not sample:
        return False
    first = _value_alone(sample[0])
    if first is not _NOTHING and not (first in ([], {}) and sample[1:2] and sample[1][:1] in " \t"):
        return True
    indented = sum(1 for line in sample if line[:1] in " \t")
    objects = sum(1 for line in sample if isinstance(v := _value_alone(line), dict) and v)
    return objects > 0 and indented < len(sample) / 2


_NOTHING = object()


def _value_alone(line: str) -> Any:
    try:
        return json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return _NOTHING


OVERLONG = f"a record over {MAX_RECORD_CHARS} characters"


def _numbered(stream: IO[AnyStr], newline: AnyStr) -> Iterator[tuple[int, AnyStr | None]]:
    """Each line and its number; None for a line over ``MAX_RECORD_CHARS``, skipped to its end
    (reading it whole would hold it all in memory)."""
    number = 0
    while line := stream.readline(MAX_RECORD_CHARS):
        number += 1
        if len(line) >= MAX_RECORD_CHARS and not line.endswith(newline):
            while (rest := stream.readline(CHUNK_CHARS)) and not rest.endswith(newline):
                pass
            yield number, None
        else:
            yield number, line


def _lines(stream: TextIO, path: Path, encoding: Encoding) -> Iterator[Record]:
    """A record a line; a line holding an array gives one record per item (batched posts)."""
    for number, line in _numbered(stream, "\n"):
        where = f"{path} line {number}"
        if line is None:
            yield Record(where, None, problem=OVERLONG)
            continue
        if not line.strip():
            continue
        if not line.isascii() and MARK in line:
            yield Record(where, None, problem=problem(encoding))
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            # orjson is three times faster (a 1.4 KB agent record: 33 against 99 us) but
            # refuses NaN and lone surrogates, which json takes; json also says where it failed.
            found = _slow_value(line, where)
            if isinstance(found, Record):
                yield found
                continue
            value = found
        yield from _records(value, where)


def _utf8_lines(path: Path, encoding: Encoding) -> Iterator[Record]:
    """JSON lines in UTF-8, parsed from the bytes: orjson checks the UTF-8 itself, which saves
    decoding each line to text first (a third of reading a 1.4 KB agent record)."""
    with path.open("rb") as stream:
        _skip_mark(stream)
        for number, line in _numbered(stream, b"\n"):
            yield from _utf8_line(path, encoding, number, line)


def _skip_mark(stream: IO[bytes]) -> None:
    if stream.read(3) != b"\xef\xbb\xbf":
        stream.seek(0)


def _utf8_line(path: Path, encoding: Encoding, number: int, line: bytes | None) -> Iterator[Record]:
    where = f"{path} line {number}"
    if line is None:
        yield Record(where, None, problem=OVERLONG)
        return
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        if not line.strip():
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            yield Record(where, None, problem=problem(encoding))
            return
        found = _slow_value(text, where)
        if isinstance(found, Record):
            yield found
            return
        value = found
    yield from _records(value, where)


@dataclass(frozen=True)
class LineBlock:
    """Consecutive lines of a JSON-lines file, as bytes, for a worker process to read.

    The importing process only cuts the file into lines (``readline`` on bytes, in C); each
    worker parses its block's lines into records exactly as the file would be read in one
    process (``block_records``), so a record's place in a message is the same either way.
    """

    first: int
    """The number of the first line."""
    lines: list[bytes | None]
    """None stands for a line over ``MAX_RECORD_CHARS``, already skipped."""


def json_line_blocks(path: Path, encoding: Encoding, size: int) -> Iterator[LineBlock] | None:
    """The file's lines ``size`` at a time, or None when the file is not JSON lines in UTF-8
    (an array, a pretty-printed file or another encoding is read in one process)."""
    if encoding.name != "utf-8-sig":
        return None
    with open_text(path, encoding) as stream:
        if _first_char(stream) is None:
            return None
        stream.seek(0)
        if not _json_lines(stream):
            return None
    return _line_blocks(path, size)


def _line_blocks(path: Path, size: int) -> Iterator[LineBlock]:
    with path.open("rb") as stream:
        _skip_mark(stream)
        lines: list[bytes | None] = []
        first = 1
        for number, line in _numbered(stream, b"\n"):
            if not lines:
                first = number
            lines.append(line)
            if len(lines) >= size:
                yield LineBlock(first, lines)
                lines = []
        if lines:
            yield LineBlock(first, lines)


def block_records(path: Path, encoding: Encoding, block: LineBlock) -> Iterator[Record]:
    """The records of one block of lines, as ``json_records`` reads them from the whole file."""
    for offset, line in enumerate(block.lines):
        yield from _utf8_line(path, encoding, block.first + offset, line)


def _slow_value(line: str, where: str) -> Any:
    """json's reading of a line orjson refused: it takes NaN and says where a line is wrong."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return Record(where, None, problem=f"not valid JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return Record(where, None, problem="not valid JSON: nested too deeply")


def _records(value: Any, where: str) -> Iterator[Record]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield Record(f"{where} index {index}", item)
    else:
        yield Record(where, value)


class _Values:
    """Decodes JSON values one after another from a buffer that holds only the current one."""

    def __init__(self, stream: TextIO, path: Path, encoding: Encoding) -> None:
        self.stream = stream
        self.path = path
        self.encoding = encoding
        self.buffer = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.decoder = json.JSONDecoder()

    def array(self) -> Iterator[Record]:
        self._expect("[")
        index = 0
        if self._peek() == "]":
            self.pos += 1
        else:
            while True:
                self._peek()  # step over whitespace so the line is the value's own
                where = f"{self.path} index {index} (line {self.line})"
                yield Record(where, self._value())
                index += 1
                following = self._peek()
                self.pos += 1
                if following == "]":
                    break
                if following != ",":
                    self._fail(f"expected ',' or ']' after index {index - 1}")
        if self._peek() is not None:
            self._fail("unexpected content after the array")

    def sequence(self) -> Iterator[Record]:
        while self._peek() is not None:
            where = f"{self.path} line {self.line}"
            yield Record(where, self._value())

    def _value(self) -> Any:
        if self._peek() is None:
            self._fail("the file ends where a value was expected")
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self._fill():
                    continue
                line = self.line + self.buffer.count("\n", self.pos, exc.pos)
                raise InvalidInput(
                    f"{self.path} line {line}: not valid JSON ({exc.msg});"
                    " the file cannot be read past this point"
                ) from None
            # A number cut by the chunk edge decodes as a shorter number: only trust a value
            # that something follows, or one at the very end of the file.
            if end == len(self.buffer) and self._fill():
                continue
            self.line += self.buffer.count("\n", self.pos, end)
            self.pos = end
            return value

    def _peek(self) -> str | None:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _WHITESPACE:
                if self.buffer[self.pos] == "\n":
                    self.line += 1
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._fill():
                return None

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            self._fail(f"expected {char!r}")
        self.pos += 1

    def _fill(self) -> bool:
        if self.eof:
            return False
        if len(self.buffer) - self.pos > MAX_RECORD_CHARS:
            self._fail(f"a record over {MAX_RECORD_CHARS} characters, or a value never closed")
        chunk = self.stream.read(CHUNK_CHARS)
        if not chunk:
            self.eof = True
            return False
        if not chunk.isascii() and MARK in chunk:
            before = self.buffer[self.pos :] + chunk[: chunk.index(MARK)]
            self.line += before.count("\n")
            self._fail(problem(self.encoding) + "; the file cannot be read past this point")
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def _fail(self, reason: str) -> NoReturn:
        raise InvalidInput(f"{self.path} line {self.line}: {reason}")
