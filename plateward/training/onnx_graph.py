"""An ONNX graph run by PyTorch, so a shipped network's own weights can be trained further.

PP-OCR's recogniser comes only as an ONNX file (rapidocr's wheel). Fine-tuning it needs
gradients, which onnxruntime does not give. Rather than re-writing its architecture by hand,
or converting it with a package that pulls in torchvision (no CPU build of it on the
registries this project installs from), this module interprets the graph node by node with
torch operations. Its float weights become parameters; after training, ``write_weights``
puts them back into the same graph, so the trained file is the original network, with the
same operators and input shapes, and new numbers.

Only the operators these recognisers use are implemented; any other raises a clear error.
Shapes are computed at run time from the input, so a graph with a dynamic width works.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from onnx import ModelProto, NodeProto, helper, numpy_helper
from torch import Tensor, nn

from plateward.errors import ConfigurationError

_BN_STATISTICS = (3, 4)
"""Inputs of BatchNormalization that hold running statistics: kept, not trained."""


class OnnxGraph(nn.Module):
    """``model``'s graph as a torch module: ``forward(x)`` returns its first output."""

    def __init__(self, model: ModelProto) -> None:
        super().__init__()
        graph = model.graph
        unknown = sorted({n.op_type for n in graph.node} - set(_OPS))
        if unknown:
            raise ConfigurationError(f"ONNX graph uses operators not supported here: {unknown}")
        statistics = {
            node.input[i]
            for node in graph.node
            if node.op_type == "BatchNormalization"
            for i in _BN_STATISTICS
        }
        self.names: dict[str, str] = {}
        self.params = nn.ParameterDict()
        self.fixed: dict[str, Tensor] = {}
        for init in graph.initializer:
            value = torch.from_numpy(np.array(numpy_helper.to_array(init)))
            key = f"w{len(self.names)}"
            self.names[init.name] = key
            if value.is_floating_point() and value.numel() > 1 and init.name not in statistics:
                self.params[key] = nn.Parameter(value.float())
            else:
                self.register_buffer(key, value, persistent=True)
        self.nodes = [
            (node, {a.name: helper.get_attribute_value(a) for a in node.attribute})
            for node in graph.node
        ]
        self.input_name = graph.input[0].name
        self.output_name = graph.output[0].name

    def forward(self, x: Tensor) -> Tensor:
        values: dict[str, Tensor] = {self.input_name: x}
        for init_name, key in self.names.items():
            values[init_name] = self.params[key] if key in self.params else getattr(self, key)
        for node, attrs in self.nodes:
            inputs = [values[name] if name else None for name in node.input]
            values[node.output[0]] = _OPS[node.op_type](inputs, attrs, node)
        return values[self.output_name]

    def write_weights(self, model: ModelProto) -> None:
        """Put this module's current weights into ``model`` (the graph it was built from)."""
        for init in model.graph.initializer:
            key = self.names.get(init.name)
            if key is None or key not in self.params:
                continue
            array = self.params[key].detach().cpu().numpy().astype(np.float32)
            init.CopyFrom(numpy_helper.from_array(array, init.name))


Op = Callable[[list[Any], dict[str, Any], NodeProto], Tensor]


def _same_upper(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Padding before and after one axis for auto_pad SAME_UPPER (the extra one after)."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _padded(x: Tensor, attrs: dict[str, Any], kernel: Sequence[int], value: float = 0.0) -> Tensor:
    """``x`` padded as the node's pads or auto_pad say (2-D spatial only)."""
    strides = attrs.get("strides", [1, 1])
    auto = attrs.get("auto_pad", b"NOTSET")
    if auto in (b"SAME_UPPER", "SAME_UPPER"):
        top, bottom = _same_upper(x.shape[2], kernel[0], strides[0])
        left, right = _same_upper(x.shape[3], kernel[1], strides[1])
    elif auto in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
        top, left, bottom, right = attrs.get("pads", [0, 0, 0, 0])
    else:
        raise ConfigurationError(f"auto_pad {auto!r} is not supported")
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom), value=value)


def _conv(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    x, weight = inputs[0], inputs[1]
    bias = inputs[2] if len(inputs) > 2 else None
    kernel = attrs.get("kernel_shape", list(weight.shape[2:]))
    return F.conv2d(
        _padded(x, attrs, kernel),
        weight,
        bias,
        stride=attrs.get("strides", [1, 1]),
        dilation=attrs.get("dilations", [1, 1]),
        groups=attrs.get("group", 1),
    )


def _max_pool(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    kernel = attrs["kernel_shape"]
    x = _padded(inputs[0], attrs, kernel, value=-math.inf)
    return F.max_pool2d(
        x, kernel, stride=attrs.get("strides", kernel), ceil_mode=bool(attrs.get("ceil_mode", 0))
    )


def _average_pool(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    kernel = attrs["kernel_shape"]
    pads = attrs.get("pads", [0, 0, 0, 0])
    if any(pads) or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise ConfigurationError(f"{node.name}: padded AveragePool is not supported")
    return F.avg_pool2d(
        inputs[0],
        kernel,
        stride=attrs.get("strides", kernel),
        ceil_mode=bool(attrs.get("ceil_mode", 0)),
    )


def _batch_norm(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    x, scale, bias, mean, var = inputs
    return F.batch_norm(x, mean, var, scale, bias, False, 0.0, attrs.get("epsilon", 1e-5))


def _slice(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    data: Tensor = inputs[0]
    starts, ends = inputs[1].tolist(), inputs[2].tolist()
    axes = inputs[3].tolist() if len(inputs) > 3 and inputs[3] is not None else range(len(starts))
    steps = inputs[4].tolist() if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
    index: list[slice] = [slice(None)] * data.dim()
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        size = data.shape[axis]
        start = max(min(start + size if start < 0 else start, size), 0)
        end = max(min(end + size if end < 0 else end, size), 0)
        index[axis] = slice(start, end, step)
    return data[tuple(index)]


def _reshape(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    data: Tensor = inputs[0]
    shape = [int(v) for v in inputs[1].tolist()]
    shape = [data.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return data.reshape(shape)


def _squeeze(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    x: Tensor = inputs[0]
    axes = attrs.get("axes", [i for i, size in enumerate(x.shape) if size == 1])
    for axis in sorted((a % x.dim() for a in axes), reverse=True):
        x = x.squeeze(axis)
    return x


def _unsqueeze(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    x: Tensor = inputs[0]
    rank = x.dim() + len(attrs["axes"])
    for axis in sorted(a % rank for a in attrs["axes"]):
        x = x.unsqueeze(axis)
    return x


def _softmax(inputs: list[Any], attrs: dict[str, Any], node: NodeProto) -> Tensor:
    x = inputs[0]
    axis = attrs.get("axis", 1) % x.dim()
    if axis != x.dim() - 1:  # opset < 13 flattens from ``axis`` on; only the last is used here
        raise ConfigurationError(f"{node.name}: Softmax over axis {axis} is not supported")
    return torch.softmax(x, dim=-1)


def _binary(fn: Callable[[Tensor, Tensor], Tensor]) -> Op:
    return lambda inputs, attrs, node: fn(inputs[0], inputs[1])


def _unary(fn: Callable[[Tensor], Tensor]) -> Op:
    return lambda inputs, attrs, node: fn(inputs[0])


_OPS: dict[str, Op] = {
    "Add": _binary(torch.add),
    "Sub": _binary(torch.sub),
    "Mul": _binary(torch.mul),
    "Div": _binary(torch.div),
    "Pow": _binary(torch.pow),
    "MatMul": _binary(torch.matmul),
    "Identity": _unary(lambda x: x),
    "Relu": _unary(torch.relu),
    "Sigmoid": _unary(torch.sigmoid),
    "Erf": _unary(torch.erf),
    "Sqrt": _unary(torch.sqrt),
    "HardSigmoid": lambda inputs, attrs, node: torch.clamp(
        attrs.get("alpha", 0.2) * inputs[0] + attrs.get("beta", 0.5), 0.0, 1.0
    ),
    "ReduceMean": lambda inputs, attrs, node: inputs[0].mean(
        dim=attrs["axes"], keepdim=bool(attrs.get("keepdims", 1))
    ),
    "Transpose": lambda inputs, attrs, node: inputs[0].permute(attrs["perm"]),
    "Concat": lambda inputs, attrs, node: torch.cat(inputs, dim=attrs["axis"]),
    "Shape": lambda inputs, attrs, node: torch.tensor(inputs[0].shape, dtype=torch.int64),
    "Conv": _conv,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "BatchNormalization": _batch_norm,
    "Slice": _slice,
    "Reshape": _reshape,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Softmax": _softmax,
}
