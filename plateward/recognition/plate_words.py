"""The words printed on a plate besides its registration: the state's name, a slogan.

The reader reads only a plate's main line, on purpose: state names and slogans read into the
registration were its worst errors. Yet the state's name is the best evidence of where a plate
was issued, and an agency needs it: a hot-list entry names a state, and a read that names
another one is not a hit (``hotlist/matcher.py``), and a read whose state is known is weighed
against that state's serial formats as well as every state's (``choose.py``).

So this reads the crop's other text lines on their own, with PP-OCR's recogniser as rapidocr
ships it: it reads mixed-case words ("California", "Land of Lincoln"), which the recogniser
tuned on plates no longer does (on the 375 US crops named by state, PP-OCR's own named the
state on 334, the tuned one on 151). ``region.region_from_text`` matches the words to names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from plateward.recognition import reader_rapidocr as ppocr
from plateward.recognition.interfaces import Image
from plateward.recognition.onnx_session import open_session
from plateward.recognition.region import region_from_text

MAX_WORD_LINES = 4
"""At most this many lines are read per plate, widest first: the name and slogan are the
widest lines after the registration, and each line read costs recogniser time."""
MIN_WORD_HEIGHT_PX = 6
"""Lines lower than this in the crop's own pixels are not read: blown up to the recogniser's
48 px they read as noise, and a wrong state hides a true hot-list hit."""
SAME_LINE_OVERLAP = 0.5
"""A region sharing this share of its height with the registration stands beside it (stacked
county codes, an emblem), not above or below it, and holds no word."""
MAX_LINE_WIDTH_PX = 960
"""Wider lines are cut to this after resizing: a state's name or a slogan is never longer."""


class PlateWordReader:
    """Reads the text lines of plate crops that are not the registration."""

    def __init__(self, *, threads: int = 2, text: ppocr.TextDetector | None = None) -> None:
        """``text``: the reader's own text detector, whose maps of the crops it has just read
        are reused here (``RapidOcrReader.text``); without it, one of its own."""
        rec_path = ppocr.model_path(ppocr.REC_MODEL)
        self.rec = open_session(rec_path, threads=threads)
        self.text = text or ppocr.TextDetector(threads=threads)
        meta = self.rec.get_modelmeta().custom_metadata_map
        # Column 0 is CTC's blank; the dictionary follows from 1, and a space after it.
        self.characters = ["", *meta.get("character", "").splitlines(), " "]

    def words(self, crops: Sequence[Image]) -> list[tuple[str, ...]]:
        """For each crop, the texts of its lines other than the registration, in the order
        read, stopping at the first that names a state or country.

        The lines are read in rounds, one line of every crop still unnamed per round, each
        round one recogniser run: most plates name their state in the first line read."""
        pending = [
            (index, self._word_lines(crop))
            for index, crop in enumerate(crops)
            if crop.ndim == 3 and min(crop.shape[:2]) >= MIN_WORD_HEIGHT_PX
        ]
        texts: list[list[str]] = [[] for _ in crops]
        for turn in range(MAX_WORD_LINES):
            batch = [(index, lines[turn]) for index, lines in pending if turn < len(lines)]
            if not batch:
                break
            named = set()
            for (index, _), text in zip(batch, self._recognise([b for _, b in batch]), strict=True):
                if text.strip():
                    texts[index].append(text.strip())
                    if region_from_text([text]) is not None:
                        named.add(index)
            pending = [(index, lines) for index, lines in pending if index not in named]
        return [tuple(t) for t in texts]

    def _word_lines(self, crop: Image) -> list[Image]:
        h, w = crop.shape[:2]
        prob = self.text.map(crop)
        regions = ppocr.text_regions(prob)
        if len(regions) < 2:
            return []
        main = max(regions, key=lambda r: (r[3] - r[1], r[2] - r[0]))
        fx, fy = w / prob.shape[1], h / prob.shape[0]
        lines: list[tuple[int, Image]] = []
        for x1, y1, x2, y2 in regions:
            height = y2 - y1
            beside = min(y2, main[3]) - max(y1, main[1])
            if (x1, y1, x2, y2) == main or beside > SAME_LINE_OVERLAP * height:
                continue
            # The map holds shrunk text kernels: grow each box as PaddleOCR's unclip does.
            grow = (x2 - x1) * height * ppocr.DET_UNCLIP_RATIO / (2 * (x2 - x1 + height))
            top, bottom = max(0, int((y1 - grow) * fy)), min(h, math.ceil((y2 + grow) * fy))
            left, right = max(0, int((x1 - grow) * fx)), min(w, math.ceil((x2 + grow) * fx))
            if bottom - top >= MIN_WORD_HEIGHT_PX and right - left >= MIN_WORD_HEIGHT_PX:
                lines.append((right - left, crop[top:bottom, left:right]))
        lines.sort(key=lambda wl: -wl[0])
        return [line for _, line in lines[:MAX_WORD_LINES]]

    def _recognise(self, lines: Sequence[Image]) -> list[str]:
        """Greedy CTC decoding over PP-OCR's whole dictionary, every line in one batch."""
        if not lines:
            return []
        tensors = [ppocr.rec_tensor(line)[:, :, :MAX_LINE_WIDTH_PX] for line in lines]
        width = max(t.shape[2] for t in tensors)
        batch = np.zeros((len(tensors), 3, ppocr.REC_HEIGHT_PX, width), dtype=np.float32)
        for i, t in enumerate(tensors):
            batch[i, :, :, : t.shape[2]] = t
        (raw,) = self.rec.run(None, {self.rec.get_inputs()[0].name: batch})[:1]
        out = []
        for frames in np.asarray(raw).argmax(axis=2):
            chars, last = [], 0
            for k in frames:
                if k != last and 0 < k < len(self.characters):
                    chars.append(self.characters[k])
                last = k
            out.append("".join(chars))
        return out
