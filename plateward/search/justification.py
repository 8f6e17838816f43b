"""Why a search is run: a case number, a reason, or both, before any read is looked at.

Policy requires every query of ALPR data to name its purpose, and the access log (a later part)
records it beside the query. A purpose that says nothing ("test", "n/a", "asdf") defeats the
log as surely as an empty one, so the common placeholders are refused here, where the search
starts, rather than discovered in an audit months later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
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


def _is_placeholder(text: str) -> bool:
    core = _NOT_ALNUM.sub("", text.lower())
    # "...", "-", "?", "xxxx", "0000" and the like: no letters or digits, or one of them repeated.
    return core in PLACEHOLDERS or len(set(core)) <= 1
