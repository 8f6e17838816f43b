"""Fuse the reads of one vehicle pass into a single read.

A plate seen in many frames is read many times, and single frames go wrong in different places
(motion blur on one, a partly hidden character on another, one extra character at the edge).
Voting character by character, weighted by the reader's confidence, recovers the plate more
often than trusting the single most confident frame. Readings of a different length are aligned
to the consensus by edit distance so that a dropped or extra character does not shift every
vote after it.

All functions here are pure and order-independent: the same readings in any order fuse to the
same result.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from plateward.recognition.types import Alternative, PlateRead, Reading

MIN_WEIGHT = 1e-6
"""A reading with zero confidence still counts, barely, so that its votes break no ties."""


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions all cost 1."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(a: str, b: str) -> float:
    """1.0 for equal plates, 0.0 for plates with nothing in common (by edit distance)."""
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


def align(reference: str, text: str) -> list[int | None]:
    """For each character of ``reference``, the index of the character of ``text`` aligned to it.

    None where ``text`` has no character there (it was dropped). Characters of ``text`` that
    align to nothing (extra ones) are left out. Among alignments of equal cost, substitutions
    are preferred to a deletion plus an insertion, so equal-length texts align position by
    position unless a shift is clearly cheaper.
    """
    n, m = len(reference), len(text)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i][j] = min(
                cost[i - 1][j - 1] + (reference[i - 1] != text[j - 1]),
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
            )
    mapping: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] != text[j - 1]):
            mapping[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return mapping


def _char_weights(reading: Reading) -> tuple[float, ...]:
    if len(reading.char_confidences) == len(reading.text):
        return tuple(max(c, MIN_WEIGHT) for c in reading.char_confidences)
    return (max(reading.confidence, MIN_WEIGHT),) * len(reading.text)


def _vote(reference: str, readings: Sequence[Reading]) -> list[dict[str, float]]:
    """Per position of ``reference``, the summed weight of each character aligned there."""
    votes: list[dict[str, float]] = [defaultdict(float) for _ in reference]
    for reading in readings:
        weights = _char_weights(reading)
        for position, index in enumerate(align(reference, reading.text)):
            if index is not None:
                votes[position][reading.text[index]] += weights[index]
    return votes


def _winner(votes: dict[str, float]) -> str:
    # Highest weight; ties go to the smaller character so the result never depends on order.
    return min(votes, key=lambda ch: (-votes[ch], ch))


def _canonical(readings: Sequence[Reading]) -> list[Reading]:
    return sorted(
        (r for r in readings if r.text),
        key=lambda r: (-r.confidence, r.text, r.char_confidences),
    )


def fuse_readings(readings: Sequence[Reading]) -> Reading | None:
    """One reading from many of the same plate, by confidence-weighted character voting.

    The length is the one with the most summed confidence; the consensus of the readings of
    that length is the reference every reading is aligned to; each position then takes the
    character with the most weight. A character's confidence is its weight divided by the
    number of readings (so unanimous readings keep their confidence and a split vote lowers
    it); the plate's confidence is each reading's confidence times the share of the plate it
    agrees with, averaged. None when no reading has text.
    """
    usable = _canonical(readings)
    if not usable:
        return None
    by_length: dict[int, float] = defaultdict(float)
    for r in usable:
        by_length[len(r.text)] += max(r.confidence, MIN_WEIGHT)
    length = min(by_length, key=lambda n: (-by_length[n], -n))
    same_length = [r for r in usable if len(r.text) == length]
    provisional = _positional_consensus(same_length, length)
    votes = _vote(provisional, usable)
    plate = "".join(_winner(v) if v else provisional[i] for i, v in enumerate(votes))
    count = len(usable)
    char_confidences = tuple(
        (v.get(ch, 0.0) if v else 0.0) / count for ch, v in zip(plate, votes, strict=True)
    )
    agreement = 0.0
    for r in usable:
        mapping = align(plate, r.text)
        matches = sum(
            1 for pos, idx in enumerate(mapping) if idx is not None and r.text[idx] == plate[pos]
        )
        agreement += r.confidence * matches / max(len(plate), len(r.text))
    return Reading(text=plate, confidence=agreement / count, char_confidences=char_confidences)


def _positional_consensus(readings: Sequence[Reading], length: int) -> str:
    votes: list[dict[str, float]] = [defaultdict(float) for _ in range(length)]
    for reading in readings:
        for position, (ch, weight) in enumerate(zip(reading.text, _char_weights(reading))):
            votes[position][ch] += weight
    return "".join(_winner(v) for v in votes)


def fuse_reads(reads: Sequence[PlateRead], alternatives: int) -> PlateRead | None:
    """One read for a whole vehicle pass, carrying the crop of its best frame.

    The best frame is the most confident read that agrees with the fused plate (the frame in
    which the reader saw that text most clearly), then the larger box; with none agreeing, the
    most confident read. Its crop, box, frame index and timestamp are kept; the plate, the
    confidences, the alternatives and the region come from all the reads.
    """
    with_text = [r for r in reads if r.plate]
    fused = fuse_readings([_as_reading(r) for r in with_text])
    if fused is None:
        return None
    agreeing = [r for r in with_text if r.plate == fused.text] or with_text
    best = min(agreeing, key=_best_frame_key)
    region, region_confidence = _vote_region(with_text)
    return dataclasses.replace(
        best,
        plate=fused.text,
        confidence=fused.confidence,
        char_confidences=fused.char_confidences,
        alternatives=_alternatives(with_text, fused.text, alternatives),
        region=region,
        region_confidence=region_confidence,
        frames_seen=len(with_text),
    )


def _as_reading(read: PlateRead) -> Reading:
    return Reading(
        text=read.plate, confidence=read.confidence, char_confidences=read.char_confidences
    )


def _best_frame_key(read: PlateRead) -> tuple[float, int, int, bytes]:
    x1, y1, x2, y2 = read.box
    area = (x2 - x1) * (y2 - y1)
    frame = read.frame_index if read.frame_index is not None else 0
    return (-read.confidence, -area, frame, read.crop_jpeg)


def _alternatives(reads: Sequence[PlateRead], plate: str, limit: int) -> tuple[Alternative, ...]:
    """Other plates the pass was read as, scored by their share of the summed confidence."""
    scores: dict[str, float] = defaultdict(float)
    for read in reads:
        scores[read.plate] += read.confidence
        for alt in read.alternatives:
            scores[alt.plate] += alt.confidence
    scores.pop(plate, None)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return tuple(Alternative(p, s / len(reads)) for p, s in ranked)


def _vote_region(reads: Sequence[PlateRead]) -> tuple[str | None, float]:
    scores: dict[str | None, float] = defaultdict(float)
    for read in reads:
        scores[read.region] += read.region_confidence
    region = min(scores, key=lambda r: (-scores[r], r or ""))
    if region is None:
        return None, 0.0
    return region, scores[region] / len(reads)
