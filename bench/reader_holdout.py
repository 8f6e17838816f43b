"""Which reader to make the default, decided on the held-out training crops, never the test set.

    python bench/reader_holdout.py [--readers rapidocr-tuned,plateward,plateward+rapidocr,rapidocr]
        [--tuned FILE,...] [--second-look T,...] [--read-state on,off] [--no-docs]

The plate readers trained here (PP-OCR's recogniser tuned on plates, the reader trained from
scratch, and the latter fused with PP-OCR) and PP-OCR itself are compared on the fifth of each
real crop set that training holds out (``plateward/training/crops.py``: us-crops, eu and br boxes,
ar-crops), each through ``Engine.read_crop`` with ``plate_regions`` set to the set's region.
``--tuned`` adds a row per recogniser file (a candidate from ``plateward reader tune`` or
``tune-export``), read as ``rapidocr-tuned`` with ``reader_model`` set to it.
``--second-look`` reads each rapidocr-tuned row once per threshold given
(``recognition.reader_second_look``: 0 never looks again, 1.01 always); without it, at the
setting's default. ``--read-state`` reads each row once per value given
(``recognition.read_state``: whether the state's name on the plate weighs its formats).

Each crop is read as it is, then degraded five ways with two fixed seeds each (shrunk to a
plate 45-70 px wide, blurred, shrunk and saved as a JPEG of quality 8-20, cut 2-9% tighter
on each side, darkened with noise). The held-out crops are few (133) and the readers read
nearly all of them, so two candidates often differ by a crop or none: the default is the
reader with the best mean as the crops are, and where two means are within one crop of each
other, the one with more degraded reads right. The US whole images (the final test,
bench/recognition.py) are not read here. A run without --no-docs writes its section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.docs_section import machine_description, replace_section
from plateward.recognition.engine import Engine
from plateward.recognition.evaluate import plates_match
from plateward.recognition.interfaces import Image
from plateward.settings import RecognitionSettings
from plateward.training.crops import LabeledCrop, cut, default_label_files, load_all

REGIONS = {"us-crops": "us", "eu": "eu", "br": "br", "ar-crops": "ar"}
READERS = ("rapidocr-tuned", "plateward", "plateward+rapidocr", "rapidocr")
ALERT_CONFIDENCE = 0.9
SEEDS = (7, 8)


def _shrunk(image: Image, rng: np.random.Generator) -> Image:
    h, w = image.shape[:2]
    scale = rng.uniform(45, 70) / w
    size = (max(8, round(w * scale)), max(4, round(h * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


def _blurred(image: Image, rng: np.random.Generator) -> Image:
    sigma = rng.uniform(1.5, 2.5) * image.shape[1] / 200
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), np.uint8)


def _jpeg(image: Image, rng: np.random.Generator) -> Image:
    quality = int(rng.uniform(8, 20))
    _, encoded = cv2.imencode(".jpg", _shrunk(image, rng), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR), np.uint8)


def _tight(image: Image, rng: np.random.Generator) -> Image:
    h, w = image.shape[:2]
    top, bottom, left, right = rng.uniform(0.02, 0.09, 4)
    return image[int(top * h) : h - int(bottom * h), int(left * w) : w - int(right * w)]


def _dark(image: Image, rng: np.random.Generator) -> Image:
    scaled = image.astype(np.float32) * rng.uniform(0.2, 0.35)
    return np.asarray((scaled + rng.normal(0, 10, image.shape)).clip(0, 255), np.uint8)


DEGRADATIONS: dict[str, Callable[[Image, np.random.Generator], Image]] = {
    "small": _shrunk,
    "blur": _blurred,
    "jpeg": _jpeg,
    "tight": _tight,
    "dark": _dark,
}


@dataclass
class Tally:
    right: int = 0
    reads: int = 0
    sure: int = 0
    sure_right: int = 0

    def add(self, right: bool, confidence: float | None) -> None:
        self.right += right
        self.reads += 1
        if confidence is not None and confidence >= ALERT_CONFIDENCE:
            self.sure += 1
            self.sure_right += right

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.right + other.right,
            self.reads + other.reads,
            self.sure + other.sure,
            self.sure_right + other.sure_right,
        )


@dataclass
class Score:
    as_is: dict[str, Tally] = field(default_factory=dict)
    """Per crop set, the crops as they are."""
    degraded: dict[str, Tally] = field(default_factory=dict)
    """Per degradation, every set's crops."""


def score(settings: RecognitionSettings, crops: Sequence[LabeledCrop]) -> Score:
    engine = Engine.from_settings(settings)
    result = Score()
    for source, region in REGIONS.items():
        engine.settings = engine.settings.model_copy(update={"plate_regions": (region,)})
        tally = result.as_is.setdefault(source, Tally())
        for number, crop in enumerate(c for c in crops if c.source == source):
            image = crop.load()
            if crop.box is not None:
                image = cut(image, crop.box)
            tally.add(*_check(engine, image, crop))
            for seed in SEEDS:
                rng = np.random.default_rng([seed, number, len(source)])
                for name, degrade in DEGRADATIONS.items():
                    degraded = degrade(image, rng)
                    result.degraded.setdefault(name, Tally()).add(*_check(engine, degraded, crop))
    return result


def _check(engine: Engine, image: Image, crop: LabeledCrop) -> tuple[bool, float | None]:
    """Whether the crop is read right, and the read's confidence (None: nothing read)."""
    read = engine.read_crop(image, crop.path.name)
    if read is None:
        return False, None
    return plates_match(crop.plate, read.plate), read.confidence


def _thresholds(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split(",") if t]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected numbers such as 0,0.9,0.97") from None


def _second_looks(
    name: str, settings: RecognitionSettings, thresholds: Sequence[float]
) -> list[tuple[str, RecognitionSettings]]:
    """One row per second-look threshold for the tuned reader; other readers take none."""
    if settings.reader != "rapidocr-tuned":
        return [(name, settings)]
    return [
        (f"{name}, second look below {t}", settings.model_copy(update={"reader_second_look": t}))
        for t in thresholds
    ]


def _switches(text: str) -> list[bool]:
    values = {"on": True, "off": False}
    try:
        return [values[v] for v in text.split(",") if v]
    except KeyError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected on, off or on,off") from None


def _read_states(
    name: str, settings: RecognitionSettings, switches: Sequence[bool]
) -> list[tuple[str, RecognitionSettings]]:
    return [
        (f"{name}, state {'on' if on else 'off'}", settings.model_copy(update={"read_state": on}))
        for on in switches
    ]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument(
        "--tuned", default="", help="recogniser files to read with, comma-separated"
    )
    parser.add_argument(
        "--second-look",
        type=_thresholds,
        default=[],
        help="reader_second_look thresholds, comma-separated",
    )
    parser.add_argument(
        "--read-state", type=_switches, default=[], help="read_state values: on, off or on,off"
    )
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    configured = os.environ.get("PLATEWARD_SHARED_DATA")
    data = Path(configured) if configured else REPO.parent / "shared" / "data"
    if not (data / "openalpr-dev" / "labels.csv").is_file():
        print(f"shared data not found at {data}: nothing to compare (skipped)")
        return 0
    rows = [(r, RecognitionSettings(threads=2, reader=r)) for r in args.readers.split(",") if r]
    for file in filter(None, args.tuned.split(",")):
        settings = RecognitionSettings(threads=2, reader="rapidocr-tuned", reader_model=Path(file))
        rows.append((f"rapidocr-tuned, `{file}`", settings))
    if args.second_look:
        rows = [row for name, s in rows for row in _second_looks(name, s, args.second_look)]
    if args.read_state:
        rows = [row for name, s in rows for row in _read_states(name, s, args.read_state)]
    crops = [c for c in load_all(default_label_files(data)) if c.holdout]
    as_is = ["reader", *(f"{s} (n)" for s in REGIONS), "mean", "precision at >= 0.9"]
    degraded = ["reader", *DEGRADATIONS, "all", "precision at >= 0.9"]
    first = ["| " + " | ".join(as_is) + " |", "|" + "---|" * len(as_is)]
    second = ["| " + " | ".join(degraded) + " |", "|" + "---|" * len(degraded)]
    for name, settings in rows:
        result = score(settings, crops)
        shares = [t.right / max(t.reads, 1) for t in result.as_is.values()]
        sure = [t.sure_right / t.sure for t in result.as_is.values() if t.sure]
        cells = [name] + [f"{s:.3f} ({t.reads})" for s, t in zip(shares, result.as_is.values())]
        cells += [
            f"{sum(shares) / len(shares):.3f}",
            f"{min(sure):.3f} (lowest set)" if sure else "n/a",
        ]
        first.append("| " + " | ".join(cells) + " |")
        total = sum(result.degraded.values(), Tally())
        cells = [name] + [f"{t.right}/{t.reads}" for t in result.degraded.values()]
        precision = f"{total.sure_right / total.sure:.3f} of {total.sure}" if total.sure else "n/a"
        cells += [f"{total.right}/{total.reads}", precision]
        second.append("| " + " | ".join(cells) + " |")
        print(first[-1], second[-1], sep="\n", flush=True)
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
                *first,
                "",
                "Exact match (O and 0 one character) on the fifth of each real crop set that",
                "training never saw, read with `plate_regions` set to the set's region; the",
                "default reader is the one with the best mean. The US test images are not used.",
                "",
                "The same crops degraded (each crop five ways, two fixed seeds each; reads",
                "right of all sets' crops), which decides between means within one crop:",
                "",
                *second,
            ],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
