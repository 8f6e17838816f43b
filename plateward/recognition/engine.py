"""The recognition engine: image in, plate reads out.

It wires a Detector and a Reader (chosen by settings) to the geometry and text post-processing:
detect plates, cut each one out upright using its mask, read the text, then choose the plate
that best fits the plate formats and OCR confusions. Video (``video.py``) calls the same
``read_image`` on the frames it keeps, so still images and streams share one code path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import cv2

from plateward.recognition import formats
from plateward.recognition.choose import Choice, choose_plate
from plateward.recognition.interfaces import Detector, Image, Reader
from plateward.recognition.straighten import cut_plate
from plateward.recognition.types import Detection, PlateRead
from plateward.settings import RecognitionSettings

if TYPE_CHECKING:
    from plateward.recognition.plate_words import PlateWordReader

WEAK_DETECTION_READ_CONFIDENCE = 0.9
"""How sure the reading of a weak detection must be, with a standard layout, to count."""


class Engine:
    def __init__(
        self,
        detector: Detector,
        reader: Reader,
        settings: RecognitionSettings,
        words: PlateWordReader | None = None,
    ) -> None:
        """``words``: reads the state's name and other words on each plate, when set."""
        self.detector = detector
        self.reader = reader
        self.settings = settings
        self.words = words

    @classmethod
    def from_settings(cls, settings: RecognitionSettings) -> Engine:
        """Load the configured back-ends (the slow part: about a second of model loading)."""
        from plateward.recognition.backends import load_detector, load_reader
        from plateward.recognition.plate_words import PlateWordReader
        from plateward.recognition.reader_rapidocr import RapidOcrReader

        reader = load_reader(settings)
        words = None
        if settings.read_state:
            # PP-OCR's reader has just run the text detector on the same crops: share it.
            text = reader.text if isinstance(reader, RapidOcrReader) else None
            words = PlateWordReader(threads=settings.threads, text=text)
        return cls(load_detector(settings), reader, settings, words)

    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        """Every plate in the image that could be read, best detection first."""
        detections = self.detector.detect(image)
        return self.read_detections(image, detections, source)

    def read_detections(
        self, image: Image, detections: Sequence[Detection], source: str
    ) -> list[PlateRead]:
        """Read plates already located (by the detector, a tracker or a labeled box)."""
        if not detections:
            return []
        crops = [cut_plate(image, d) for d in detections]
        hypotheses = self.reader.read(crops)
        words = self.words.words(crops) if self.words else [()] * len(crops)
        reads: list[PlateRead] = []
        for detection, crop, readings, context in zip(
            detections, crops, hypotheses, words, strict=True
        ):
            choice = choose_plate(
                readings,
                self.settings.alternatives,
                context_text=context,
                regions=self.settings.plate_regions,
            )
            if choice is None or (detection.weak and not self._confirms(choice)):
                continue
            reads.append(
                PlateRead(
                    source=source,
                    plate=choice.plate,
                    raw_text=choice.raw_text,
                    confidence=choice.confidence,
                    char_confidences=choice.char_confidences,
                    alternatives=choice.alternatives,
                    box=detection.box,
                    polygon=detection.polygon,
                    detection_confidence=detection.confidence,
                    region=choice.region,
                    region_confidence=choice.region_confidence,
                    crop_jpeg=encode_jpeg(crop, self.settings.crop_jpeg_quality),
                )
            )
        return reads

    def _confirms(self, choice: Choice) -> bool:
        """Whether a weak detection's reading shows it is a plate: sure, and plate-shaped.

        Signs, stickers and bumper text seldom read as a whole plate of a known layout with
        the reader sure of every character; plates the detector scores low behind a dark
        frame or in shadow do (docs/benchmarks.md).
        """
        if choice.confidence < WEAK_DETECTION_READ_CONFIDENCE:
            return False
        return formats.best_fit(choice.plate, self.settings.plate_regions).standard

    def read_crop(self, crop: Image, source: str) -> PlateRead | None:
        """Read an image that is already one plate (a crop from another system or a data set)."""
        h, w = crop.shape[:2]
        whole = Detection(box=(0, 0, w, h), confidence=1.0)
        reads = self.read_detections(crop, [whole], source)
        return reads[0] if reads else None


def encode_jpeg(image: Image, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return bytes(buf) if ok else b""
