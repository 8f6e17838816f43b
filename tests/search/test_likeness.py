"""Which plates a tolerant search looks for, and how it ranks them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateward.search.likeness import (
    allowed_edits,
    edit_cost,
    edit_count,
    edit_patterns,
    is_tolerant_match,
    likeness,
    lookalike_swaps,
    lookalike_variants,
)

PLATE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_a_lookalike_swap_is_cheaper_than_any_other_edit() -> None:
    assert edit_cost("7ABC123", "7ABC123") == 0
    assert edit_cost("7ABC123", "7A8C123") == 0.25  # B read as 8
    assert edit_cost("7ABC123", "7AXC123") == 1
    assert edit_cost("7ABC123", "7ABC12") == 1
    assert likeness("7ABC123", "7A8C123") > likeness("7ABC123", "7AXC123")
    assert likeness("7ABC123", "7A8C1Z3") > likeness("7ABC123", "7ABX12")
    assert likeness("7ABC123", "7ABC123") == 1.0


@pytest.mark.parametrize(
    ("query", "plate", "expected"),
    [
        ("7ABC123", "7ABC123", True),
        ("7ABC123", "7ABX123", True),  # one edit
        ("7ABC123", "7BC12", True),  # two deletions
        ("7ABC123", "7ABC1234X", True),  # two insertions
        ("7ABC123", "XYBC123", True),  # two substitutions
        ("7ABC123", "XYZC123", False),  # three ordinary edits
        ("7ABC123", "TA8CIZ3", False),  # four look-alike swaps is one too many
        ("7ABC123", "7A8CIZ3", True),  # three look-alike swaps
        ("ABC", "ABX", True),  # short plates: one edit ...
        ("ABC", "AXX", False),  # ... not two
    ],
)
def test_the_tolerance_rule(query: str, plate: str, expected: bool) -> None:
    assert is_tolerant_match(query, plate) is expected


def test_short_queries_allow_fewer_edits() -> None:
    assert [allowed_edits("A" * n) for n in range(1, 8)] == [0, 0, 1, 1, 2, 2, 2]
    assert allowed_edits("ABCDEFG", max_edits=1) == 1


def test_lookalike_variants_come_from_the_recognition_confusions() -> None:
    variants = set(lookalike_variants("B0"))
    assert {"B0", "80", "BO", "8O", "BD", "BQ", "30"} <= variants
    assert all(lookalike_swaps("B0", v) is not None for v in variants)


def _matches(pattern: str, plate: str) -> bool:
    return re.fullmatch(pattern.replace("_", "."), plate) is not None


def _edited(draw: st.DrawFn, plate: str, edits: int) -> str:
    chars = list(plate)
    for _ in range(edits):
        kind = draw(st.sampled_from(["sub", "ins", "del"] if chars else ["ins"]))
        at = draw(st.integers(0, len(chars) - (1 if kind != "ins" else 0)))
        if kind == "del":
            del chars[at]
        elif kind == "ins":
            chars.insert(at, draw(st.sampled_from(PLATE_CHARS)))
        else:
            chars[at] = draw(st.sampled_from(PLATE_CHARS))
    return "".join(chars)


@st.composite
def query_and_nearby(draw: st.DrawFn) -> tuple[str, str]:
    query = draw(st.text(alphabet=PLATE_CHARS, min_size=5, max_size=8))
    return query, _edited(draw, query, draw(st.integers(0, 2)))


@settings(max_examples=150, deadline=None)
@given(query_and_nearby())
def test_the_candidates_cover_every_plate_within_two_edits(pair: tuple[str, str]) -> None:
    query, plate = pair
    exact, wild = edit_patterns(query, 2)
    assert plate == "" or plate in exact or any(_matches(w, plate) for w in wild)


@settings(max_examples=150, deadline=None)
@given(
    query=st.text(alphabet="ABC12", min_size=3, max_size=6),
    plate=st.text(alphabet="ABC12X", max_size=8),
)
def test_the_candidates_match_nothing_further_than_the_edits_allow(query: str, plate: str) -> None:
    exact, wild = edit_patterns(query, 1)
    if plate in exact or any(_matches(w, plate) for w in wild):
        assert edit_count(query, plate) <= 1


def _weighted_levenshtein(a: str, b: str) -> float:
    """The definition, written out: the whole table for every pair of plates."""

    def swap(x: str, y: str) -> float:
        return 0.0 if x == y else 0.25 if lookalike_swaps(x, y) == 1 else 1.0

    table = [[float(i + j) if i == 0 or j == 0 else 0.0 for j in range(len(b) + 1)]
             for i in range(len(a) + 1)]  # fmt: skip
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(
                table[i - 1][j] + 1,
                table[i][j - 1] + 1,
                table[i - 1][j - 1] + swap(a[i - 1], b[j - 1]),
            )
    return table[-1][-1]


@settings(max_examples=300, deadline=None)
@given(
    a=st.text(alphabet="08BDOQ1I7AX", min_size=0, max_size=8),
    b=st.text(alphabet="08BDOQ1I7AX", min_size=0, max_size=8),
    same_length=st.booleans(),
)
def test_the_cost_is_the_weighted_edit_distance(a: str, b: str, same_length: bool) -> None:
    # Plates of one length take a shortcut (their swaps alone) when those cost 2 or less.
    if same_length:
        b = (b + a)[: len(a)]
    assert edit_cost(a, b) == pytest.approx(_weighted_levenshtein(a, b))
