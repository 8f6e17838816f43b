"""How often the engine names a US plate's state, and how often rightly, on crops labelled by state.

    python bench/plate_state.py [--threads 2] [--limit N] [--no-docs]

Reads ``openalpr-dev/us_plate_crops`` of ../shared/data (or PLATEWARD_SHARED_DATA; skips with a
message when absent): 375 crops of US plates, each labelled with its state. Each crop is read by
``Engine.read_crop`` with ``plate_regions = ("us",)``, once with ``read_state`` on (the state's
name read from the words on the plate) and once off (the state guessed from the plate's format
alone), and the read's region compared with the label. A state named wrongly is the costly
error: with ``hotlist.state_confidence`` at its default a hot-list entry of the true state would
not alert on that read, so the bench counts the wrong states named at or above that confidence.
The word reader's own time per crop is timed too (median), and what reading the words adds to
the engine's time per US whole image (``paired_cost``; only the time is kept of those reads,
which are the recognizer's test). A full run updates its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout, installed or not
    sys.path.insert(0, str(REPO))

import cv2
import numpy as np

from bench.docs_section import machine_description, replace_section
from plateward.recognition.engine import Engine
from plateward.recognition.evaluate import plates_match
from plateward.recognition.interfaces import Image
from plateward.recognition.plate_words import PlateWordReader
from plateward.settings import HotlistSettings, RecognitionSettings

LABELS = "openalpr-dev/us_plate_crops/labels.csv"
IMAGE_LABELS = "openalpr-dev/labels.csv"


def shared_data_folder() -> Path:
    configured = os.environ.get("PLATEWARD_SHARED_DATA")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


class TimedWords:
    """Stands in for the engine's word reader and keeps how long each call took (ms)."""

    def __init__(self, inner: PlateWordReader) -> None:
        self.inner = inner
        self.times_ms: list[float] = []

    def words(self, crops: Sequence[Image]) -> list[tuple[str, ...]]:
        started = time.perf_counter()
        try:
            return self.inner.words(crops)
        finally:
            self.times_ms.append((time.perf_counter() - started) * 1000)


def score(engine: Engine, rows: Sequence[dict[str, str]], folder: Path) -> dict[str, float]:
    """Counts over the crops: read right, a state named, named right, named wrong and sure."""
    sure_at = HotlistSettings().state_confidence
    counts = dict.fromkeys(("crops", "plate_right", "named", "named_right", "wrong_sure"), 0)
    timed = TimedWords(engine.words) if engine.words is not None else None
    engine.words = timed  # type: ignore[assignment]
    for row in rows:
        image = cv2.imread(str(folder / row["image"]))
        if image is None:
            raise SystemExit(f"{folder / row['image']}: cannot read image")
        read = engine.read_crop(np.asarray(image, dtype=np.uint8), row["image"])
        state = "us-" + row["state"].strip().lower()
        counts["crops"] += 1
        if read is None:
            continue
        counts["plate_right"] += plates_match(row["plate"], read.plate)
        named = read.region if read.region and read.region.startswith("us-") else None
        if named is None:
            continue
        counts["named"] += 1
        counts["named_right"] += named == state
        counts["wrong_sure"] += named != state and read.region_confidence >= sure_at
    result: dict[str, float] = dict(counts)
    if timed is not None and timed.times_ms:
        result["words_ms_median"] = round(statistics.median(timed.times_ms), 1)
    return result


def paired_cost(threads: int, folder: Path, limit: int | None) -> dict[str, float]:
    """Per US whole image, the engine's time with the words read and without, in turn.

    One engine, its word reader switched on and off image by image (which first alternates),
    so both see the same host: on a shared 2-core machine the detector's own time drifts by
    a quarter between runs minutes apart, more than the words cost.
    """
    engine = Engine.from_settings(
        RecognitionSettings(threads=threads, plate_regions=("us",), read_state=True)
    )
    words = engine.words
    with (folder / IMAGE_LABELS).open(newline="", encoding="utf-8") as handle:
        names = sorted({r["image"] for r in csv.DictReader(handle) if r["region"] == "us"})
    on: list[float] = []
    off: list[float] = []
    for number, name in enumerate(names[:limit]):
        image = cv2.imread(str(folder / "openalpr-dev" / "us" / name))
        if image is None:
            raise SystemExit(f"{name}: cannot read image")
        plain = np.asarray(image, dtype=np.uint8)
        for with_words in (True, False) if number % 2 else (False, True):
            engine.words = words if with_words else None
            started = time.perf_counter()
            engine.read_image(plain, name)
            (on if with_words else off).append((time.perf_counter() - started) * 1000)
    return {
        "images": len(on),
        "on": statistics.median(on),
        "off": statistics.median(off),
        "extra": statistics.median(a - b for a, b in zip(on, off, strict=True)),
    }


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads per model")
    parser.add_argument("--limit", type=int, default=None, help="at most N crops")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    folder = shared_data_folder()
    labels = folder / LABELS
    if not labels.is_file():
        print(f"{labels}: not found; nothing to measure", file=sys.stderr)
        return 0
    with labels.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[: args.limit]
    results = {}
    for read_state in (True, False):
        settings = RecognitionSettings(
            threads=args.threads, plate_regions=("us",), read_state=read_state
        )
        results[read_state] = score(Engine.from_settings(settings), rows, labels.parent)
    sure_at = HotlistSettings().state_confidence
    columns = ("crops", "plate right", "state named", "named right", f"wrong at >= {sure_at}")
    table = [
        "| state from | " + " | ".join(columns) + " | words p50 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for read_state, r in results.items():
        how = "the words on the plate, else the format" if read_state else "the format alone"
        table.append(
            f"| {how} | {r['crops']:.0f} | {r['plate_right']:.0f} | {r['named']:.0f} | "
            f"{r['named_right']:.0f} | {r['wrong_sure']:.0f} | "
            f"{r.get('words_ms_median', 'n/a')} |"
        )
    cost = paired_cost(args.threads, folder, args.limit)
    table += [
        "",
        "| US whole images | median ms, words read | not read | median of the difference |",
        "|---|---|---|---|",
        f"| {cost['images']:.0f} | {cost['on']:.0f} | {cost['off']:.0f} | {cost['extra']:.1f} |",
    ]
    print("\n".join(table))
    if args.no_docs or args.limit is not None:
        return 0
    replace_section(
        "bench/plate_state.py",
        [
            "## The plate's state (bench/plate_state.py)",
            "",
            f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            f"- Command: `{' '.join(['python bench/plate_state.py', *argv])}`",
            f"- Machine: {machine_description()}",
            "",
            *table,
            "",
            "The crops of `us_plate_crops`, each labelled with its state, read by",
            '`Engine.read_crop` with `plate_regions = ("us",)`. A state is named when the read\'s',
            "region is a state (`us-ca`), not the group: from a name read on the plate at",
            "confidence 0.9, else from a format only one state issues at 0.6 at most. Wrong at",
            ">= 0.8 counts the wrong states named at least as sure as `hotlist.state_confidence`:",
            "those would hide a hot-list entry's hit. Plate right counts O and 0 as one character;",
            "the crops' training four-fifths trained the tuned recogniser, so it is no test of",
            "that. The words are read by PP-OCR's own recogniser, which no crop trained. The",
            "second table is the engine's time per US whole image with the words read and not,",
            "in turn image by image in one process (what those reads say is not scored here).",
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
