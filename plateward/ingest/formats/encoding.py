"""Which text encoding a file from another system is in, and its lines decoded with it.

Exports from Windows consoles come in Windows-1252 or Latin-1, JSON from agents in UTF-8 (with
or without a byte-order mark), some tools write UTF-16. The encoding is, in order: the one the
user gives (``--encoding``); the one a byte-order mark declares; UTF-16 when every other byte
of the head is zero; UTF-8 when the whole file decodes as UTF-8 (checked once, in chunks, at
disk speed); otherwise the guess of charset-normalizer over the bytes around the first place
UTF-8 fails. A guess that decodes those bytes to the same text as Windows-1252 is taken as
Windows-1252, the encoding of most such exports.

A byte that the chosen encoding cannot decode never crashes an import: decoding marks it, and
the line it is on becomes a numbered bad record (``--skip-bad`` steps over it).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

import charset_normalizer

from plateward.errors import InvalidInput

MARK = "\ud800"
"""What an undecodable byte becomes: a lone surrogate, which no correct decoding produces."""
ERRORS = "plateward-mark"
SCAN_BYTES = 1 << 20
SAMPLE_BYTES = 1 << 16
CANDIDATES = (
    "cp1252", "latin_1", "iso8859_15", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257",
    "mac_roman", "cp437", "cp850", "koi8_r", "shift_jis", "gb18030", "big5", "euc_kr",
)  # fmt: skip
"""What charset-normalizer may choose among: single-byte Western, Central European and
Cyrillic code pages and the common East Asian ones. Unrestricted, it read a short Cyrillic
sample as Korean."""
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _mark(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return MARK, error.end


codecs.register_error(ERRORS, _mark)


@dataclass(frozen=True)
class Encoding:
    name: str
    """A Python codec name."""
    how: str
    """How it was chosen, for messages: given, byte-order mark, detected."""

    def __str__(self) -> str:
        """As people name it: a file read as ``utf-8-sig`` (which only tolerates a byte-order
        mark) is UTF-8 to whoever wrote it."""
        shown = "utf-8" if self.name == "utf-8-sig" else self.name
        return f"{shown} ({self.how})"


def choose_encoding(path: Path, given: str | None = None) -> Encoding:
    if given:
        try:
            return Encoding(_bom_tolerant(codecs.lookup(given.strip()).name), "given")
        except LookupError:
            raise InvalidInput(
                f"--encoding {given!r}: not an encoding Python knows (try utf-8, cp1252,"
                " latin-1, utf-16)"
            ) from None
    with path.open("rb") as stream:
        head = stream.read(SAMPLE_BYTES)
        for bom, name in _BOMS:
            if head.startswith(bom):
                return Encoding(name, "byte-order mark")
        wide = _utf16_without_bom(head)
        if wide is not None:
            return Encoding(wide, "detected")
        stream.seek(0)
        failed_at = _first_non_utf8(stream)
        if failed_at is None:
            return Encoding("utf-8-sig", "detected")
        stream.seek(max(0, failed_at - SAMPLE_BYTES // 2))
        sample = stream.read(SAMPLE_BYTES)
    return Encoding(_guess(path, sample), "detected")


def _bom_tolerant(name: str) -> str:
    """UTF-8 read as ``utf-8-sig``: the same text, and a byte-order mark is not a character."""
    return "utf-8-sig" if name == "utf-8" else name


def _utf16_without_bom(head: bytes) -> str | None:
    """Text that is mostly ASCII has a zero in every other byte when written as UTF-16."""
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even = head[0 : 2 * pairs : 2].count(0)
    odd = head[1 : 2 * pairs : 2].count(0)
    if odd > 0.6 * pairs and even < 0.1 * pairs:
        return "utf-16-le"
    if even > 0.6 * pairs and odd < 0.1 * pairs:
        return "utf-16-be"
    return None


def _first_non_utf8(stream: BinaryIO) -> int | None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while True:
        chunk = stream.read(SCAN_BYTES)
        final = not chunk
        if chunk and chunk.isascii() and not decoder.getstate()[0]:
            offset += len(chunk)
            continue
        try:
            decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            return max(0, offset + exc.start)
        if final:
            return None
        offset += len(chunk)


def _guess(path: Path, sample: bytes) -> str:
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(CANDIDATES)).best()
    if best is None:
        raise InvalidInput(
            f"{path}: the text is neither UTF-8 nor an encoding Plateward can tell;"
            " give it with --encoding (e.g. cp1252, latin-1, utf-16)"
        )
    name = codecs.lookup(best.encoding).name
    if name != "cp1252" and _same_text(sample, name, "cp1252"):
        return "cp1252"
    return name


def _same_text(sample: bytes, one: str, other: str) -> bool:
    try:
        return sample.decode(one) == sample.decode(other)
    except UnicodeDecodeError:
        return False


def open_text(path: Path, encoding: Encoding) -> TextIO:
    """The file as text; bytes the encoding cannot decode become ``MARK``."""
    return path.open(encoding=encoding.name, errors=ERRORS, newline="")


def undecodable(text: str) -> bool:
    return not text.isascii() and MARK in text


def problem(encoding: Encoding) -> str:
    return f"bytes that are not valid {encoding}; give --encoding"
