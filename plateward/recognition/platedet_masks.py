"""platedet's mask branches, run only around the plates the detector kept.

A plate's outline needs its anchor's 32 mask coefficients and the 32 mask prototypes under its
box. Both branches are short stacks of small convolutions, so an output cell depends only on
the few feature cells around it: computing them on a patch of the neck's feature map gives
the same numbers as computing them for the whole frame, as long as the patch reaches far
enough (``_COEFF_REACH``, ``_PROTO_REACH``) or stops at the map's own edge, where the
convolutions' zero padding is the same either way. A frame's one or two plates then cost
about a millisecond, where the whole-frame branches cost ~50 ms (``platedet_graph``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from onnx import ModelProto

from plateward.recognition.onnx_session import open_session
from plateward.recognition.platedet_graph import COEFF_OUTPUTS, NECK_OUTPUTS, PROTO_OUTPUT, cut

FloatArray = npt.NDArray[np.float32]

_COEFF_REACH = 2
"""Two 3 x 3 convolutions then a 1 x 1: a coefficient sees 2 feature cells each way."""
_PROTO_REACH = 3
"""A 3 x 3 convolution at stride 8, a 2x up-sampling, a 3 x 3 at stride 4, a 1 x 1: a
prototype cell sees 2 stride-8 cells each way; one more absorbs the rounding of halving."""


class MaskHead:
    """The coefficient branches (one per level) and the prototype branch, as small sessions."""

    def __init__(self, model: ModelProto, *, threads: int) -> None:
        self._coefficients = [
            open_session(cut(model, [neck], [coeff]), threads=threads)
            for neck, coeff in zip(NECK_OUTPUTS, COEFF_OUTPUTS, strict=True)
        ]
        self._prototypes = open_session(
            cut(model, [NECK_OUTPUTS[0]], [PROTO_OUTPUT]), threads=threads
        )

    def coefficients(self, features: FloatArray, level: int, row: int, col: int) -> FloatArray:
        """The 32 mask coefficients of the anchor at (row, col) of ``level``'s features."""
        height, width = features.shape[2:]
        r0, r1 = max(0, row - _COEFF_REACH), min(height, row + _COEFF_REACH + 1)
        c0, c1 = max(0, col - _COEFF_REACH), min(width, col + _COEFF_REACH + 1)
        patch = np.ascontiguousarray(features[:, :, r0:r1, c0:c1])
        out = self._coefficients[level].run(None, {NECK_OUTPUTS[level]: patch})[0]
        coefficients: FloatArray = out[0, :, row - r0, col - c0]
        return coefficients

    def prototypes(self, features: FloatArray, y1: int, y2: int, x1: int, x2: int) -> FloatArray:
        """Prototype cells [y1:y2, x1:x2] (stride 4) from the stride-8 features around them."""
        height, width = features.shape[2:]
        r0, r1 = max(0, y1 // 2 - _PROTO_REACH), min(height, (y2 + 1) // 2 + _PROTO_REACH)
        c0, c1 = max(0, x1 // 2 - _PROTO_REACH), min(width, (x2 + 1) // 2 + _PROTO_REACH)
        patch = np.ascontiguousarray(features[:, :, r0:r1, c0:c1])
        out = self._prototypes.run(None, {NECK_OUTPUTS[0]: patch})[0]
        prototypes: FloatArray = out[0, :, y1 - 2 * r0 : y2 - 2 * r0, x1 - 2 * c0 : x2 - 2 * c0]
        return prototypes
