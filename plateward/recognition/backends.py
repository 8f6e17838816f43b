"""Which detector and reader the settings ask for, loaded from files on this machine.

The defaults carry their weights inside the installed packages: platedet's in its wheel,
Plateward's plate reader and PP-OCR's recogniser tuned on plates in
``plateward/recognition/models/`` (PP-OCR's own in rapidocr's wheel). The optional back-ends
(open-image-models' detector, fast-plate-ocr's reader) normally fetch their weights from a hub at
run time, which an air-gapped agency network cannot do, so Plateward only runs them from model
files the administrator has placed locally and named in the settings.
"""

from __future__ import annotations

import logging
from pathlib import Path

from plateward.errors import ConfigurationError
from plateward.recognition.interfaces import Detector, Reader
from plateward.settings import RecognitionSettings

log = logging.getLogger(__name__)


def load_detector(settings: RecognitionSettings) -> Detector:
    if settings.detector == "platedet":
        from plateward.recognition.detector_platedet import PlatedetDetector

        return PlatedetDetector(
            threads=settings.threads,
            input_long_side_px=settings.detector_input_px,
            confidence=settings.detection_confidence,
            weak_confidence=settings.weak_detection_confidence,
        )
    from plateward.recognition.detector_yolo_end2end import YoloEnd2EndDetector

    model = _required_file(settings.detector_model, "recognition.detector_model", settings.detector)
    return YoloEnd2EndDetector(
        model, threads=settings.threads, confidence=settings.detection_confidence
    )


def load_reader(settings: RecognitionSettings) -> Reader:
    """The configured reader; PP-OCR instead only where ``reader_fallback`` asks for it."""
    try:
        return _load_reader(settings)
    except ConfigurationError as exc:
        if settings.reader_fallback != "rapidocr" or settings.reader == "rapidocr":
            raise
        log.error("%s; reading with rapidocr instead (recognition.reader_fallback)", exc.message)
        from plateward.recognition.reader_rapidocr import RapidOcrReader

        return RapidOcrReader(threads=settings.threads)


def _load_reader(settings: RecognitionSettings) -> Reader:
    from plateward.recognition.reader_fast_plate_ocr import FastPlateOcrReader, packaged_model

    if settings.reader == "rapidocr":
        from plateward.recognition.reader_rapidocr import RapidOcrReader

        return RapidOcrReader(threads=settings.threads)
    if settings.reader == "rapidocr-tuned":
        from plateward.recognition.reader_rapidocr import RapidOcrReader, plate_recogniser_path

        if settings.reader_model is not None:  # a recogniser tuned again, placed locally
            rec = _required_file(settings.reader_model, "recognition.reader_model", settings.reader)
        else:
            rec = plate_recogniser_path()
            if not rec.is_file():
                raise ConfigurationError(f"{rec}: the tuned plate recogniser is missing")
        return RapidOcrReader(
            threads=settings.threads, rec_model=rec, second_look_below=settings.reader_second_look
        )
    if settings.reader in ("plateward", "plateward+rapidocr"):
        model, config = packaged_model()
        if settings.reader_model is not None:  # a retrained model the administrator placed
            model = _required_file(
                settings.reader_model, "recognition.reader_model", settings.reader
            )
            config = _required_file(
                settings.reader_config or model.with_suffix(".yaml"),
                "recognition.reader_config",
                settings.reader,
            )
        plate_reader = FastPlateOcrReader(model, config, threads=settings.threads)
        if settings.reader == "plateward":
            return plate_reader
        from plateward.recognition.reader_fused import FusedReader
        from plateward.recognition.reader_rapidocr import RapidOcrReader

        return FusedReader([plate_reader, RapidOcrReader(threads=settings.threads)])
    model = _required_file(settings.reader_model, "recognition.reader_model", settings.reader)
    config = _required_file(settings.reader_config, "recognition.reader_config", settings.reader)
    return FastPlateOcrReader(model, config, threads=settings.threads)


def _required_file(path: Path | None, setting: str, backend: str) -> Path:
    if path is None:
        raise ConfigurationError(
            f"{backend}: set {setting} to a local model file (Plateward never downloads weights)"
        )
    if not path.is_file():
        raise ConfigurationError(f"{path}: {setting} for {backend} not found")
    return path
