"""Cutting platedet's YOLOv8-seg graph into the pieces the detector runs.

The wheel's model is one graph with a fixed 640 x 640 input that decodes boxes for exactly
8400 anchors and computes mask coefficients for every anchor and mask prototypes for the whole
frame. The detector needs less, and at any size:

* the main piece runs from the image to the per-level box and plate-score outputs, plus the
  three neck feature maps the mask branches start from. It stops before the fixed-size box
  decoding, which leaves a fully convolutional network that takes any multiple of 32;
* the mask pieces (one coefficient branch per level, and the prototype branch) take a neck
  feature map in and are run later, only around the plates found. The coefficient branches
  alone were a quarter of the whole network's time (43 of 189 ms per 640 x 384 frame on 2
  threads) while the few plates of a frame need them at one anchor each.

Every piece is converted to float32 (``onnx_precision``) in memory; nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import onnx
from onnx import ModelProto, TensorProto

from plateward.errors import ConfigurationError
from plateward.recognition.onnx_file import read_model
from plateward.recognition.onnx_precision import float16_to_float32

IMAGE_INPUT = "images"
LEVEL_OUTPUTS = (
    "/model.22/Concat_1_output_0",  # stride 8: 64 box-distribution logits + 1 plate logit
    "/model.22/Concat_2_output_0",  # stride 16
    "/model.22/Concat_3_output_0",  # stride 32
)
NECK_OUTPUTS = (
    "/model.15/cv2/act/Mul_output_0",  # stride 8 features: the stride-8 head and the prototypes
    "/model.18/cv2/act/Mul_output_0",  # stride 16
    "/model.21/cv2/act/Mul_output_0",  # stride 32
)
COEFF_OUTPUTS = (
    "/model.22/cv4.0/cv4.0.2/Conv_output_0",  # 32 mask coefficients per stride-8 anchor
    "/model.22/cv4.1/cv4.1.2/Conv_output_0",
    "/model.22/cv4.2/cv4.2.2/Conv_output_0",
)
PROTO_OUTPUT = "output1"  # 32 mask prototypes at a quarter of the input resolution


def load_float32(model_path: Path) -> ModelProto:
    """platedet's model in float32, checked to be the graph whose node names this module uses."""
    model = read_model(model_path)
    graph = model.graph
    names = {output for node in graph.node for output in node.output}
    wanted = {*LEVEL_OUTPUTS, *NECK_OUTPUTS, *COEFF_OUTPUTS, PROTO_OUTPUT}
    if len(graph.input) != 1 or graph.input[0].name != IMAGE_INPUT or not wanted <= names:
        raise ConfigurationError(f"{model_path}: not the platedet YOLOv8-seg model")
    float16_to_float32(model)
    # Stored intermediate shapes say 640 x 640; without them onnxruntime infers each size.
    del graph.value_info[:]
    return model


def cut(model: ModelProto, inputs: Iterable[str], outputs: Iterable[str]) -> bytes:
    """The part of ``model`` from ``inputs`` to ``outputs``, every input of any height and width.

    ``model`` is not changed. An input may be an intermediate tensor: the nodes that made it
    are left out and it becomes a graph input of shape (1, channels, height, width).
    """
    piece = ModelProto()
    piece.CopyFrom(model)
    graph = piece.graph
    starts, ends = list(inputs), list(outputs)
    del graph.output[:]
    graph.output.extend(
        onnx.helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in ends
    )
    del graph.input[:]
    graph.input.extend(
        onnx.helper.make_tensor_value_info(
            name, TensorProto.FLOAT, [1, "channels", "height", "width"]
        )
        for name in starts
    )
    needed, kept = set(ends), []
    for node in reversed(graph.node):
        if needed.intersection(node.output) and not set(node.output) <= set(starts):
            kept.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    initializers = [i for i in graph.initializer if i.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    serialised: bytes = piece.SerializeToString()
    return serialised
