"""JSON files of records, read one record at a time whatever their shape.

Other systems write their reads three ways: one object per line (JSON lines, what agents and
webhook loggers append to), a single JSON array, or one object (perhaps pretty-printed). An
export can hold millions of reads, so none of them is ever read whole: JSON lines go line by
line, and an array or a run of objects is decoded value by value from a sliding buffer.

Only JSON lines can step over a line that is not JSON at all and carry on at the next one; in
an array or a pretty-printed file a syntax error leaves no safe place to resume, so it ends the
import even with ``--skip-bad``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn, TextIO

from plateward.errors import InvalidInput
from plateward.ingest.formats.records import Record

CHUNK_CHARS = 1 << 20
MAX_RECORD_CHARS = 64 << 20
"""A record larger than this is refused: it bounds memory when a file is cut off mid-value."""
_WHITESPACE = " \t\r\n"


def json_records(path: Path) -> Iterator[Record]:
    """Every top-level record in ``path``: array items, JSON lines, or concatenated objects."""
    with path.open(encoding="utf-8-sig") as stream:
        first = _first_char(stream)
        stream.seek(0)
        if first is None:
            return
        if first == "[":
            yield from _Values(stream, path).array()
            return
        lines = _parses_alone(stream.readline())
        stream.seek(0)
        if lines:
            yield from _lines(stream, path)
        else:
            yield from _Values(stream, path).sequence()


def _first_char(stream: TextIO) -> str | None:
    while True:
        chunk = stream.read(4096)
        if not chunk:
            return None
        stripped = chunk.lstrip(_WHITESPACE)
        if stripped:
            return stripped[0]


def _parses_alone(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _lines(stream: TextIO, path: Path) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            yield Record(where, json.loads(line))
        except json.JSONDecodeError as exc:
            yield Record(where, None, problem=f"not valid JSON: {exc.msg} at column {exc.colno}")


class _Values:
    """Decodes JSON values one after another from a buffer that holds only the current one."""

    def __init__(self, stream: TextIO, path: Path) -> None:
        self.stream = stream
        self.path = path
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
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def _fail(self, reason: str) -> NoReturn:
        raise InvalidInput(f"{self.path} line {self.line}: {reason}")
