"""Turning a float16 ONNX model into float32 in memory, so onnxruntime runs it fast on a CPU.

platedet ships its YOLOv8-seg model in float16. onnxruntime's CPU provider has few float16
kernels: it wraps most nodes in Cast pairs or falls back to slow reference code, and the model
ran ~260 ms per image with 2 threads. The same graph in float32 runs several times faster and
agrees with the float16 outputs to within float16 rounding (see the tests). Converting takes a
fraction of a second and nothing is written to disk, so the wheel's own file stays the single
source of weights and no cache can go stale.

Only the precision changes: every float16 initializer, Constant node, tensor attribute, Cast
target and declared graph input, output and intermediate type becomes float32. The converted
model therefore takes and returns float32 arrays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import AttributeProto, GraphProto, ModelProto, TensorProto, numpy_helper

from plateward.recognition.onnx_file import read_model

_FLOAT16 = TensorProto.FLOAT16
_FLOAT = TensorProto.FLOAT


def load_as_float32(model_path: Path) -> bytes:
    """The model at ``model_path`` with float16 replaced by float32, serialised for onnxruntime."""
    serialised: bytes = float16_to_float32(read_model(model_path)).SerializeToString()
    return serialised


def float16_to_float32(model: ModelProto) -> ModelProto:
    """Rewrite ``model`` in place (and return it) so that no tensor in it is float16."""
    _convert_graph(model.graph)
    return model


def _convert_graph(graph: GraphProto) -> None:
    for index, initializer in enumerate(graph.initializer):
        if initializer.data_type == _FLOAT16:
            graph.initializer[index].CopyFrom(_as_float32(initializer))
    for value in (*graph.input, *graph.output, *graph.value_info):
        tensor_type = value.type.tensor_type
        if tensor_type.elem_type == _FLOAT16:
            tensor_type.elem_type = _FLOAT
    for node in graph.node:
        for attribute in node.attribute:
            _convert_attribute(node.op_type, attribute)


def _convert_attribute(op_type: str, attribute: AttributeProto) -> None:
    # Cast's target and any tensor-valued attribute (Constant's value, ConstantOfShape's value)
    # carry a type of their own; subgraphs (If, Loop, Scan) carry whole graphs.
    if op_type == "Cast" and attribute.name == "to" and attribute.i == _FLOAT16:
        attribute.i = _FLOAT
    if attribute.type == AttributeProto.TENSOR and attribute.t.data_type == _FLOAT16:
        attribute.t.CopyFrom(_as_float32(attribute.t))
    for tensor in attribute.tensors:
        if tensor.data_type == _FLOAT16:
            tensor.CopyFrom(_as_float32(tensor))
    if attribute.type == AttributeProto.GRAPH:
        _convert_graph(attribute.g)
    for subgraph in attribute.graphs:
        _convert_graph(subgraph)


def _as_float32(tensor: TensorProto) -> TensorProto:
    values = numpy_helper.to_array(tensor).astype(np.float32)
    return numpy_helper.from_array(values, name=tensor.name)
