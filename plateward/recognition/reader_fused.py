"""Two readers of one crop, fused: Plateward's plate reader and PP-OCR.

They fail differently (the plate reader knows plate layouts, stacked codes and emblems;
PP-OCR has read far more text of every kind), so each crop's hypotheses are pooled: a text's
probability is the mean of what the two readers gave it, and the character-by-character vote
of their best readings (``fusion.fuse_readings``, weighted by per-character confidence) joins
them as a hypothesis of its own, so a plate that each reader got partly right can still win.
"""

from __future__ import annotations

from collections.abc import Sequence

from plateward.recognition.fusion import fuse_readings
from plateward.recognition.interfaces import Image, Reader
from plateward.recognition.types import Reading


class FusedReader:
    def __init__(self, readers: Sequence[Reader], hypotheses: int = 8) -> None:
        self.readers = list(readers)
        self.hypotheses = hypotheses

    def read(self, crops: Sequence[Image]) -> list[list[Reading]]:
        per_reader = [reader.read(crops) for reader in self.readers]
        return [
            fuse_hypotheses([r[i] for r in per_reader], self.hypotheses) for i in range(len(crops))
        ]


def fuse_hypotheses(lists: Sequence[Sequence[Reading]], limit: int) -> list[Reading]:
    """One crop's hypotheses from several readers, best first (see the module docstring)."""
    share = 1.0 / max(len(lists), 1)
    pooled: dict[str, tuple[float, tuple[float, ...]]] = {}
    for readings in lists:
        for reading in readings:
            weight, confs = pooled.get(reading.text, (0.0, ()))
            better = _surer(confs, reading.char_confidences, len(reading.text))
            pooled[reading.text] = (weight + share * reading.confidence, better)
    best = [readings[0] for readings in lists if readings]
    if len(best) > 1:
        voted = fuse_readings(best)
        if voted is not None and voted.text not in pooled:
            pooled[voted.text] = (share * voted.confidence, voted.char_confidences)
    ranked = sorted(pooled.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [Reading(text, weight, confs) for text, (weight, confs) in ranked]


def _surer(a: tuple[float, ...], b: tuple[float, ...], length: int) -> tuple[float, ...]:
    """Per character, the higher of two readers' confidences in the same text."""
    if len(a) != length:
        return b
    if len(b) != length:
        return a
    return tuple(max(x, y) for x, y in zip(a, b, strict=True))
