"""Start a training run from a model already exported to ONNX, such as the one shipped.

A run's checkpoint lives on the machine that trained it; the ONNX file is what the package
keeps. Its graph has each batch normalisation folded into the convolution before it (the
exporter does that in eval mode), so the weights cannot be copied back one to one. Each folded
convolution goes back as the convolution's weights, and its batch normalisation is set to give
back exactly the folded bias: in eval mode at once, and in training mode (which normalises by
the batch's own statistics) once its scale and shift are the statistics of real activations,
measured on a calibration batch. The network then computes what the ONNX model computes
before the softmax, and training goes on from there instead of from random weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from google.protobuf.message import DecodeError
from onnx import numpy_helper
from torch import nn

from plateward.errors import InvalidInput
from plateward.training.model import PlateNet


def load_onnx_weights(net: PlateNet, path: Path, calibration: torch.Tensor) -> None:
    """Set ``net``'s weights from the ONNX model at ``path``.

    ``calibration``: a float batch (batch, 3, H, W) in 0..1 of the kind the network will train
    on, for the batch normalisations' statistics. Raises ``InvalidInput`` naming the file when
    the model is not this network's shape.
    """
    try:
        model = onnx.load(str(path))
    except (OSError, DecodeError) as exc:
        raise InvalidInput(f"{path}: not a readable ONNX model ({exc})") from exc
    weights = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    gemms = [n for n in model.graph.node if n.op_type == "Gemm"]
    layers = _conv_layers(net)
    if len(convs) != len(layers) or len(gemms) != 1:
        raise InvalidInput(
            f"{path}: {len(convs)} convolutions and {len(gemms)} dense layers, where this "
            f"network has {len(layers)} and 1"
        )
    folded: list[tuple[nn.BatchNorm2d, torch.Tensor]] = []
    with torch.no_grad():
        for node, (conv, norm) in zip(convs, layers, strict=True):
            weight = _tensor(weights, node.input[1], conv.weight.shape, path)
            bias = _tensor(weights, node.input[2], (conv.out_channels,), path)
            conv.weight.copy_(weight)
            if norm is None:
                assert conv.bias is not None
                conv.bias.copy_(bias)
                continue
            mean, var = _running(norm)
            norm.weight.fill_(1.0)
            norm.bias.copy_(bias)
            mean.zero_()
            var.fill_(1.0 - norm.eps)
            folded.append((norm, bias))
        dense = net.classify[2]
        assert isinstance(dense, nn.Linear)
        dense.weight.copy_(_tensor(weights, gemms[0].input[1], dense.weight.shape, path))
        dense.bias.copy_(_tensor(weights, gemms[0].input[2], dense.bias.shape, path))
    _calibrate(net, folded, calibration)


def _conv_layers(net: PlateNet) -> list[tuple[nn.Conv2d, nn.BatchNorm2d | None]]:
    """Each convolution in the order the graph runs them, with the normalisation after it."""
    layers: list[tuple[nn.Conv2d, nn.BatchNorm2d | None]] = []
    for module in net.backbone.modules():
        if isinstance(module, nn.Conv2d):
            layers.append((module, None))
        elif isinstance(module, nn.BatchNorm2d):
            layers[-1] = (layers[-1][0], module)
    return layers


def _tensor(
    weights: dict[str, np.ndarray], name: str, shape: torch.Size | tuple[int, ...], path: Path
) -> torch.Tensor:
    if name not in weights:
        raise InvalidInput(f"{path}: weight {name!r} is not stored in the model")
    value = weights[name]
    if tuple(value.shape) != tuple(shape):
        raise InvalidInput(
            f"{path}: weight {name!r} has shape {tuple(value.shape)}, this network needs "
            f"{tuple(shape)}"
        )
    return torch.from_numpy(value.astype(np.float32))


def _calibrate(
    net: PlateNet, folded: list[tuple[nn.BatchNorm2d, torch.Tensor]], batch: torch.Tensor
) -> None:
    """Give each normalisation the statistics of its input, keeping what it outputs.

    With scale ``s`` and shift ``m + b`` over running mean ``m`` and variance ``s**2``, the
    normalisation outputs its input plus the folded bias ``b`` in eval mode exactly, and in
    training mode wherever the batch's statistics are near the calibration batch's.
    """
    seen: dict[int, torch.Tensor] = {}
    hooks = [
        norm.register_forward_pre_hook(
            lambda module, inputs: seen.__setitem__(id(module), inputs[0].detach())
        )
        for norm, _ in folded
    ]
    net.eval()
    try:
        with torch.no_grad():
            net(batch)
    finally:
        for hook in hooks:
            hook.remove()
    with torch.no_grad():
        for norm, bias in folded:
            values = seen[id(norm)]
            mean = values.mean(dim=(0, 2, 3))
            std = values.var(dim=(0, 2, 3), unbiased=False).add(norm.eps).sqrt()
            running_mean, running_var = _running(norm)
            norm.weight.copy_(std)
            norm.bias.copy_(mean + bias)
            running_mean.copy_(mean)
            running_var.copy_((std * std - norm.eps).clamp_min(1e-6))


def _running(norm: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    mean, var = norm.running_mean, norm.running_var
    assert mean is not None and var is not None  # PlateNet's normalisations track them
    return mean, var
