"""Why a search is run: a case number, a reason, or both, before any read is looked at.

Policy requires every query of ALPR data to name its purpose (A.9), and the access log records
it beside the query. A purpose that says nothing defeats the log as surely as an empty one, so
it is refused here, where the search starts, rather than discovered in an audit months later:

* Text is compared after folding: Unicode NFKC, then the confusables skeleton of Unicode
  TR39 (``disarm``), so a Cyrillic ``теѕт`` or a full-width ``ｔｅｓｔ`` is the placeholder
  it looks like.
* A placeholder ("test", "n/a", "asdf", "xxxx", keyboard runs, a word repeated, a placeholder
  with digits after it) is refused as a case number or a reason.
* A reason given without a case number must name something specific: at least two words of
  content, not counting filler ("the", "for") or words that fit every search ("routine",
  "check", "investigation", "lorem ipsum"). The refusal says which words did not count.
* Case numbers must have the agency's format (``purpose.py`` checks ``access.case_number_*``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from disarm import skeleton_key

from plateward.errors import InvalidInput

MIN_REASON_CHARS = 4
MAX_REASON_CHARS = 500
MAX_CASE_CHARS = 64

PLACEHOLDERS = frozenset(
    {
        "",
        "test",
        "tests",
        "testing",
        "na",
        "none",
        "nil",
        "null",
        "asdf",
        "asd",
        "qwerty",
        "xxx",
        "tbd",
        "todo",
        "abc",
        "abcd",
        "foo",
        "bar",
        "foobar",
        "blah",
        "nothing",
        "reason",
        "noreason",
        "unknown",
        "whatever",
        "search",
    }
)
"""Texts, reduced to lower-case letters and digits, that say nothing about a search's purpose."""

GENERIC_WORDS = frozenset(
    [
        "routine",
        "check",
        "checks",
        "checking",
        "checked",
        "investigation",
        "investigations",
        "investigate",
        "investigating",
        "investigative",
        "because",
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "info",
        "information",
        "lookup",
        "look",
        "looking",
        "query",
        "search",
        "searching",
        "searched",
        "purpose",
        "purposes",
        "work",
        "job",
        "official",
        "business",
        "police",
        "law",
        "enforcement",
        "patrol",
        "general",
        "random",
        "misc",
        "stuff",
        "thing",
        "things",
        "something",
        "reason",
        "reasons",
        "case",
        "cases",
        "followup",
        "follow",
        "up",
        "verify",
        "verification",
        "plate",
        "plates",
        "vehicle",
        "car",
        "just",
        "need",
        "needed",
        "per",
        "request",
        "requested",
        "see",
        "seen",
        "data",
        "alpr",
        "lpr",
        "hit",
    ]
)
"""Words that fit any search, so they say nothing about this one."""

FILLER_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "my",
        "our",
        "we",
        "i",
        "me",
        "as",
        "from",
        "into",
        "about",
        "re",
        "please",
        "thanks",
        "ok",
    ]
)

MIN_CONTENT_WORDS = 2
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "abcdefghijklmnopqrstuvwxyz")

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_WORD = re.compile(r"[a-z0-9]+")
_REPEATED = re.compile(r"^(.+?)\1+$")
_TRAILING_DIGITS = re.compile(r"\d+$")
_EXAMPLE = "e.g. --case 24-001873 or --reason 'robbery suspect vehicle seen on Main St'"


@dataclass(frozen=True)
class Justification:
    """A search's purpose; built only from a real case number or reason, else ``InvalidInput``."""

    case_number: str | None
    reason: str | None

    def __post_init__(self) -> None:
        case = _clean(self.case_number)
        reason = _clean(self.reason)
        if case is None and reason is None:
            raise InvalidInput(f"justification: give a case number or a reason ({_EXAMPLE})")
        for name, text in (("case number", case), ("reason", reason)):
            if text is not None and any(ord(c) < 32 or ord(c) == 127 for c in text):
                raise InvalidInput(
                    f"justification: the {name} holds control characters (such as NUL);"
                    " type it again"
                )
        if case is not None:
            if len(case) > MAX_CASE_CHARS:
                raise InvalidInput(
                    f"justification: case number is {len(case)} characters, over {MAX_CASE_CHARS}"
                )
            if _is_placeholder(case):
                raise InvalidInput(
                    f"justification: case number {case!r} is a placeholder; give the real one"
                )
        if reason is not None:
            if len(reason) > MAX_REASON_CHARS:
                raise InvalidInput(
                    f"justification: reason is {len(reason)} characters, over {MAX_REASON_CHARS}"
                )
            if len(reason) < MIN_REASON_CHARS or _is_placeholder(reason):
                raise InvalidInput(
                    f"justification: reason {reason!r} is a placeholder; say why this search"
                    f" is needed ({_EXAMPLE})"
                )
            if case is None:
                require_content(reason)
        object.__setattr__(self, "case_number", case)
        object.__setattr__(self, "reason", reason)


def require_justification(justification: object) -> Justification:
    """Check a search's justification again at the search itself, whoever built it.

    The dataclass validates itself when built, but a caller may pass ``None`` or an object
    patched after construction; every search calls this first so none can run without one.
    """
    if not isinstance(justification, Justification):
        raise InvalidInput(f"justification: a search needs a case number or a reason ({_EXAMPLE})")
    return Justification(justification.case_number, justification.reason)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = " ".join(text.split())
    return stripped or None


def fold(text: str) -> str:
    """What ``text`` looks like, for comparing: NFKC, then the TR39 confusables skeleton."""
    return str(skeleton_key(unicodedata.normalize("NFKC", text)))


def require_content(reason: str, counted_before: int = 0) -> None:
    """Refuse a reason with fewer than two words of content (``counted_before`` add to them)."""
    words = _WORD.findall(fold(reason))
    content = [w for w in words if is_content_word(w)]
    if counted_before + len(content) >= MIN_CONTENT_WORDS:
        return
    generic = [w for w in words if w not in content and w not in FILLER_WORDS]
    said = f" ({', '.join(repr(w) for w in generic)} fit any search)" if generic else ""
    raise InvalidInput(
        f"justification: reason {reason!r} does not say what this search is for{said}; name"
        " something specific in at least two words: the offense, a place, a vehicle, a person,"
        " or give the case number"
    )


def is_content_word(word: str) -> bool:
    """A folded word that says something: not filler, generic, a placeholder or keyboard junk."""
    if word in FILLER_WORDS or word in GENERIC_WORDS or _is_placeholder(word):
        return False
    if not any(c.isalpha() for c in word):
        return False  # a number alone names nothing
    if len(word) < 3 and not any(c.isdigit() for c in word):
        return False
    return not _is_junk(word)


def _is_junk(word: str) -> bool:
    if _REPEATED.match(word) and len(word) >= 4:
        return True
    if len(word) >= 4 and any(word in row or word in row[::-1] for row in KEYBOARD_ROWS):
        return True
    stem = _TRAILING_DIGITS.sub("", word)
    return stem != word and (stem in PLACEHOLDERS or stem in GENERIC_WORDS)


def _is_placeholder(text: str) -> bool:
    core = _NOT_ALNUM.sub("", fold(text))
    # "...", "-", "?", "xxxx", "0000" and the like: no letters or digits, or one of them repeated.
    if core in PLACEHOLDERS or len(set(core)) <= 1:
        return True
    return _is_junk(core) and len(_WORD.findall(fold(text))) == 1
