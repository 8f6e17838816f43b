"""How alike two plates are, and which plates are alike enough to be worth fetching.

A tolerant search finds the reads a camera may have got wrong. Two kinds of mistake are covered:

- look-alike swaps (0/O/D/Q, 1/I/L/7, 2/Z, 5/S, 8/B, 6/G and the rest of
  ``recognition.confusions``): the usual OCR error, so up to ``MAX_LOOKALIKE_SWAPS`` of them;
- up to two edits of any kind (a character changed, dropped or added), the Levenshtein distance.

Candidates are generated here and looked up by the database (exact plates with ``IN``, edits as
LIKE patterns with ``_``), so no search ever streams the whole reads table through Python. The
likeness score charges a look-alike swap a quarter of an ordinary edit, so a plate that differs
by one look-alike ranks above one that differs by a different letter.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator

from plateward.recognition.confusions import CONFUSABLE, confusable

LOOKALIKE_COST = 0.25
"""Cost of swapping a character for its look-alike, where any other edit costs 1."""

MAX_LOOKALIKE_SWAPS = 3
MAX_EDITS = 2
MAX_VARIANTS = 5000
"""Cap on look-alike variants looked up; fewer swaps are generated first."""

WILD = "_"


def edit_cost(a: str, b: str) -> float:
    """Weighted Levenshtein distance: look-alike swaps cost ``LOOKALIKE_COST``, other edits 1.

    Two plates of one length compared character by character cost what their swaps cost,
    and when that is at most 2 no other alignment is cheaper: any other drops a character
    and adds one, 2 already. Most of a tolerant search's candidates are such plates, and the
    table below cost 37 us a plate: scoring the candidates of 60 searches at ten million reads
    took 2.21 -> 0.45 ms median, 3.74 -> 1.18 p95 (72 plates a search at the median).
    """
    if len(a) == len(b):
        cost = sum(_swap_costs(ca).get(cb, 1.0) for ca, cb in zip(a, b, strict=True))
        if cost <= 2:
            return cost
    return _table_cost(a, b)


def _table_cost(a: str, b: str) -> float:
    previous = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        costs = _swap_costs(ca)
        current = [float(i)]
        for j, cb in enumerate(b, 1):
            swap = costs.get(cb, 1.0)
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + swap))
        previous = current
    return previous[-1]


@functools.cache
def _swap_costs(char: str) -> dict[str, float]:
    """What replacing ``char`` by each character costs, where it is not 1: one dictionary
    lookup per cell of ``edit_cost``'s table instead of a comparison and a set lookup (the
    scoring of a tolerant search's 80 candidate plates took 3.5 ms)."""
    return {**dict.fromkeys(CONFUSABLE.get(char, ()), LOOKALIKE_COST), char: 0.0}


def edit_count(a: str, b: str) -> int:
    """Plain Levenshtein distance: characters changed, dropped or added."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def lookalike_swaps(a: str, b: str) -> int | None:
    """How many look-alike swaps turn ``a`` into ``b``; None if anything else differs."""
    if len(a) != len(b):
        return None
    swaps = 0
    for ca, cb in zip(a, b, strict=True):
        if ca != cb:
            if not confusable(ca, cb):
                return None
            swaps += 1
    return swaps


def allowed_edits(query: str, max_edits: int = MAX_EDITS) -> int:
    """Edits allowed for a query: short plates get fewer, or every short read would match."""
    return max(0, min(max_edits, (len(query) - 1) // 2))


def is_tolerant_match(query: str, plate: str, max_edits: int = MAX_EDITS) -> bool:
    """The tolerant search's rule, stated once: what the candidates below are generated for."""
    if edit_count(query, plate) <= allowed_edits(query, max_edits):
        return True
    swaps = lookalike_swaps(query, plate)
    return swaps is not None and swaps <= MAX_LOOKALIKE_SWAPS


def likeness(query: str, plate: str) -> float:
    """1.0 for the plate itself, falling with the weighted edits relative to the plate length."""
    longest = max(len(query), len(plate), 1)
    return round(max(0.0, 1.0 - edit_cost(query, plate) / longest), 6)


def lookalike_variants(query: str, max_swaps: int = MAX_LOOKALIKE_SWAPS) -> list[str]:
    """The query and the plates made from it by up to ``max_swaps`` look-alike swaps."""
    out = [query]
    for swaps in range(1, max_swaps + 1):
        for positions in itertools.combinations(range(len(query)), swaps):
            choices = [sorted(CONFUSABLE.get(query[p], ())) for p in positions]
            for combo in itertools.product(*choices):
                chars = list(query)
                for p, c in zip(positions, combo, strict=True):
                    chars[p] = c
                out.append("".join(chars))
                if len(out) >= MAX_VARIANTS:
                    return out
    return out


def edit_patterns(query: str, max_edits: int) -> tuple[list[str], list[str]]:
    """Exact plates and LIKE patterns (``_`` = any one character) that together match every
    plate within ``max_edits`` edits of the query, and nothing further than that.

    A pattern that another pattern already covers (``7B_123`` inside ``7B__23``) is dropped, so
    a seven-character query at two edits needs about a hundred patterns rather than five hundred.
    """
    shapes = {query}
    frontier = {query}
    for _ in range(max_edits):
        frontier = {edited for shape in frontier for edited in _one_edit(shape)}
        shapes |= frontier
    shapes.discard("")
    # Every shape holds at most ``max_edits`` wildcards, so a shape is covered by another only
    # if replacing a few more of its characters by ``_`` gives that other shape.
    kept = [
        shape
        for shape in shapes
        if not any(wider in shapes for wider in _widened(shape, max_edits - shape.count(WILD)))
    ]
    return sorted(s for s in kept if WILD not in s), sorted(s for s in kept if WILD in s)


def _one_edit(shape: str) -> Iterator[str]:
    for i in range(len(shape) + 1):
        yield shape[:i] + WILD + shape[i:]
        if i < len(shape):
            yield shape[:i] + shape[i + 1 :]
            yield shape[:i] + WILD + shape[i + 1 :]


def _widened(shape: str, extra: int) -> Iterator[str]:
    """The shape with 1 to ``extra`` more of its characters replaced by the wildcard."""
    known = [i for i, c in enumerate(shape) if c != WILD]
    for count in range(1, extra + 1):
        for positions in itertools.combinations(known, count):
            chars = list(shape)
            for i in positions:
                chars[i] = WILD
            yield "".join(chars)
