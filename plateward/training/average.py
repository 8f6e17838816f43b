"""Export one recogniser from the weights of several fine-tuning runs, averaged.

Runs that start from the same PP-OCR weights and differ only in their seed end in the same
basin of the loss, so the mean of their weights is a network of the same shape that makes
fewer of any one run's idiosyncratic errors (a "uniform model soup", Wortsman et al., 2022).
Unlike averaging the runs' outputs, it costs nothing at reading time: the file is one
recogniser. A run is given by its checkpoint, or by a recogniser it exported (such as the
one shipped) when its checkpoint is gone: the exported weights are its trained ones,
rounded to float16, with the classifier divided by the temperature, which is taken back out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from onnx import ModelProto, numpy_helper
from torch import Tensor

from plateward.errors import ConfigurationError
from plateward.recognition.onnx_file import read_model
from plateward.recognition.reader_rapidocr import REC_MODEL, model_path
from plateward.training import crops as crops_mod
from plateward.training.onnx_graph import OnnxGraph
from plateward.training.tune_ppocr import (
    HALF_SUFFIX,
    classifier,
    export,
    fit_temperature,
    held_out_lines,
    plate_recogniser,
)


def run_weights(source: Path, net: OnnxGraph, base: ModelProto) -> dict[str, Tensor]:
    """The trained weights of one run, as ``net``'s parameters, from its checkpoint (.pt) or
    from a recogniser it exported (.onnx)."""
    if not source.is_file():
        raise ConfigurationError(f"{source}: not found")
    wanted = {f"params.{key}": name for name, key in net.names.items() if key in net.params}
    shapes = {k: v.shape for k, v in net.state_dict().items()}
    if source.suffix == ".onnx":
        arrays = _exported_arrays(source, base)
        found = {k: torch.from_numpy(arrays[n]) for k, n in wanted.items() if n in arrays}
    else:
        try:
            state = torch.load(source, weights_only=False)["model"]
        except Exception as exc:  # not a file torch wrote, or not a run's checkpoint
            raise ConfigurationError(f"{source}: not a fine-tuning run's checkpoint") from exc
        found = {k: state[k] for k in wanted if k in state}
    if len(found) != len(wanted) or any(found[k].shape != shapes[k] for k in found):
        raise ConfigurationError(
            f"{source}: its weights are not those of the plate recogniser"
            f" ({len(found)} of {len(wanted)} found in their shapes)"
        )
    return {k: v.float() for k, v in found.items()}


def _exported_arrays(source: Path, base: ModelProto) -> dict[str, np.ndarray]:
    model = read_model(source)
    meta = {p.key: p.value for p in model.metadata_props}
    try:
        temperature = float(meta["temperature"])
    except (KeyError, ValueError) as exc:
        raise ConfigurationError(f"{source}: no temperature: not a tuned recogniser") from exc
    arrays = {
        init.name.removesuffix(HALF_SUFFIX): numpy_helper.to_array(init).astype(np.float32)
        for init in model.graph.initializer
    }
    for init in classifier(base, source):
        if init.name in arrays:
            arrays[init.name] = arrays[init.name] * np.float32(temperature)
    return arrays


def export_average(
    sources: Sequence[Path], path: Path, label_files: Sequence[Path]
) -> tuple[Path, float]:
    """The mean of the runs' weights, calibrated on the held-out crops of ``label_files`` and
    exported to ``path`` as ``tune`` exports a run; returns the file and its temperature. One
    source is that run's export (a checkpoint of a run not yet finished, too)."""
    if not sources:
        raise ConfigurationError("no run to export: give a checkpoint or a tuned recogniser")
    base = plate_recogniser(model_path(REC_MODEL))
    net = OnnxGraph(base)
    weights = [run_weights(source, net, base) for source in sources]
    mean = {key: torch.stack([w[key] for w in weights]).mean(dim=0) for key in weights[0]}
    net.load_state_dict(mean, strict=False)
    real = crops_mod.load_all(label_files)
    temperature = fit_temperature(net, held_out_lines(real))
    return export(net, base, path, temperature), temperature
