"""Tolerant search: misreads found and ranked, look-alikes above other edits."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.justification import Justification
from plateward.search.likeness import MAX_EDITS, allowed_edits, edit_patterns, is_tolerant_match
from plateward.search.tolerant import search_tolerant, tolerant_keys
from plateward.store.plate_index import lookup_groups

AddRead = Callable[..., uuid.UUID]
ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def test_lookalikes_outrank_other_edits(
    engine: Engine, add_read: AddRead, why: Justification, t0: dt.datetime
) -> None:
    plates = {
        "7ABC123": "the plate itself",
        "7A8C123": "B read as 8",
        "7A8C1Z3": "two look-alikes",
        "7ABX123": "one other edit",
        "7BC12": "two deletions",
        "XYBC123": "two other edits",
        "7ABC1234X": "two insertions",
        "TA8CIZ3": "four look-alikes: too many",
        "XYZC123": "three other edits: too many",
        "9QRS555": "unrelated",
    }
    for plate in plates:
        add_read(plate)
    add_read("7A8C123", at=t0 + dt.timedelta(hours=1))

    hits = search_tolerant(engine, "7ABC123", justification=why)

    found = [h.plate for h in hits]
    assert set(found) == {
        "7ABC123",
        "7A8C123",
        "7A8C1Z3",
        "7ABX123",
        "7BC12",
        "XYBC123",
        "7ABC1234X",
    }
    assert found[:4] == ["7ABC123", "7A8C123", "7A8C123", "7A8C1Z3"]
    assert found.index("7A8C1Z3") < found.index("XYBC123")  # a look-alike pair beats 2 edits
    assert found.index("7ABX123") < found.index("XYBC123")  # one edit beats two
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert scores[0] == 1.0
    assert hits[1].captured_at > hits[2].captured_at  # equal scores: newest first


def test_limit_keeps_the_best_and_filters_apply(
    engine: Engine, add_read: AddRead, why: Justification
) -> None:
    add_read("XYBC123")
    add_read("7ABX123")
    add_read("7A8C123", camera="POLE-2")
    add_read("7ABC123", confidence=0.3)

    best = search_tolerant(engine, "7ABC123", justification=why, filters=Filters(limit=2))
    assert [h.plate for h in best] == ["7ABC123", "7A8C123"]
    sure = search_tolerant(
        engine, "7ABC123", justification=why, filters=Filters(min_confidence=0.5)
    )
    assert [h.plate for h in sure] == ["7A8C123", "7ABX123", "XYBC123"]
    pole2 = search_tolerant(
        engine, "7ABC123", justification=why, filters=Filters(cameras=("POLE-2",))
    )
    assert [h.plate for h in pole2] == ["7A8C123"]
    strict = search_tolerant(engine, "7ABC123", justification=why, max_edits=0)
    assert [h.plate for h in strict] == ["7ABC123", "7A8C123"]
    with pytest.raises(InvalidInput, match="max edits 3"):
        search_tolerant(engine, "7ABC123", justification=why, max_edits=3)


def test_a_limit_inside_a_score_keeps_that_scores_newest_reads(
    engine: Engine, add_read: AddRead, why: Justification, t0: dt.datetime
) -> None:
    # Two look-alikes of one score, their reads interleaved in time, cut by the limit after
    # the plate's own two reads: the cut takes the newest of both plates, not all of one.
    for hours in (0, 1):
        add_read("7ABC123", at=t0 + dt.timedelta(hours=hours))
    for hours, plate in enumerate(["7A8C123", "7ABC1Z3", "7A8C123", "7ABC1Z3", "7A8C123"]):
        add_read(plate, at=t0 + dt.timedelta(hours=10 + hours))
    add_read("7ABX123", at=t0 + dt.timedelta(hours=30))  # newer, but a worse score

    hits = search_tolerant(engine, "7ABC123", justification=why, filters=Filters(limit=5))

    assert [h.plate for h in hits] == ["7ABC123", "7ABC123", "7A8C123", "7ABC1Z3", "7A8C123"]
    assert [h.captured_at for h in hits[2:]] == [
        t0 + dt.timedelta(hours=14),
        t0 + dt.timedelta(hours=13),
        t0 + dt.timedelta(hours=12),
    ]
    # What the web pages keep of the same search: the same reads, scores and order.
    ranked = tolerant_keys(engine, "7ABC123", justification=why, filters=Filters(limit=5))
    assert ranked == [(h.id, h.captured_at, h.score) for h in hits]


def test_every_index_path_finds_exactly_the_tolerant_matches(
    engine: Engine, add_read: AddRead, why: Justification
) -> None:
    # Misreads of a few plates with edits at every position, ends included, so each lookup
    # path (a known start, a known end, a known start after one or two unknown characters,
    # the pieces in the middle) has matches and near-misses to tell apart; the search must
    # agree with the rule applied to every stored plate. The five-character query has
    # patterns with no two known characters side by side ("K_Q_X"), which no index narrows:
    # PostgreSQL's scan of every plate. The plate of digits alone has patterns whose ranges
    # are all too wide ("48_259_"), which go to the pieces.
    rng = random.Random(5)
    queries = ["7ABC123", "HKJ493", "8LHG5924", "K7Q2X", "4825917"]
    paths = set()
    for query in queries:
        exact, wild = edit_patterns(query, allowed_edits(query, MAX_EDITS))
        paths |= {group["via"] for group in lookup_groups(wild, exact)}
    assert paths == {"start", "end", "from2", "from3", "pieces", "all", "exact"}
    stored: set[str] = set()
    for query in queries:
        for _ in range(60):
            plate = list(query)
            for _ in range(rng.randint(1, 3)):
                k = rng.randrange(len(plate) + 1)
                edit = rng.choice("sid")
                if edit == "s" and k < len(plate):
                    plate[k] = rng.choice(ALPHABET)
                elif edit == "i":
                    plate.insert(k, rng.choice(ALPHABET))
                elif k < len(plate) and len(plate) > 3:
                    del plate[k]
            stored.add("".join(plate))
    stored.update(queries)
    for plate in sorted(stored):
        add_read(plate)
    for query in queries:
        hits = search_tolerant(engine, query, justification=why, filters=Filters(limit=1000))
        expected = {p for p in stored if is_tolerant_match(query, p, MAX_EDITS)}
        assert {h.plate for h in hits} == expected, query
        assert len(expected) > 20  # the edits above leave many within reach, and many not
        assert len(stored) - len(expected) > 20
