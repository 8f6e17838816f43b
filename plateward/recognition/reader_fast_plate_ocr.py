"""Optional reader: a fast-plate-ocr model and its plate config, from local files.

Such a model reads a whole plate at once into a fixed number of slots, each a softmax over the
config's alphabet, with ``pad_char`` filling the unused slots. Its input is a uint8 image of the
config's size, channels last, grayscale or RGB.
"""

from __future__ import annotations

from collections.abc import Sequence
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


class FastPlateOcrReader:
    def __init__(self, model_path: Path, config_path: Path, *, threads: int = 2) -> None:
        config = _load_config(config_path)
        self.alphabet: str = config["alphabet"]
        self.pad_char: str = config["pad_char"]
        self.slots: int = int(config["max_plate_slots"])
        self.height: int = int(config["img_height"])
        self.width: int = int(config["img_width"])
        self.grayscale = config.get("image_color_mode", "grayscale") == "grayscale"
        self.session = open_session(model_path, threads=threads)
        self.input_name = self.session.get_inputs()[0].name

    def read(self, crops: Sequence[Image]) -> list[list[Reading]]:
        if not crops:
            return []
        batch = np.stack([self._prepare(c) for c in crops])
        output = np.asarray(self.session.run(None, {self.input_name: batch})[0], dtype=np.float32)
        probs = output.reshape(len(crops), self.slots, len(self.alphabet))
        return [self._decode(p) for p in probs]

    def _prepare(self, crop: Image) -> np.ndarray:
        return prepare_crop(crop, self.width, self.height, grayscale=self.grayscale)

    def _decode(self, probs: np.ndarray) -> list[Reading]:
        best = probs.argmax(axis=1)
        chars: list[str] = []
        confs: list[float] = []
        for slot, index in enumerate(best):
            char = self.alphabet[int(index)]
            if char == self.pad_char or char not in _PLATE_CHARS:
                continue
            chars.append(char)
            confs.append(float(probs[slot, index]))
        if not chars:
            return []
        return [Reading("".join(chars), float(np.prod(confs) ** (1 / len(confs))), tuple(confs))]


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
    return config
