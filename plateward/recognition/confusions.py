"""Characters a plate reader mistakes for one another, and the corrections they allow.

Plate fonts make some letters and digits nearly identical (0/O/D/Q, 1/I, 8/B, 5/S, 2/Z, 6/G,
4/A). When the reader is unsure of such a character and the plate's format wants the other kind
(a digit where it read a letter), the look-alike is the likely truth. These corrections are only
proposed where the reader's own per-character confidence is low, and each costs the doubt the
reader expressed, so a confident character is never rewritten because a format would prefer it.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

PLATE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

CONFUSION_CLASSES: tuple[str, ...] = (
    "0ODQU",
    "1IJLT7",
    "2Z",
    "5S",
    "8B3",
    "6GC",
    "4A",
    "4L",
    "WMNHV",
    "VYU",
    "EF",
    "PR",
    "KX",
)
"""Groups of characters that look alike in plate fonts, at plate resolutions."""

SUBSTITUTION_SHARE = 0.5
"""Share of a character's doubt (1 - confidence) given to its look-alikes."""

UNCERTAIN_BELOW = 0.9
"""Characters read with less confidence than this may be corrected or dropped."""

_NON_PLATE = re.compile(r"[^A-Z0-9]")


def _build_confusable() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {c: set() for c in PLATE_CHARS}
    for group in CONFUSION_CLASSES:
        for char in group:
            table[char].update(g for g in group if g != char)
    return {c: frozenset(v) for c, v in table.items()}


CONFUSABLE: dict[str, frozenset[str]] = _build_confusable()
"""For each plate character, the characters it is often mistaken for."""


@dataclass(frozen=True)
class Candidate:
    """A correction of a reading: the new plate, what changed, and what the change costs."""

    plate: str
    char_confidences: tuple[float, ...]
    log_penalty: float
    """log of the probability the reader left for this correction (0 for the reading itself)."""
    edits: int


def normalise(text: str) -> str:
    """Plate text as A-Z0-9: accents stripped, upper-cased, everything else dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return _NON_PLATE.sub("", ascii_only.upper())


def confusable(a: str, b: str) -> bool:
    """Whether two characters are look-alikes (a character is not its own look-alike)."""
    return b in CONFUSABLE.get(a, frozenset())


def kind_flips(char: str) -> tuple[str, ...]:
    """The look-alikes of a character that are of the other kind (digit for letter or back)."""
    return tuple(sorted(c for c in CONFUSABLE.get(char, ()) if c.isdigit() != char.isdigit()))


def corrections(
    plate: str,
    char_confidences: Sequence[float],
    *,
    uncertain_below: float = UNCERTAIN_BELOW,
    max_edits: int = 2,
    allow_drop: bool = True,
) -> list[Candidate]:
    """The reading itself plus its plausible corrections, each with its cost.

    A correction swaps an uncertain character for a look-alike of the other kind (the only swaps
    a format can tell apart), or drops one uncertain character (a frame bolt, an emblem or a
    sticker read as a character). Every candidate differs from the reading only at positions
    read with confidence below ``uncertain_below``.
    """
    confs = _confidences(plate, char_confidences)
    out = [Candidate(plate, confs, 0.0, 0)]
    uncertain = [i for i, c in enumerate(confs) if c < uncertain_below]
    options: list[list[tuple[int, str, float]]] = []
    for i in uncertain:
        doubt = max(1.0 - confs[i], 1e-6)
        flips = kind_flips(plate[i])
        options.append(
            [(i, alt, math.log(doubt * SUBSTITUTION_SHARE / len(flips))) for alt in flips]
        )
    for edits in range(1, max_edits + 1):
        for chosen in itertools.combinations(range(len(options)), edits):
            for combo in itertools.product(*(options[k] for k in chosen)):
                chars = list(plate)
                new_confs = list(confs)
                penalty = 0.0
                for i, alt, log_p in combo:
                    chars[i] = alt
                    new_confs[i] = 1.0 - confs[i]
                    penalty += log_p
                out.append(Candidate("".join(chars), tuple(new_confs), penalty, edits))
    if allow_drop and len(plate) > 1:
        for i in uncertain:
            doubt = max(1.0 - confs[i], 1e-6)
            out.append(
                Candidate(
                    plate[:i] + plate[i + 1 :],
                    confs[:i] + confs[i + 1 :],
                    math.log(doubt * SUBSTITUTION_SHARE),
                    1,
                )
            )
    return out


def _confidences(plate: str, char_confidences: Sequence[float]) -> tuple[float, ...]:
    """Per-character confidences, or full confidence when the reader gave none that fit."""
    if len(char_confidences) != len(plate):
        return (1.0,) * len(plate)
    return tuple(min(max(float(c), 0.0), 1.0) for c in char_confidences)
