"""Which detector and reader the settings ask for, loaded from files on this machine.

The defaults (platedet, rapidocr) carry their weights inside their wheels. The optional back-ends
(open-image-models' detector, fast-plate-ocr's reader) normally fetch their weights from a hub at
run time, which an air-gapped agency network cannot do, so Plateward only runs them from model
files the administrator has placed locally and named in the settings.
"""

from __future__ import annotations

from pathlib import Path

from plateward.errors import ConfigurationError
from plateward.recognition.interfaces import Detector, Reader
from plateward.settings import RecognitionSettings


def load_detector(settings: RecognitionSettings) -> Detector:
    if settings.detector == "platedet":
        from plateward.recognition.detector_platedet import PlatedetDetector

        return PlatedetDetector(
            threads=settings.threads,
            confidence=settings.detection_confidence,
            weak_confidence=settings.weak_detection_confidence,
        )
    from plateward.recognition.detector_yolo_end2end import YoloEnd2EndDetector

    model = _required_file(settings.detector_model, "recognition.detector_model", settings.detector)
    return YoloEnd2EndDetector(
        model, threads=settings.threads, confidence=settings.detection_confidence
    )


def load_reader(settings: RecognitionSettings) -> Reader:
    if settings.reader == "rapidocr":
        from plateward.recognition.reader_rapidocr import RapidOcrReader

        return RapidOcrReader(threads=settings.threads)
    from plateward.recognition.reader_fast_plate_ocr import FastPlateOcrReader

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
