"""Opening an ONNX model file, with one error for every way it can fail to be one."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import ModelProto

from plateward.errors import ConfigurationError


def read_model(path: Path) -> ModelProto:
    """The model at ``path``; a missing file, a truncated download or a file that is not
    protobuf at all raises ``ConfigurationError`` naming the file."""
    try:
        return onnx.load(str(path))
    except Exception as exc:  # onnx raises OSError, DecodeError and others by case
        raise ConfigurationError(f"{path}: cannot read ONNX model: {exc}") from exc
