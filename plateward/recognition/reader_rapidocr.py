"""The default reader: rapidocr's PP-OCRv6 models, run directly with onnxruntime.

Calling rapidocr's pipeline returns one string per crop from a Chinese + Latin dictionary, so it
emits lowercase and CJK characters, gives no per-character confidence and no second guess.
Running its ONNX models here instead lets the reader

* find the plate's main character line with the text detector, so state names, slogans, dealer
  frames and small stacked characters at the edge are not read (the biggest single gain);
* read a two-line plate (motorcycle plates: A12 over 0EVP) line by line, top line first,
  where the detector finds a second line nearly as tall as the first right above or below it
  (``line_boxes``): read as one line, such a plate gave only its wider line ("DEVP"). On the
  real crops (us, eu, br, ar: 744) this changed the four two-line Argentine plates from wrong
  to right and no other plate's reading;
* read that line. The line's ends are followed along the text map down to a low
  probability, because the map fades over a faint or shadowed end character (California's
  "7" in 7EAV033) that a single threshold cut off;
* take a second look where it is unsure of the line (``second_look_below``, set for the
  recogniser tuned on plates): it reads the line with room at its ends and the whole crop
  too, and averages the three views. On the held-out crops read degraded, a second look
  below 0.97 read 8 more of 1,330 right, with fewer wrong at alert confidence; it was taken
  for about one crop in eight as they are. Reading every crop three ways read no more, in
  three times the recogniser's time. PP-OCR as shipped, never trained on those views, read
  no more with them (docs/benchmarks.md);
* decode the recogniser's CTC output over A-Z0-9 only, with a prefix beam search, so each
  crop yields several hypotheses with their probabilities and per-character confidences, which
  the chooser (``choose.py``) weighs against plate formats.

Following the line's ends replaced a view of the line's band across the whole crop: the band
also read frame edges and emblems beside the line as characters ("YBW231", "53127K"), and
following the ends read more plates without it (docs/benchmarks.md).

Lowercase output is treated as "not a plate character": on plates it comes from stickers and
slogans, and a lowercase "x" mapped to "X" adds a character that is not there.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from plateward.errors import ConfigurationError, InvalidInput
from plateward.recognition.interfaces import Image
from plateward.recognition.onnx_session import open_session
from plateward.recognition.types import Reading

PLATE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
DET_MODEL = "PP-OCRv6_det_small.onnx"

REC_HEIGHT_PX = 48
REC_MIN_WIDTH_PX = 320
"""The recogniser was trained on lines padded to at least 320 px; narrower input reads worse."""
DET_HEIGHT_PX = 96
"""Crops are resized to this height for the line detector: plenty for plate-sized characters."""
DET_PIXEL_THRESHOLD = 0.3
DET_BOX_THRESHOLD = 0.5
DET_UNCLIP_RATIO = 1.6
DET_END_THRESHOLD = 0.05
"""How far the main line's ends are followed: while its rows' text probability exceeds this."""
MIN_LINE_HEIGHT_SHARE = 0.3
"""A main line lower than this share of the crop is a slogan found on an unreadable plate."""
STACKED_LINE_HEIGHT = 0.75
"""A line at least this share of the main line's height, right above or below it, makes the
two a two-line plate (``line_boxes``)."""
STACKED_WIDTH_RATIO = 0.5
"""The narrower of two stacked lines is at least this share of the wider one's width."""
STACKED_MIN_HEIGHT_SHARE = 0.2
"""Each line of a two-line plate must be at least this share of the crop's height."""

SECOND_LOOK_END_ROOM = 0.3
"""How far a second look moves the main line's ends out, in line heights: the most room the
tuned recogniser saw at a line's ends in training (``training/tune_ppocr.LINE_END_SHIFT``)."""

BEAM_WIDTH = 10
CHAR_PRUNE = 1e-3
"""Characters below this probability in a frame are not extended by the beam search."""

FloatArray = npt.NDArray[np.float32]
LineBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class Hypothesis:
    """One text the recogniser may have read on one crop variant, with its probability."""

    text: str
    log_prob: float
    char_confidences: tuple[float, ...]


@dataclass(frozen=True)
class _View:
    """The images one crop is read from, and how their readings combine."""

    stacked: bool
    """The images are the lines of a two-line plate, read one after the other."""
    images: list[Image]
    line: LineBox | None = None
    """The single main line the images are cut at, which a second look may widen."""


class RapidOcrReader:
    def __init__(
        self,
        *,
        threads: int = 2,
        hypotheses: int = 8,
        find_main_line: bool = True,
        second_look_below: float = 0.0,
        rec_model: Path | None = None,
    ) -> None:
        """``second_look_below``: where the best reading of a plate's line is less probable
        than this, the crop is read twice more (``second_look_views``) and the three views'
        readings averaged; 0 never does, above 1 always does.
        ``rec_model``: a recogniser to read the lines with instead of rapidocr's own, such as
        the one fine-tuned on plates (``plate_recogniser_path``)."""
        rec_path = rec_model or model_path(REC_MODEL)
        self.rec = open_session(rec_path, threads=threads)
        self.text = TextDetector(threads=threads) if find_main_line else None
        """PP-OCR's text detector; the word reader (``plate_words``) may share it."""
        self.hypotheses = hypotheses
        self.second_look_below = second_look_below
        self.rec_input = self.rec.get_inputs()[0].name
        self.plate_columns, n_columns = plate_columns(self.rec, rec_path)
        self.rec_name = rec_path.name
        self._check_output(rec_path, n_columns)

    def _check_output(self, path: Path, n_columns: int) -> None:
        """Refuse a recogniser of the wrong shape when it is loaded, naming its file, rather
        than at the first plate."""
        probe = np.zeros((1, 3, REC_HEIGHT_PX, REC_MIN_WIDTH_PX), dtype=np.float32)
        try:
            (raw,) = self.rec.run(None, {self.rec_input: probe})[:1]
        except Exception as exc:  # onnxruntime raises several unrelated types
            raise ConfigurationError(f"{path}: cannot run as a text recogniser: {exc}") from exc
        shape = np.shape(raw)
        if len(shape) != 3 or shape[2] != n_columns:
            raise ConfigurationError(
                f"{path}: output shape {shape}, expected (batch, frames, {n_columns})"
                " for its character list"
            )

    def read(self, crops: Sequence[Image]) -> list[list[Reading]]:
        images = [_as_bgr(crop, index) for index, crop in enumerate(crops)]
        jobs = [self._views(image) for image in images]
        per_job = self._hypotheses(jobs)
        unsure = [
            (i, job.line)
            for i, (job, hypotheses) in enumerate(zip(jobs, per_job, strict=True))
            if job.line is not None and _best_probability(hypotheses[0]) < self.second_look_below
        ]
        second = [_View(False, second_look_views(images[i], line)) for i, line in unsure]
        for (i, _), extra in zip(unsure, self._hypotheses(second), strict=True):
            per_job[i] = [*per_job[i], *extra]
        return [merge_views(views, self.hypotheses) for views in per_job]

    def _views(self, image: Image) -> _View:
        """What to read first: the plate's main line, its two lines, or the whole crop."""
        if image.shape[0] < 2 or image.shape[1] < 2:
            return _View(False, [])
        boxes = self.lines(image)
        cut = [image[y1:y2, x1:x2] for x1, y1, x2, y2 in boxes]
        if len(cut) == 2:
            return _View(True, cut)
        if cut:
            return _View(False, cut, boxes[0])
        return _View(False, [image])

    def _hypotheses(self, jobs: Sequence[_View]) -> list[list[list[Hypothesis]]]:
        """Per job, the hypotheses of each of its views (a two-line plate's lines joined into
        one view), every view of every job recognised in one pass."""
        probs = self._recognise([v for job in jobs for v in job.images])
        out: list[list[list[Hypothesis]]] = []
        start = 0
        for job in jobs:
            per_view = [decode(p, self.hypotheses) for p in probs[start : start + len(job.images)]]
            start += len(job.images)
            if job.stacked:
                per_view = [join_lines(per_view[0], per_view[1], self.hypotheses)]
            out.append(per_view)
        return out

    def lines(self, image: Image) -> list[LineBox]:
        """The boxes of the plate's character lines inside a crop, top first: one, the two of
        a two-line plate, or none where unsure (then the whole crop is read)."""
        if self.text is None:
            return []
        h, w = image.shape[:2]
        prob = self.text.map(image)
        found = line_boxes(prob)
        fx, fy = w / prob.shape[1], h / prob.shape[0]
        boxes = [
            (max(0, int(x1 * fx)), max(0, int(y1 * fy)), min(w, round(x2 * fx)),
             min(h, round(y2 * fy)))
            for x1, y1, x2, y2 in found
        ]  # fmt: skip
        least = MIN_LINE_HEIGHT_SHARE if len(boxes) == 1 else STACKED_MIN_HEIGHT_SHARE
        if any(y2 - y1 < max(least * h, 2) or x2 - x1 < 2 for x1, y1, x2, y2 in boxes):
            return self._main_only(boxes, h)
        if boxes == [(0, 0, w, h)]:
            return []
        return boxes

    @staticmethod
    def _main_only(boxes: list[LineBox], height: int) -> list[LineBox]:
        """Of two stacked lines one of which is too low, the taller alone if it is tall enough."""
        if len(boxes) < 2:
            return []
        tallest = max(boxes, key=lambda b: b[3] - b[1])
        if tallest[3] - tallest[1] < max(MIN_LINE_HEIGHT_SHARE * height, 2):
            return []
        return [tallest]

    def _recognise(self, images: Sequence[Image]) -> list[FloatArray]:
        """Per image, its (frames x 38) probabilities: blank, A-Z0-9, anything else."""
        tensors = [rec_tensor(img) for img in images]
        out: list[FloatArray | None] = [None] * len(images)
        by_width: dict[int, list[int]] = {}
        for i, t in enumerate(tensors):
            by_width.setdefault(t.shape[2], []).append(i)
        for indices in by_width.values():
            batch = np.stack([tensors[i] for i in indices])
            (raw,) = self.rec.run(None, {self.rec_input: batch})[:1]
            for i, probs in zip(indices, np.asarray(raw, dtype=np.float32), strict=True):
                out[i] = reduce_classes(probs, self.plate_columns)
        return [p for p in out if p is not None]


def second_look_views(image: Image, line: LineBox) -> list[Image]:
    """The crop's other views for a second look: its main line with its ends moved out by
    ``SECOND_LOOK_END_ROOM`` line heights, and the whole crop.

    Both are views the tuned recogniser saw in training: lines whose ends had that much room,
    and whole plates. A reading the first view was unsure of gains from views that cut the
    plate differently (a tight end character, a stroke lost at the line's edge); a reading all
    three agree on keeps its probability, and one they disagree on loses some.
    """
    w = image.shape[1]
    x1, y1, x2, y2 = line
    room = round(SECOND_LOOK_END_ROOM * (y2 - y1))
    return [image[y1:y2, max(0, x1 - room) : min(w, x2 + room)], image]


def _best_probability(hypotheses: Sequence[Hypothesis]) -> float:
    return math.exp(hypotheses[0].log_prob) if hypotheses else 0.0


def model_path(name: str) -> Path:
    path = Path(str(resources.files("rapidocr") / "models" / name))
    if not path.is_file():
        raise ConfigurationError(f"{path}: rapidocr model missing (reinstall rapidocr==3.10.0)")
    return path


def plate_recogniser_path() -> Path:
    """PP-OCR's recogniser fine-tuned on plates (``training/tune_ppocr.py``), in this package."""
    return Path(str(resources.files("plateward.recognition") / "models" / "plate_rec.onnx"))


def plate_columns(session: ort.InferenceSession, path: Path) -> tuple[npt.NDArray[np.int64], int]:
    """Output columns of A-Z0-9 in a loaded recogniser, and how many columns it has."""
    meta = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise ConfigurationError(f"{path}: model carries no character list")
    return character_columns(meta["character"], path)


def character_columns(characters: str, path: Path) -> tuple[npt.NDArray[np.int64], int]:
    """Columns of A-Z0-9 for a recogniser's character list (one per line: blank is column 0,
    the list starts at 1, space follows it), and how many columns that implies."""
    chars = characters.splitlines()
    index = {c: i + 1 for i, c in enumerate(chars)}
    missing = [c for c in PLATE_CHARS if c not in index]
    if missing:
        raise ConfigurationError(f"{path}: dictionary lacks {''.join(missing)}")
    return np.array([index[c] for c in PLATE_CHARS], dtype=np.int64), len(chars) + 2


def _as_bgr(crop: Image, index: int) -> Image:
    if crop.ndim == 2:
        return np.asarray(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if crop.ndim != 3 or crop.shape[2] != 3:
        raise InvalidInput(f"crop {index}: expected an H x W x 3 BGR image, got {crop.shape}")
    return crop


def rec_tensor(image: Image) -> FloatArray:
    """Resize to the recogniser's height, scale to -1..1, pad right to at least 320 px."""
    h, w = image.shape[:2]
    resized_w = max(1, math.ceil(REC_HEIGHT_PX * w / h))
    width = max(REC_MIN_WIDTH_PX, resized_w)
    resized = cv2.resize(image, (resized_w, REC_HEIGHT_PX)).astype(np.float32)
    scaled = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    padded = np.zeros((3, REC_HEIGHT_PX, width), dtype=np.float32)
    padded[:, :, :resized_w] = scaled
    return padded


def reduce_classes(probs: FloatArray, plate_columns: npt.NDArray[np.int64]) -> FloatArray:
    """Fold the dictionary into blank, the 36 plate characters and "other".

    The column count was checked against the character list when the model was loaded.
    """
    blank = probs[:, :1]
    plate = probs[:, plate_columns]
    other = np.clip(1.0 - blank[:, 0] - plate.sum(axis=1), 0.0, 1.0)[:, None]
    return np.concatenate([blank, plate, other], axis=1).astype(np.float32)


class TextDetector:
    """PP-OCR's text detector, which remembers the maps of the crops it saw last.

    The reader finds a plate's main line in the map and the word reader its other lines in
    the same map, one after the other on the same crops: remembered, the detector runs once
    per crop, not twice (it was most of what reading the words cost). A map is reused only
    for the very image object it was made from, which it keeps alive meanwhile, so a new
    crop at a freed one's address is never taken for it; crops are not changed in place.
    """

    REMEMBERED = 32

    def __init__(self, *, threads: int) -> None:
        self.session = open_session(model_path(DET_MODEL), threads=threads)
        self._input = self.session.get_inputs()[0].name
        self._recent: OrderedDict[int, tuple[Image, FloatArray]] = OrderedDict()
        self._lock = threading.Lock()

    def map(self, image: Image) -> FloatArray:
        """The text probability map of a crop resized to ``DET_HEIGHT_PX`` high."""
        with self._lock:
            seen = self._recent.get(id(image))
        if seen is not None and seen[0] is image:
            return seen[1]
        h, w = image.shape[:2]
        det_w = max(32, round(w * DET_HEIGHT_PX / h / 32) * 32)
        resized = cv2.resize(image, (det_w, DET_HEIGHT_PX)).astype(np.float32)
        tensor = ((resized / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None]
        (prob,) = self.session.run(None, {self._input: tensor})[:1]
        out: FloatArray = np.asarray(prob, dtype=np.float32)[0, 0]
        with self._lock:
            self._recent[id(image)] = (image, out)
            while len(self._recent) > self.REMEMBERED:
                self._recent.popitem(last=False)
        return out


def line_boxes(prob: FloatArray) -> list[tuple[float, float, float, float]]:
    """The plate's character lines in a text-probability map: its main line, or the two
    lines of a two-line plate, top first. Coordinates are in the map's pixels.

    Plate characters are the tallest text on a plate, so the tallest region is the registration
    (``_line_around``). A second region nearly as tall (``STACKED_LINE_HEIGHT``), right above
    or below it and under it across, makes a two-line plate: motorcycle and some trailer
    plates (A12 over 0EVP). State names, slogans and stacked county codes are far lower than
    the registration, so they never pair with it.
    """
    regions = text_regions(prob)
    if not regions:
        return []
    best = max(regions, key=lambda r: (r[3] - r[1], r[2] - r[0]))
    partner = _stacked_partner(regions, best)
    if partner is None:
        return [_line_around(prob, regions, best)]
    top, bottom = sorted((best, partner), key=lambda r: r[1])
    # Each line's box grows past its kernel; the lines part halfway between their kernels.
    middle = (top[3] + bottom[1]) / 2
    upper, lower = _line_around(prob, regions, top), _line_around(prob, regions, bottom)
    return [(*upper[:3], min(upper[3], middle)), (lower[0], max(lower[1], middle), *lower[2:])]


Region = tuple[int, int, int, int]


def text_regions(prob: FloatArray) -> list[Region]:
    mask = (prob > DET_PIXEL_THRESHOLD).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    regions: list[Region] = []
    for k in range(1, count):
        x, y, w, h, _ = (int(v) for v in stats[k])
        if w < 3 or h < 3 or float(prob[labels == k].mean()) < DET_BOX_THRESHOLD:
            continue
        regions.append((x, y, x + w, y + h))
    return regions


def _stacked_partner(regions: Sequence[Region], best: Region) -> Region | None:
    """The tallest region that sits on a line of its own right above or below ``best``."""
    height = best[3] - best[1]
    partners = []
    for r in regions:
        if r == best or r[3] - r[1] < STACKED_LINE_HEIGHT * height:
            continue
        gap = max(r[1] - best[3], best[1] - r[3])
        widths = sorted((r[2] - r[0], best[2] - best[0]))
        across = min(r[2], best[2]) - max(r[0], best[0])
        # Lines of three and four characters: a slogan over a fragment is far wider than it.
        alike = widths[0] >= STACKED_WIDTH_RATIO * widths[1]
        if 0 <= gap <= height and alike and across >= 0.5 * widths[0]:
            partners.append(r)
    return max(partners, key=lambda r: r[3] - r[1], default=None)


def _line_around(
    prob: FloatArray, regions: Sequence[Region], seed: Region
) -> tuple[float, float, float, float]:
    """The line ``seed`` stands on: regions beside it of similar height and on the same line
    (the two halves of a plate split by an emblem) are joined to it, and its ends are followed
    while its rows stay above ``DET_END_THRESHOLD``. The map holds shrunk text kernels, so
    the box is then grown as PaddleOCR's unclip does."""
    height = seed[3] - seed[1]
    x1, x2 = seed[0], seed[2]
    for r in regions:
        overlap = min(r[3], seed[3]) - max(r[1], seed[1])
        if overlap > 0.6 * height and r[3] - r[1] > 0.7 * height:
            x1, x2 = min(x1, r[0]), max(x2, r[2])
    map_h, map_w = prob.shape
    profile = prob[seed[1] : seed[3]].max(axis=0)
    while x1 > 0 and profile[x1 - 1] > DET_END_THRESHOLD:
        x1 -= 1
    while x2 < map_w and profile[x2] > DET_END_THRESHOLD:
        x2 += 1
    width = x2 - x1
    grow = width * height * DET_UNCLIP_RATIO / (2 * (width + height))
    return (
        max(0.0, x1 - grow),
        max(0.0, seed[1] - grow),
        min(float(map_w), x2 + grow),
        min(float(map_h), seed[3] + grow),
    )


def decode(probs: FloatArray, top: int) -> list[Hypothesis]:
    """The ``top`` most probable texts of one CTC output, by prefix beam search.

    ``probs`` is (frames x 38): blank, A-Z0-9, other. "Other" is folded into blank: a symbol
    that is no plate character separates characters the way a blank does. Each prefix carries
    the peak probability of each of its characters along its most probable path, which is what
    ``char_confidences`` reports (a full forced alignment per hypothesis cost 10x more).
    """
    if probs.shape[0] == 0:
        return []
    p = probs.astype(np.float64)
    blank = p[:, 0] + p[:, 37]
    chars = p[:, 1:37]
    beams: dict[str, _Beam] = {"": _Beam(1.0, 0.0, ())}
    log_scale = 0.0
    for t in range(p.shape[0]):
        candidates = np.nonzero(chars[t] > CHAR_PRUNE)[0]
        if candidates.size == 0:
            beams = {
                pre: _Beam((b.p_blank + b.p_char) * float(blank[t]), 0.0, b.confs)
                for pre, b in beams.items()
            }
        else:
            beams = _extend(
                beams, float(blank[t]), [(PLATE_CHARS[k], float(chars[t, k])) for k in candidates]
            )
        norm = sum(b.p_blank + b.p_char for b in beams.values())
        if norm <= 0:
            return []
        log_scale += math.log(norm)
        for b in beams.values():
            b.p_blank /= norm
            b.p_char /= norm
    ranked = sorted(beams.items(), key=lambda kv: -(kv[1].p_blank + kv[1].p_char))[:top]
    return [
        Hypothesis(
            text, log_scale + math.log(b.p_blank + b.p_char), tuple(round(c, 4) for c in b.confs)
        )
        for text, b in ranked
        if text and b.p_blank + b.p_char > 0
    ]


@dataclass
class _Beam:
    p_blank: float
    p_char: float
    confs: tuple[float, ...]
    best_in: float = 0.0
    """The largest single contribution that reached this prefix in the current frame."""


def _extend(
    beams: dict[str, _Beam], blank: float, candidates: Sequence[tuple[str, float]]
) -> dict[str, _Beam]:
    """One frame of the prefix beam search; keeps the BEAM_WIDTH most probable prefixes."""
    grown: dict[str, _Beam] = {}

    def add(prefix: str, p_blank: float, p_char: float, confs: tuple[float, ...]) -> None:
        entry = grown.get(prefix)
        if entry is None:
            grown[prefix] = _Beam(p_blank, p_char, confs, p_blank + p_char)
            return
        entry.p_blank += p_blank
        entry.p_char += p_char
        if p_blank + p_char > entry.best_in:
            entry.best_in, entry.confs = p_blank + p_char, confs

    for pre, b in beams.items():
        total = b.p_blank + b.p_char
        add(pre, total * blank, 0.0, b.confs)
        last = pre[-1] if pre else ""
        for char, pk in candidates:
            if char == last:
                held = b.confs[:-1] + (max(b.confs[-1], pk),)
                add(pre, 0.0, b.p_char * pk, held)
                add(pre + char, 0.0, b.p_blank * pk, b.confs + (pk,))
            else:
                add(pre + char, 0.0, total * pk, b.confs + (pk,))
    kept = sorted(grown.items(), key=lambda kv: -(kv[1].p_blank + kv[1].p_char))[:BEAM_WIDTH]
    return dict(kept)


def merge_views(per_view: Sequence[Sequence[Hypothesis]], top: int) -> list[Reading]:
    """Average each text's probability over the crop's views; best first.

    A text a view did not propose counts as probability 0 there, so a reading both views agree
    on outranks one only a single view saw.
    """
    if not per_view:
        return []
    totals: dict[str, float] = {}
    best: dict[str, Hypothesis] = {}
    for hypotheses in per_view:
        for h in hypotheses:
            prob = math.exp(h.log_prob) / len(per_view)
            totals[h.text] = totals.get(h.text, 0.0) + prob
            if h.text not in best or h.log_prob > best[h.text].log_prob:
                best[h.text] = h
    ranked = sorted(totals, key=lambda text: -totals[text])[:top]
    return [Reading(text, min(1.0, totals[text]), best[text].char_confidences) for text in ranked]


def join_lines(
    upper: Sequence[Hypothesis], lower: Sequence[Hypothesis], top: int
) -> list[Hypothesis]:
    """A two-line plate's texts: each reading of its top line followed by each of its bottom
    line, their probabilities multiplied; the ``top`` most probable."""
    joined = [
        Hypothesis(
            a.text + b.text, a.log_prob + b.log_prob, a.char_confidences + b.char_confidences
        )
        for a in upper
        for b in lower
    ]
    return sorted(joined, key=lambda h: -h.log_prob)[:top]
