"""From a reader's hypotheses to one plate: weigh what was read against what plates look like.

Each hypothesis (and each correction of it that ``confusions`` allows at the characters the
reader doubted) is scored by

    log P(text | image) + correction cost + FORMAT_WEIGHT * log P(layout)

where P(text | image) is the reader's probability and P(layout) the format prior of
``formats``. Hypotheses that spell the same plate (O and 0 being one character) pool their
probability. The weight is below 1 because the reader's probabilities are over-confident and the
prior is rough; 0.5 was best on the dev set and the results barely move between 0.35 and 0.7.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from plateward.recognition import confusions, formats
from plateward.recognition.region import guess_region, region_from_text
from plateward.recognition.types import Alternative, Reading

FORMAT_WEIGHT = 0.5
MIN_PLATE_CHARS = 2
MAX_PLATE_CHARS = 10


@dataclass(frozen=True)
class Choice:
    plate: str
    raw_text: str
    confidence: float
    char_confidences: tuple[float, ...]
    alternatives: tuple[Alternative, ...]
    region: str | None
    region_confidence: float


@dataclass
class _Pooled:
    """Everything that spells one plate: its total weight and its best single derivation."""

    weight: float
    best_score: float
    plate: str
    char_confidences: tuple[float, ...]


def choose_plate(
    readings: Sequence[Reading],
    max_alternatives: int,
    context_text: Sequence[str] = (),
    regions: Sequence[str] = formats.REGION_GROUPS,
) -> Choice | None:
    """The most likely plate among the readings of one crop, or None if nothing plate-like.

    ``context_text``: other text read on the plate (a state's name weighs its formats).
    ``regions``: where plates may come from; a deployment that only sees one country can pass
    e.g. ("us",) to sharpen the prior.
    """
    named = region_from_text(context_text)
    # A named state's formats weigh half, its group's the other half: the state tables list
    # current series only, and a plate of an older or unlisted one must not read as vanity.
    prior_regions: Sequence[str] = (
        tuple(dict.fromkeys((named, formats.region_group(named)))) if named else regions
    )
    scored: list[tuple[float, str, tuple[float, ...]]] = []
    prior_cache: dict[str, float] = {}
    read_mass = 0.0
    for reading in readings:
        text = confusions.normalise(reading.text)
        if not text or reading.confidence <= 0:
            continue
        read_mass += reading.confidence
        log_read = math.log(reading.confidence)
        for cand in confusions.corrections(text, reading.char_confidences):
            if not MIN_PLATE_CHARS <= len(cand.plate) <= MAX_PLATE_CHARS:
                continue
            if cand.plate not in prior_cache:
                prior_cache[cand.plate] = formats.log_prior(cand.plate, prior_regions)
            score = log_read + cand.log_penalty + FORMAT_WEIGHT * prior_cache[cand.plate]
            scored.append((score, cand.plate, cand.char_confidences))
    if not scored:
        return None
    top_score = max(s for s, _, _ in scored)
    pooled: dict[str, _Pooled] = {}
    for score, plate, confs in scored:
        _pool(pooled, plate, confs, score - top_score)
    ranked = sorted(pooled.values(), key=lambda p: -p.weight)
    total = sum(p.weight for p in ranked)
    scale = min(1.0, read_mass) / total

    def spelled(p: _Pooled) -> str:
        fitted = formats.best_fit(p.plate, prior_regions)
        return formats.spell_for_layout(p.plate, fitted.layout) if fitted.standard else p.plate

    best = ranked[0]
    plate = spelled(best)
    region, region_confidence = guess_region(plate, context_text, prior_regions)
    alternatives = tuple(
        Alternative(spelled(p), round(p.weight * scale, 6))
        for p in ranked[1 : 1 + max(0, max_alternatives)]
    )
    return Choice(
        plate=plate,
        raw_text=confusions.normalise(readings[0].text) if readings else "",
        confidence=best.weight * scale,
        char_confidences=best.char_confidences,
        alternatives=alternatives,
        region=region,
        region_confidence=region_confidence,
    )


def _pool(pooled: dict[str, _Pooled], plate: str, confs: tuple[float, ...], score: float) -> None:
    key = plate.replace("O", "0")
    weight = math.exp(score)
    entry = pooled.get(key)
    if entry is None:
        pooled[key] = _Pooled(weight, score, plate, confs)
        return
    entry.weight += weight
    if score > entry.best_score:
        entry.best_score, entry.plate, entry.char_confidences = score, plate, confs
