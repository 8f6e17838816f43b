"""Which reader to make the default, decided on the held-out training crops, never the test set.

    python bench/reader_holdout.py [--readers rapidocr-tuned,plateward,plateward+rapidocr,rapidocr]
        [--no-docs]

The plate readers trained here (PP-OCR's recogniser tuned on plates, the reader trained from
scratch, and the latter fused with PP-OCR) and PP-OCR itself are compared on the fifth of each
real crop set that training holds out (``plateward/training/crops.py``: us-crops, eu and br boxes,
ar-crops), each through ``Engine.read_crop`` with ``plate_regions`` set to the set's region.
The US whole images (the final test, bench/recognition.py) are not read here. Prints exact
match per set, the mean over the sets, and the precision of reads at >= 0.9 confidence; a run
without --no-docs writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.docs_section import machine_description, replace_section
from plateward.recognition.engine import Engine
from plateward.settings import RecognitionSettings
from plateward.training.crops import cut, default_label_files, load_all

REGIONS = {"us-crops": "us", "eu": "eu", "br": "br", "ar-crops": "ar"}
READERS = ("rapidocr-tuned", "plateward", "plateward+rapidocr", "rapidocr")
ALERT_CONFIDENCE = 0.9


def score(reader: str, data: Path) -> dict[str, tuple[float, float | None, int]]:
    """Per set: exact-match share, precision at >= 0.9 confidence, and the set's size."""
    engine = Engine.from_settings(RecognitionSettings(threads=2, reader=reader))
    held_out = [c for c in load_all(default_label_files(data)) if c.holdout]
    results: dict[str, tuple[float, float | None, int]] = {}
    for source, region in REGIONS.items():
        crops = [c for c in held_out if c.source == source]
        engine.settings = engine.settings.model_copy(update={"plate_regions": (region,)})
        right, sure, sure_right = 0, 0, 0
        for crop in crops:
            image = crop.load()
            if crop.box is not None:
                image = cut(image, crop.box)
            read = engine.read_crop(image, crop.path.name)
            ok = read is not None and read.plate.replace("O", "0") == crop.plate.replace("O", "0")
            right += ok
            if read is not None and read.confidence >= ALERT_CONFIDENCE:
                sure += 1
                sure_right += ok
        precision = sure_right / sure if sure else None
        results[source] = (right / max(len(crops), 1), precision, len(crops))
    return results


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    configured = os.environ.get("PLATEWARD_SHARED_DATA")
    data = Path(configured) if configured else REPO.parent / "shared" / "data"
    if not (data / "openalpr-dev" / "labels.csv").is_file():
        print(f"shared data not found at {data}: nothing to compare (skipped)")
        return 0
    readers = [r for r in args.readers.split(",") if r]
    header = ["reader", *(f"{s} (n)" for s in REGIONS), "mean", "precision at >= 0.9"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for reader in readers:
        results = score(reader, data)
        mean = sum(share for share, _, _ in results.values()) / len(results)
        sure = [p for _, p, _ in results.values() if p is not None]
        cells = [reader] + [f"{share:.3f} ({n})" for share, _, n in results.values()]
        cells += [f"{mean:.3f}", f"{min(sure):.3f} (lowest set)" if sure else "n/a"]
        lines.append("| " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    if not args.no_docs:
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        replace_section(
            "bench/reader_holdout.py",
            [
                "## Reader choice on the held-out crops (bench/reader_holdout.py)",
                "",
                f"- Date: {when}; machine: {machine_description()}",
                f"- Command: `python bench/reader_holdout.py {' '.join(argv)}`",
                "",
                *lines,
                "",
                "Exact match (O and 0 one character) on the fifth of each real crop set that",
                "training never saw, read with `plate_regions` set to the set's region; the",
                "default reader is the one with the best mean. The US test images are not used.",
            ],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
