"""Synthetic hot lists for the benchmarks: plates and partial-plate patterns, as files or rows.

Plates follow California's common 1ABC234 layout. Patterns are the partial plates a witness
gives (``7ABC2*``, ``*ABC2?4*``, ``7A?C234``): five or six known characters, so each alerts on
a sliver of traffic as real ones do. A list of a million entries with ten thousand patterns is
the size of the NCIC vehicle extract for a large state.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
REASONS = ("STOLEN VEHICLE", "STOLEN LICENSE PLATE", "FELONY VEHICLE", "WANTED PERSON")


def plate(rng: random.Random) -> str:
    return (
        str(rng.randint(1, 9))
        + "".join(rng.choice(LETTERS) for _ in range(3))
        + f"{rng.randint(0, 999):03d}"
    )


def pattern(rng: random.Random) -> str:
    full = plate(rng)
    kind = rng.random()
    if kind < 0.4:
        return full[:5] + "*"
    if kind < 0.7:
        return "*" + full[1:5] + "?" + full[6] + "*"
    return full[:2] + "?" + full[3:]


def entries(count: int, patterns: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """``count`` (plate or pattern, reason) pairs, ``patterns`` of them patterns, no repeats."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        text = pattern(rng) if len(seen) < patterns else plate(rng)
        if text not in seen:
            seen.add(text)
            yield text, rng.choice(REASONS)


def write_csv(path: Path, count: int, patterns: int, seed: int = 7) -> Path:
    """An NCIC-style CSV (LIC, LIS, MKE, OCA, ORI, VMA, VCO), CRLF line ends."""
    with path.open("w", encoding="latin-1", newline="") as handle:
        handle.write("LIC,LIS,MKE,OCA,ORI,VMA,VCO\r\n")
        for k, (text, reason) in enumerate(entries(count, patterns, seed)):
            state = "" if "*" in text or "?" in text else "CA"
            handle.write(f"{text},{state},{reason},26-{k:06d},CA0340000,TOYT,BLK\r\n")
    return path
