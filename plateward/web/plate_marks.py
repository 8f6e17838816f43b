"""Which characters of a found plate differ from the plate searched, for highlighting.

A tolerant search finds plates a camera may have misread (8 for B, a dropped character); an
investigator must see at a glance where a hit departs from what was asked. The alignment is
the plain edit distance's: the characters of the found plate that are substituted or inserted
are marked; a deleted character shows as a mark between its neighbours.
"""

from __future__ import annotations

from markupsafe import Markup, escape


def differing(query: str, plate: str) -> list[bool]:
    """For each character of ``plate``: whether it differs from ``query`` in the best alignment."""
    rows, cols = len(query) + 1, len(plate) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            same = query[i - 1] == plate[j - 1]
            cost[i][j] = min(
                cost[i - 1][j] + 1, cost[i][j - 1] + 1, cost[i - 1][j - 1] + (0 if same else 1)
            )
    marks = [False] * len(plate)
    i, j = len(query), len(plate)
    while i > 0 or j > 0:
        if i > 0 and j > 0:
            same = query[i - 1] == plate[j - 1]
            if cost[i][j] == cost[i - 1][j - 1] + (0 if same else 1):
                marks[j - 1] = marks[j - 1] or not same
                i, j = i - 1, j - 1
                continue
        if j > 0 and cost[i][j] == cost[i][j - 1] + 1:
            marks[j - 1] = True
            j -= 1
        else:
            if marks:
                marks[max(j - 1, 0)] = True  # a character dropped here: mark its neighbour
            i -= 1
    return marks


def marked_plate(query: str, plate: str) -> Markup:
    """The plate with differing characters in ``<mark>``; a screen reader hears which ones."""
    marks = differing(query, plate)
    if not any(marks):
        return escape(plate)
    parts = [
        Markup("<mark>{}</mark>").format(c) if marked else escape(c)
        for c, marked in zip(plate, marks, strict=True)
    ]
    changed = sum(marks)
    note = Markup('<span class="visually-hidden"> ({} character{} differ from {})</span>').format(
        changed, "" if changed == 1 else "s", query
    )
    return Markup("").join(parts) + note
