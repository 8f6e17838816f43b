"""The matcher: plates, patterns, look-alikes, alternatives, states, agencies and time."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateward.hotlist.matcher import (
    ListRule,
    Matcher,
    MatchKind,
    ReadToMatch,
    Watch,
    fold,
)
from plateward.search.likeness import lookalike_swaps

NOW = 1_800_000_000.0
CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def watch(entry_id: int, plate: str, *, list_id: int = 1, state: str | None = None,
          starts_at: float | None = None, expires_at: float | None = None) -> Watch:  # fmt: skip
    return Watch(entry_id, list_id, plate, state, starts_at, expires_at)


def matcher(*watches: Watch, max_swaps: int = 2, **rule: object) -> Matcher:
    lists = [ListRule(1, agency_id=1, **rule), ListRule(2, agency_id=2)]  # type: ignore[arg-type]
    return Matcher(lists, watches, max_swaps=max_swaps)


def kinds(found: list) -> list[tuple[int, str]]:  # type: ignore[type-arg]
    return [(m.entry_id, m.kind.value) for m in found]


@pytest.mark.parametrize(
    ("entry", "read", "expected"),
    [
        ("7ABC123", "7ABC123", MatchKind.EXACT),
        ("7B3*", "7B3XY99", MatchKind.PATTERN),
        ("7B3*", "7B3", MatchKind.PATTERN),
        ("*KX?9*", "4KXA9ZZ", MatchKind.PATTERN),
        ("*KX?9*", "KXZ9", MatchKind.PATTERN),
        ("7??C123", "7ABC123", MatchKind.PATTERN),
        ("7??C123", "7ABC1234", None),
        ("7B3*", "17B3XY", None),
        ("*KX?9*", "4KXA8ZZ", None),
        ("7ABC123", "7ABC128", None),
    ],
)
def test_plates_and_patterns(entry: str, read: str, expected: MatchKind | None) -> None:
    found = matcher(watch(1, entry)).match(ReadToMatch(read), NOW)
    assert [m.kind for m in found] == ([expected] if expected else [])


def test_an_alternative_reading_matches_and_says_so() -> None:
    found = matcher(watch(1, "7ABC123")).match(ReadToMatch("7ABC128", ["7ABC123"]), NOW)
    assert len(found) == 1
    assert found[0].via_alternative and found[0].read_text == "7ABC123"


def test_the_plate_itself_is_preferred_over_an_alternative() -> None:
    found = matcher(watch(1, "7ABC123")).match(ReadToMatch("7ABC123", ["7ABC123"]), NOW)
    assert [(m.read_text, m.via_alternative) for m in found] == [("7ABC123", False)]


def test_alternatives_are_looked_up_as_plates_not_as_patterns() -> None:
    m = matcher(watch(1, "7ABC12*"), watch(2, "8OB1234"), tolerant=True)
    assert m.match(ReadToMatch("5XYZ999", ["7ABC124", "B0B1234"]), NOW) == []


def test_lookalikes_only_on_tolerant_lists_and_name_the_differences() -> None:
    strict = matcher(watch(1, "8OB1234")).match(ReadToMatch("B0B1234"), NOW)
    assert strict == []
    tolerant = matcher(watch(1, "8OB1234"), tolerant=True).match(ReadToMatch("B0B1234"), NOW)
    assert kinds(tolerant) == [(1, "lookalike")]
    assert tolerant[0].differing == (0, 1)


def test_lookalikes_stop_at_the_configured_number_of_swaps() -> None:
    m = matcher(watch(1, "8OB1234"), tolerant=True)
    assert m.match(ReadToMatch("B0B1Z34"), NOW) == []  # three swaps, two allowed
    assert m.match(ReadToMatch("B0X1234"), NOW) == []  # X is no look-alike of B


def test_one_swap_by_default() -> None:
    m = Matcher([ListRule(1, 1, tolerant=True)], [watch(1, "7ABC123")])
    assert kinds(m.match(ReadToMatch("7A8C123"), NOW)) == [(1, "lookalike")]  # B read as 8
    assert m.match(ReadToMatch("7A8C1Z3"), NOW) == []  # and 2 read as Z: two swaps


def test_a_list_turned_tolerant_later_gets_its_lookalikes() -> None:
    m = matcher(watch(1, "8OB1234"))
    m.set_list(ListRule(1, agency_id=1, tolerant=True))
    assert kinds(m.match(ReadToMatch("B0B1234"), NOW)) == [(1, "lookalike")]


@pytest.mark.parametrize(
    ("entry_state", "region", "confidence", "matches"),
    [
        ("CA", "us-ca", 0.95, True),
        ("CA", "us-nv", 0.95, False),
        ("CA", "us-nv", 0.5, True),  # a doubtful guess never hides a hit
        ("CA", "us", 0.95, True),  # a group names no state
        (None, "us-nv", 0.95, True),
        ("CA", None, None, True),
        ("CA", "us-nv", None, False),  # a vendor's region without a score is taken as known
    ],
)
def test_states_must_agree_when_both_are_known(
    entry_state: str | None, region: str | None, confidence: float | None, matches: bool
) -> None:
    m = matcher(watch(1, "7ABC123", state=entry_state))
    found = m.match(ReadToMatch("7ABC123", region=region, region_confidence=confidence), NOW)
    assert bool(found) is matches


def test_a_list_may_ignore_states() -> None:
    m = matcher(watch(1, "7ABC123", state="CA"), state_must_agree=False)
    assert m.match(ReadToMatch("7ABC123", region="us-nv", region_confidence=0.99), NOW)


def test_entries_count_between_their_start_and_expiry_only() -> None:
    m = matcher(
        watch(1, "7ABC123", starts_at=NOW + 60),
        watch(2, "7ABC123", expires_at=NOW),
        watch(3, "7ABC123", starts_at=NOW - 60, expires_at=NOW + 60),
    )
    assert kinds(m.match(ReadToMatch("7ABC123"), NOW)) == [(3, "exact")]


def test_a_camera_matches_its_own_agencys_lists_and_the_shared_ones() -> None:
    m = Matcher(
        [ListRule(1, agency_id=1), ListRule(2, agency_id=2), ListRule(3, 3, all_agencies=True)],
        [watch(1, "7ABC123", list_id=1), watch(2, "7ABC123", list_id=2),
         watch(3, "7ABC123", list_id=3)],
    )  # fmt: skip
    assert [x.entry_id for x in m.match(ReadToMatch("7ABC123", agency_id=2), NOW)] == [2, 3]
    assert [x.entry_id for x in m.match(ReadToMatch("7ABC123"), NOW)] == [1, 2, 3]


def test_inactive_and_stale_lists_do_not_match() -> None:
    m = Matcher(
        [ListRule(1, 1, active=False), ListRule(2, 1, stale_after=NOW - 1)],
        [watch(1, "7ABC123", list_id=1), watch(2, "7ABC123", list_id=2)],
    )
    assert m.match(ReadToMatch("7ABC123"), NOW) == []


def test_put_replaces_and_remove_forgets() -> None:
    m = matcher(watch(1, "7ABC123"), watch(2, "7B3*"))
    m.put(watch(1, "8XYZ999"))
    m.remove(2)
    assert m.match(ReadToMatch("7ABC123"), NOW) == []
    assert m.match(ReadToMatch("7B3ZZZ"), NOW) == []
    assert kinds(m.match(ReadToMatch("8XYZ999"), NOW)) == [(1, "exact")]
    assert len(m) == 1
    assert m.worth_matching(["7ABC123", "7B3ZZZ", "1ZZZ111"], [[], [], ["8XYZ999"]]) == [2]


def test_fold_puts_every_lookalike_pair_under_one_key() -> None:
    from plateward.recognition.confusions import CONFUSABLE

    for a, alikes in CONFUSABLE.items():
        for b in alikes:
            assert fold(a) == fold(b), (a, b)


plates = st.text(CHARS, min_size=2, max_size=8)
patterns = st.lists(st.sampled_from([*CHARS, "?", "*"]), min_size=3, max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(patterns, min_size=1, max_size=30), read=plates)
def test_patterns_match_exactly_as_a_regular_expression_would(
    entries: list[str], read: str
) -> None:
    usable = [p for p in entries if sum(c not in "?*" for c in p) >= 1]
    m = matcher(*(watch(i, p) for i, p in enumerate(usable, 1)))
    expected = sorted(
        i for i, p in enumerate(usable, 1)
        if re.fullmatch(p.replace("?", ".").replace("*", ".*"), read)
    )  # fmt: skip
    assert [x.entry_id for x in m.match(ReadToMatch(read), NOW)] == expected


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(plates, min_size=1, max_size=30), read=plates)
def test_lookalike_matches_are_exactly_the_rules_matches(entries: list[str], read: str) -> None:
    m = matcher(*(watch(i, p) for i, p in enumerate(entries, 1)), tolerant=True, max_swaps=2)
    expected = sorted(
        i for i, p in enumerate(entries, 1)
        if p == read or (lookalike_swaps(read, p) or 0) in (1, 2)
    )  # fmt: skip
    assert [x.entry_id for x in m.match(ReadToMatch(read), NOW)] == expected


LOOKALIKE = str.maketrans("0OD8B5S2Z1I", "O0083S5Z2I1")


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(st.one_of(plates, patterns), min_size=1, max_size=30),
    data=st.data(),
    tolerant=st.booleans(),
)
def test_the_batch_screen_passes_every_read_that_matches(
    entries: list[str], data: st.DataObject, tolerant: bool
) -> None:
    """``worth_matching`` may pass reads that match nothing, never skip one that matches.

    Reads are random plates, the entries themselves, and the entries with look-alike
    characters swapped, so every index the screen consults has reads that hit it.
    """
    usable = [p for p in entries if sum(c not in "?*" for c in p) >= 1]
    m = matcher(*(watch(i, p) for i, p in enumerate(usable, 1)), tolerant=tolerant)
    near = st.sampled_from(entries).map(lambda p: p.replace("?", "A").replace("*", "7"))
    text = st.one_of(plates, near, near.map(lambda p: p.translate(LOOKALIKE)))
    reads = data.draw(st.lists(st.tuples(text, st.lists(text, max_size=2)), min_size=1,
                               max_size=20))  # fmt: skip
    matching = [
        i for i, (plate, alternatives) in enumerate(reads)
        if m.match(ReadToMatch(plate, alternatives), NOW)
    ]  # fmt: skip
    passed = m.worth_matching([p for p, _ in reads], [a for _, a in reads])
    assert set(matching) <= set(passed)
    assert passed == sorted(set(passed))


def test_the_batch_screen_skips_reads_that_share_no_key() -> None:
    m = matcher(watch(1, "7ABC123"), watch(2, "8XY*"), watch(3, "*KQ7?"))
    plates = ["7ABC123", "5ZZZ555", "8XY0001", "1KQ72", "6DEF456"]
    assert m.worth_matching(plates, [[], ["7ABC123"], [], [], []]) == [0, 1, 2, 3]


def test_fixed_length_and_anchored_patterns_pass_only_reads_they_match() -> None:
    """Keyed by what they fix at their places, not by a piece a read may hold anywhere: the
    screen meets no read that shares only a piece (one plate in eight did, for ``7A?C234``)."""
    m = matcher(watch(1, "7A?C234"), watch(2, "7ABC2*"), watch(3, "*X9Q"))
    plates = ["7AXC234", "9ZZC234", "7ABC299", "17ABC29", "12X9Q", "X9Q12"]
    assert m.worth_matching(plates, [[] for _ in plates]) == [0, 2, 4]
    assert [kinds(m.match(ReadToMatch(p), NOW)) for p in plates] == [
        [(1, "pattern")], [], [(2, "pattern")], [], [(3, "pattern")], [],
    ]  # fmt: skip


def test_patterns_of_more_shapes_than_are_keyed_by_place_still_match() -> None:
    """Past ``MAX_SHAPES`` shapes, patterns fall back to pieces, and removing some frees
    their shapes for the next."""
    from plateward.hotlist.matcher import MAX_SHAPES

    wild = [(i, j) for i in range(8) for j in range(i + 1, 8)][: MAX_SHAPES + 8]
    texts = ["".join("?" if k in w else c for k, c in enumerate("ABCD1234")) for w in wild]
    m = matcher(*(watch(n, t) for n, t in enumerate(texts, 1)))
    assert len(m.match(ReadToMatch("ABCD1234"), NOW)) == len(texts)
    for n in range(1, 11):
        m.remove(n)
    m.put(watch(99, "ZZ?Z99"))
    assert [x.entry_id for x in m.match(ReadToMatch("ABCD1234"), NOW)] == list(
        range(11, len(texts) + 1)
    )
    assert kinds(m.match(ReadToMatch("ZZAZ99"), NOW)) == [(99, "pattern")]
    assert m.worth_matching(["ZZAZ99", "ZZAZ98"], [[], []]) == [0]


def _instance(pattern: str, fill: str) -> str:
    """A plate the pattern matches: each ``?`` and ``*`` filled from ``fill``."""
    out, k = [], 0
    for c in pattern:
        if c == "?":
            out.append(fill[k % len(fill)])
            k += 1
        elif c == "*":
            out.append(fill[k % len(fill) : k % len(fill) + 2])
            k += 2
        else:
            out.append(c)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(patterns, min_size=1, max_size=30),
    fills=st.lists(st.text(CHARS, min_size=1, max_size=4), min_size=1, max_size=8),
    removed=st.sets(st.integers(1, 30), max_size=10),
)
def test_reads_made_from_the_patterns_match_exactly_as_a_regular_expression_would(
    entries: list[str], fills: list[str], removed: set[int]
) -> None:
    """Reads the patterns themselves produce, so every index (whole, head, tail, piece) is
    hit, after some entries were removed; the screen passes every read that matches."""
    usable = [p for p in entries if sum(c not in "?*" for c in p) >= 1]
    m = matcher(*(watch(i, p) for i, p in enumerate(usable, 1)))
    for i in removed:
        m.remove(i)
    kept = {i: p for i, p in enumerate(usable, 1) if i not in removed}
    reads = [_instance(p, f) for p in usable for f in fills]
    for read in reads:
        expected = sorted(
            i for i, p in kept.items()
            if re.fullmatch(p.replace("?", ".").replace("*", ".*"), read)
        )  # fmt: skip
        assert [x.entry_id for x in m.match(ReadToMatch(read), NOW)] == expected, read
    matching = [i for i, r in enumerate(reads) if m.match(ReadToMatch(r), NOW)]
    assert set(matching) <= set(m.worth_matching(reads, [[] for _ in reads]))
