"""Slot readers: Plateward's own plate reader, or any fast-plate-ocr model, from local files.

Such a model reads a whole plate at once into a fixed number of slots, each a softmax over the
config's alphabet, with ``pad_char`` filling the unused slots. Its input is a uint8 image of the
config's size, channels last, grayscale or RGB. Plateward's own model (``plate_reader.onnx``,
trained by ``plateward reader train``, docs/recognizer.md) ships inside the package in this
form; a fast-plate-ocr model an administrator placed on the machine runs the same way.

Each crop yields several hypotheses, not only the most likely character of each slot: the
chooser (``choose.py``) weighs them against plate formats, and the runners-up become the read's
alternatives. They come from a beam search over the slots, each slot's probability being
independent of the others' in these models.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from plateward.errors import ConfigurationError
from plateward.recognition.interfaces import Image
from plateward.recognition.onnx_session import open_session
from plateward.recognition.types import Reading

_PLATE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

PLATEWARD_MODEL = "plate_reader.onnx"
PLATEWARD_CONFIG = "plate_reader.yaml"

BEAM_WIDTH = 8
SLOT_CHOICES = 3
"""Characters per slot the beam search extends: the model is rarely split three ways."""
MIN_HYPOTHESIS = 1e-4
"""Hypotheses below this probability are not worth the chooser's time."""


def packaged_model() -> tuple[Path, Path]:
    """Plateward's own reader model and its plate config, as shipped inside the package."""
    folder = resources.files("plateward.recognition") / "models"
    return Path(str(folder / PLATEWARD_MODEL)), Path(str(folder / PLATEWARD_CONFIG))


class FastPlateOcrReader:
    def __init__(
        self, model_path: Path, config_path: Path, *, threads: int = 2, hypotheses: int = 8
    ) -> None:
        config = _load_config(config_path)
        self.alphabet: str = config["alphabet"]
        self.pad_char: str = config["pad_char"]
        self.slots: int = int(config["max_plate_slots"])
        self.height: int = int(config["img_height"])
        self.width: int = int(config["img_width"])
        self.grayscale = config.get("image_color_mode", "grayscale") == "grayscale"
        self.hypotheses = hypotheses
        self.session = open_session(model_path, threads=threads)
        self.input_name = self.session.get_inputs()[0].name
        self._check_agrees(model_path, config_path)

    def _check_agrees(self, model_path: Path, config_path: Path) -> None:
        """A model and a plate config that disagree read garbage: refuse them at load time."""
        shape = self.session.get_inputs()[0].shape
        channels = 1 if self.grayscale else 3
        expected = [self.height, self.width, channels]
        fixed = [d if isinstance(d, int) else None for d in shape[1:]]
        if len(shape) != 4 or any(d is not None and d != e for d, e in zip(fixed, expected)):
            raise ConfigurationError(
                f"{model_path}: model input {shape} does not match {config_path} "
                f"(height {self.height}, width {self.width}, {channels} channel(s))"
            )
        probe = np.zeros((1, self.height, self.width, channels), np.uint8)
        try:
            output = np.asarray(self.session.run(None, {self.input_name: probe})[0])
        except Exception as exc:  # onnxruntime raises several unrelated types
            raise ConfigurationError(f"{model_path}: model cannot run: {exc}") from exc
        if output.size != self.slots * len(self.alphabet):
            raise ConfigurationError(
                f"{model_path}: model output {list(output.shape)} is not {self.slots} slots x "
                f"{len(self.alphabet)} characters as {config_path} says"
            )

    def read(self, crops: Sequence[Image]) -> list[list[Reading]]:
        if not crops:
            return []
        batch = np.stack([self._prepare(c) for c in crops])
        output = np.asarray(self.session.run(None, {self.input_name: batch})[0], dtype=np.float32)
        probs = output.reshape(len(crops), self.slots, len(self.alphabet))
        return [self.decode(p) for p in probs]

    def _prepare(self, crop: Image) -> np.ndarray:
        return prepare_crop(crop, self.width, self.height, grayscale=self.grayscale)

    def decode(self, probs: np.ndarray) -> list[Reading]:
        """The most likely texts of one crop's slot probabilities (slots x alphabet), best first.

        Slots whose character is the pad (or not a plate character) add nothing to the text;
        texts that several slot paths spell are pooled. A character's confidence is its slot's
        probability.
        """
        beams: list[tuple[float, str, tuple[float, ...]]] = [(1.0, "", ())]
        for slot in probs:
            top = np.argsort(slot)[::-1][:SLOT_CHOICES]
            grown: list[tuple[float, str, tuple[float, ...]]] = []
            for p, text, confs in beams:
                for index in top:
                    q = p * float(slot[index])
                    if q < MIN_HYPOTHESIS:
                        continue
                    char = self.alphabet[int(index)]
                    if char == self.pad_char or char not in _PLATE_CHARS:
                        grown.append((q, text, confs))
                    else:
                        grown.append((q, text + char, (*confs, float(slot[index]))))
            beams = heapq.nlargest(BEAM_WIDTH * 2, grown, key=lambda b: b[0])
        pooled: dict[str, tuple[float, float, tuple[float, ...]]] = {}
        for p, text, confs in beams:
            if not text:
                continue
            total, best, best_confs = pooled.get(text, (0.0, 0.0, ()))
            pooled[text] = (total + p, max(best, p), confs if p > best else best_confs)
        ranked = sorted(pooled.items(), key=lambda kv: -kv[1][0])[: self.hypotheses]
        return [Reading(text, total, confs) for text, (total, _, confs) in ranked]


def prepare_crop(crop: Image, width: int, height: int, *, grayscale: bool) -> np.ndarray:
    """The model's input for one BGR crop; training calls this too, so both see the same pixels."""
    resized = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
    if grayscale:
        return cv2.cvtColor(resized, cv2.COLOR_BGR2GRAY)[..., None]
    return cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)


def _load_config(path: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read plate config: {exc}") from exc
    needed = ("alphabet", "pad_char", "max_plate_slots", "img_height", "img_width")
    missing = [k for k in needed if not isinstance(config, dict) or k not in config]
    if missing:
        raise ConfigurationError(f"{path}: plate config lacks {', '.join(missing)}")
    assert isinstance(config, dict)
    if config["pad_char"] not in config["alphabet"]:
        raise ConfigurationError(f"{path}: pad_char must be one of the alphabet's characters")
    for key in ("max_plate_slots", "img_height", "img_width"):
        if not isinstance(config[key], int) or config[key] < 1:
            raise ConfigurationError(f"{path}: {key} must be a positive whole number")
    return config
