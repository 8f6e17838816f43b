"""Scoring the engine on a labeled set, the way ``plateward eval`` and the benchmark report it.

Three label formats are read, told apart by their header:

* ``region,image,x,y,w,h,plate[,img_w,img_h]``: whole images with one labeled plate box each
  (the openalpr-dev layout). Other plates may be visible; only the labeled one is scored.
* ``image,state,plate`` and ``image,plate``: plate crops, read whole (no detection step).

Image paths are relative to the CSV's folder; when a name is not there but is in a folder beside
the CSV named after the row's region (openalpr-dev: ``us/``, ``eu/``, ``br/``) or ``images/``
(ar-plate-crops), that one is used.

The rules, chosen to match ``shared/data/openalpr-dev/BASELINE.md`` so numbers compare:

* Letter O and digit 0 count as one character everywhere (European labels write O for 0).
* For whole images the read compared with the label is the one whose box overlaps the labeled box
  best, and only if that overlap (IoU) is at least 0.3: a plate is found or it is not, so exact
  match can never exceed detection recall. Detection recall counts the plates the engine returned
  a read for: a box the reader could not read anything from is a miss to the user, and the engine
  is scored through ``read_image``, the same call ``plateward read`` makes, whatever it does
  inside. For crops detection is not applicable (None).
* Character error rate is pooled: total edit distance over total label characters, so a long
  plate weighs more than a short one, as in the usual OCR definition.
* Latency is the engine call alone, per image, after decoding (decoding is not recognition).
* Labels "0" are placeholders in the source data and are skipped and counted. Bad rows, missing
  and undecodable images are counted and listed as problems; everything else is still scored.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from plateward.errors import InvalidInput, PlatewardError
from plateward.recognition.imageio import load_image
from plateward.recognition.interfaces import Image
from plateward.recognition.types import Box, PlateRead

MATCH_IOU = 0.3
"""Least box overlap for a read to be the labeled plate's read."""

PLACEHOLDER_LABEL = "0"

_IMAGE_COLUMNS = ("region", "image", "x", "y", "w", "h", "plate")
_STATE_CROP_COLUMNS = ("image", "state", "plate")
_CROP_COLUMNS = ("image", "plate")
CROP_REGION = "crops"
"""Region of every crop label: the crop sets are scored as one group, not per state."""


class ReadsPlates(Protocol):
    """What evaluation needs from an engine (``Engine`` and test fakes both fit)."""

    def read_image(self, image: Image, source: str) -> list[PlateRead]: ...

    def read_crop(self, crop: Image, source: str) -> PlateRead | None: ...


class LabelFormat(Enum):
    IMAGES = "images"
    STATE_CROPS = "state-crops"
    CROPS = "crops"


@dataclass(frozen=True)
class Label:
    """One labeled plate: an image, its normalised plate text and, for whole images, its box."""

    line: int
    image: str
    """As written in the CSV (what reports show)."""
    path: Path
    region: str
    plate: str
    box: Box | None


@dataclass(frozen=True)
class Problem:
    """Something that kept a row from being scored; ``where`` is ``file:line`` or an image."""

    kind: str
    """``bad_row``, ``missing_image`` or ``unreadable_image``."""
    where: str
    reason: str


@dataclass(frozen=True)
class LabelSet:
    csv_path: Path
    format: LabelFormat
    labels: tuple[Label, ...]
    problems: tuple[Problem, ...]
    placeholders: int

    @property
    def crops(self) -> bool:
        return self.format is not LabelFormat.IMAGES


@dataclass(frozen=True)
class Outcome:
    """How the engine did on one labeled plate."""

    label: Label
    read: str
    """The read compared with the label; "" when there was none."""
    confidence: float | None
    iou: float | None
    """Best overlap of any read's box with the labeled box; None for crops."""
    latency_ms: float

    @property
    def detected(self) -> bool | None:
        return None if self.iou is None else self.iou >= MATCH_IOU

    @property
    def exact(self) -> bool:
        return plates_match(self.label.plate, self.read)

    @property
    def edits(self) -> int:
        return edit_distance(canonical_plate(self.label.plate), canonical_plate(self.read))


@dataclass(frozen=True)
class Score:
    images: int
    detection_recall: float | None
    exact_match: float | None
    cer: float | None
    latency_ms_median: float | None
    latency_ms_p90: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "detection_recall": _round(self.detection_recall, 4),
            "exact_match": _round(self.exact_match, 4),
            "cer": _round(self.cer, 4),
            "latency_ms_median": _round(self.latency_ms_median, 1),
            "latency_ms_p90": _round(self.latency_ms_p90, 1),
        }


@dataclass
class Evaluation:
    label_set: LabelSet
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """The label set's bad rows plus the images that could not be read."""

    def score(self, region: str | None = None) -> Score:
        chosen = [o for o in self.outcomes if region is None or o.label.region == region]
        return score_outcomes(chosen)

    @property
    def regions(self) -> list[str]:
        return sorted({o.label.region for o in self.outcomes})

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.exact]

    def problem_counts(self) -> dict[str, int]:
        counts = {
            "placeholder_labels": self.label_set.placeholders,
            "bad_rows": 0,
            "missing_images": 0,
            "unreadable_images": 0,
        }
        for problem in self.problems:
            counts[f"{problem.kind}s"] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        """The object ``plateward eval --json`` prints: overall keys at the top, then the rest."""
        return {
            **self.score().to_json(),
            "labels": str(self.label_set.csv_path),
            "format": self.label_set.format.value,
            "regions": {r: self.score(r).to_json() for r in self.regions},
            "skipped": self.problem_counts(),
        }


# --- labels ---------------------------------------------------------------------------------


def load_labels(csv_path: Path) -> LabelSet:
    """Parse a labels CSV in any of the three formats; bad rows become problems, not errors."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"{csv_path}: labels file not found") from None
    except IsADirectoryError:
        raise InvalidInput(f"{csv_path}: is a folder, not a labels CSV") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{csv_path}: labels file is not UTF-8 text") from None
    except OSError as exc:
        raise InvalidInput(f"{csv_path}: cannot read labels: {exc.strerror or exc}") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse_rows(rows, csv_path)
    except csv.Error as exc:
        raise InvalidInput(f"{csv_path}:{rows.line_num}: malformed CSV: {exc}") from None


def _parse_rows(rows: Any, csv_path: Path) -> LabelSet:
    header = [h.strip().lower() for h in next(rows, [])]
    label_format = _detect_format(header, csv_path)
    columns = {name: i for i, name in enumerate(header)}
    labels: list[Label] = []
    problems: list[Problem] = []
    placeholders = 0
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            label = _parse_row(row, columns, label_format, csv_path, line)
        except ValueError as exc:
            problems.append(Problem("bad_row", f"{csv_path}:{line}", str(exc)))
            continue
        if label is None:
            placeholders += 1
        else:
            labels.append(label)
    return LabelSet(csv_path, label_format, tuple(labels), tuple(problems), placeholders)


def _detect_format(header: list[str], csv_path: Path) -> LabelFormat:
    present = set(header)
    if present.issuperset(_IMAGE_COLUMNS):
        return LabelFormat.IMAGES
    if present.issuperset(_STATE_CROP_COLUMNS):
        return LabelFormat.STATE_CROPS
    if present.issuperset(_CROP_COLUMNS):
        return LabelFormat.CROPS
    raise InvalidInput(
        f"{csv_path}: header {','.join(header) or '(empty)'} is not a labels format "
        "(region,image,x,y,w,h,plate | image,state,plate | image,plate)"
    )


def _parse_row(
    row: list[str], columns: dict[str, int], label_format: LabelFormat, csv_path: Path, line: int
) -> Label | None:
    """The row's Label, None for a placeholder, ValueError (with a reason) for a bad row."""

    def cell(name: str) -> str:
        if columns[name] >= len(row):
            raise ValueError(f"{len(row)} fields, no {name}")
        return row[columns[name]].strip()

    image = cell("image")
    if not image:
        raise ValueError("empty image name")
    raw_plate = cell("plate")
    if raw_plate == PLACEHOLDER_LABEL:
        return None
    plate = normalise_label(raw_plate)
    if not plate:
        raise ValueError(f"plate {raw_plate!r} has no letters or digits")
    box: Box | None = None
    region = CROP_REGION
    if label_format is LabelFormat.IMAGES:
        region = cell("region").lower()
        if not region:
            raise ValueError("empty region")
        try:
            x, y, w, h = (int(cell(c)) for c in ("x", "y", "w", "h"))
        except ValueError:
            raise ValueError("box x,y,w,h must be whole numbers") from None
        if w <= 0 or h <= 0 or x + w <= 0 or y + h <= 0:
            raise ValueError(f"box {x},{y},{w},{h} is empty")
        # Labelling tools let a box start a pixel outside the image (openalpr-dev has x=-1):
        # clip it to the image rather than lose the label.
        box = (max(0, x), max(0, y), x + w, y + h)
    region_folder = cell("region") if label_format is LabelFormat.IMAGES else ""
    path = _image_path(csv_path.parent, image, region_folder)
    return Label(line, image, path, region, plate, box)


def _image_path(folder: Path, image: str, region: str) -> Path:
    """The image beside the CSV, else in a folder named after its region or ``images/``."""
    direct = folder / image
    if direct.exists():
        return direct
    for subfolder in (region, "images"):
        candidate = folder / subfolder / image
        if subfolder and candidate.exists():
            return candidate
    return direct


def normalise_label(text: str) -> str:
    return "".join(c for c in text.upper() if c.isascii() and c.isalnum())


# --- metrics --------------------------------------------------------------------------------


def canonical_plate(plate: str) -> str:
    """The form plates are compared in: letter O and digit 0 are one character."""
    return plate.upper().replace("O", "0")


def plates_match(label: str, read: str) -> bool:
    return canonical_plate(label) == canonical_plate(read)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions each cost one."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def character_error_rate(label: str, read: str) -> float:
    """Edits per label character, O and 0 as one; may exceed 1 when the read is much longer."""
    if not label:
        raise ValueError("empty label")
    return edit_distance(canonical_plate(label), canonical_plate(read)) / len(label)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x1, y1, x2, y2) boxes; 0 when either is empty."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area_a = max(0, a[2] - a[0]) * max(0, a[3] - a[1])
    area_b = max(0, b[2] - b[0]) * max(0, b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def score_outcomes(outcomes: Iterable[Outcome]) -> Score:
    chosen = list(outcomes)
    if not chosen:
        return Score(0, None, None, None, None, None)
    detected = [o.detected for o in chosen if o.detected is not None]
    latencies = np.array([o.latency_ms for o in chosen], dtype=np.float64)
    label_chars = sum(len(o.label.plate) for o in chosen)
    return Score(
        images=len(chosen),
        detection_recall=sum(detected) / len(detected) if detected else None,
        exact_match=sum(o.exact for o in chosen) / len(chosen),
        cer=sum(o.edits for o in chosen) / label_chars,
        latency_ms_median=float(np.median(latencies)),
        latency_ms_p90=float(np.percentile(latencies, 90)),
    )


# --- running --------------------------------------------------------------------------------


def evaluate(
    engine: ReadsPlates,
    label_set: LabelSet,
    *,
    max_pixels: int,
    max_file_bytes: int,
    regions: Collection[str] | None = None,
    limit: int | None = None,
) -> Evaluation:
    """Run the engine on every label (of ``regions``, the first ``limit``) and keep the outcomes."""
    evaluation = Evaluation(label_set, problems=list(label_set.problems))
    labels = [lb for lb in label_set.labels if regions is None or lb.region in regions]
    for label in labels[:limit]:
        try:
            image = load_image(label.path, max_pixels=max_pixels, max_file_bytes=max_file_bytes)
        except PlatewardError as exc:
            kind = "missing_image" if not label.path.exists() else "unreadable_image"
            evaluation.problems.append(Problem(kind, str(label.path), exc.message))
            continue
        evaluation.outcomes.append(score_label(engine, label, image))
    return evaluation


def score_label(engine: ReadsPlates, label: Label, image: Image) -> Outcome:
    """Run the engine on one decoded image and compare what it read with the label."""
    source = str(label.path)
    if label.box is None:
        started = time.perf_counter()
        read = engine.read_crop(image, source)
        latency_ms = (time.perf_counter() - started) * 1000
        if read is None:
            return Outcome(label, "", None, None, latency_ms)
        return Outcome(label, read.plate, read.confidence, None, latency_ms)
    started = time.perf_counter()
    reads = engine.read_image(image, source)
    latency_ms = (time.perf_counter() - started) * 1000
    best: PlateRead | None = None
    best_iou = 0.0
    for candidate in reads:
        overlap = iou(candidate.box, label.box)
        if overlap > best_iou:
            best, best_iou = candidate, overlap
    if best is None or best_iou < MATCH_IOU:
        return Outcome(label, "", None, best_iou, latency_ms)
    return Outcome(label, best.plate, best.confidence, best_iou, latency_ms)


MISSES_COLUMNS = ("image", "region", "label", "read", "confidence", "iou")


def write_misses(evaluation: Evaluation, path: Path) -> int:
    """Write every plate not read exactly as a CSV for error analysis; returns how many."""
    misses = evaluation.misses
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(MISSES_COLUMNS)
            for o in misses:
                writer.writerow(
                    [
                        o.label.image,
                        o.label.region,
                        o.label.plate,
                        o.read,
                        "" if o.confidence is None else f"{o.confidence:.4f}",
                        "" if o.iou is None else f"{o.iou:.3f}",
                    ]
                )
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot write misses: {exc.strerror or exc}") from None
    return len(misses)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
