"""Partial plate patterns: ``?`` is exactly one unknown character, ``*`` any run (even none).

Witnesses remember fragments ("starts 7B3", "KX and a 9 near the end"), so the pattern language
is the familiar shell one rather than SQL's: ``7B3*`` and ``*KX?9*``. Patterns are checked to
hold only plate characters and wildcards before they become a LIKE pattern, so a ``%`` or ``_``
typed by a user can never reach SQL as a wildcard of its own.
"""

from __future__ import annotations

import re

from plateward.errors import InvalidInput
from plateward.store.schema import PLATE_MAX_CHARS

ONE = "?"
ANY = "*"
LIKE_ESCAPE = "\\"
MAX_PATTERN_CHARS = 2 * PLATE_MAX_CHARS

_SEPARATORS = re.compile(r"[\s\-.]")
_ALLOWED = re.compile(r"[A-Z0-9?*]*")
_RUNS = re.compile(r"\*+")


def normalise_pattern(text: str) -> str:
    """The pattern upper-cased, separators dropped and ``**`` collapsed; refused if unusable."""
    pattern = _RUNS.sub(ANY, _SEPARATORS.sub("", text.upper()))
    if not _ALLOWED.fullmatch(pattern):
        bad = sorted({c for c in pattern if not (c.isascii() and (c.isalnum() or c in "?*"))})
        raise InvalidInput(
            f"pattern {text!r}: only letters, digits, ? (one character) and * (any run) are"
            f" allowed, not {' '.join(bad)}"
        )
    if not pattern.strip(ONE + ANY):
        raise InvalidInput(f"pattern {text!r}: needs at least one known letter or digit")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise InvalidInput(f"pattern {text!r}: longer than {MAX_PATTERN_CHARS} characters")
    return pattern


def like_pattern(pattern: str) -> str:
    """The SQL LIKE equivalent of a normalised pattern, for use with ``ESCAPE '\\'``."""
    out: list[str] = []
    for char in pattern:
        if char == ONE:
            out.append("_")
        elif char == ANY:
            out.append("%")
        elif char in "%_" + LIKE_ESCAPE:
            out.append(LIKE_ESCAPE + char)
        else:
            out.append(char)
    return "".join(out)


def has_wildcard(pattern: str) -> bool:
    return ONE in pattern or ANY in pattern
