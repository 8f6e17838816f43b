"""Starting a run from an exported model: the network computes what the ONNX model computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="training needs the train extra (CI installs it)")

from plateward.errors import InvalidInput
from plateward.training.model import PlateNet
from plateward.training.train import ALPHABET, TrainConfig, export
from plateward.training.warm_start import load_onnx_weights


def trained_like(seed: int, width_mult: float = 0.25) -> PlateNet:
    """A small network whose normalisations hold statistics of their own, as after training."""
    torch.manual_seed(seed)
    net = PlateNet(10, len(ALPHABET), 64, 128, width_mult)
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.rand(16, 3, 64, 128) * 0.8 + 0.1)
    return net.eval()


def images(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 64, 128, 3), dtype=np.uint8)


def calibration(pixels: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255.0


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    config = TrainConfig(data=tmp_path, out=tmp_path, width_mult=0.25)
    return export(trained_like(1), config, tmp_path / "reader.onnx", temperature=0.8)


def test_a_warm_start_gives_back_the_exported_model(exported: Path) -> None:
    net = PlateNet(10, len(ALPHABET), 64, 128, 0.25)  # other random weights
    load_onnx_weights(net, exported, calibration(images(64, 2)))
    net.eval()
    pixels = images(8, 3)
    (wanted,) = ort.InferenceSession(str(exported)).run(None, {"input": pixels})
    with torch.no_grad():
        got = torch.softmax(net(calibration(pixels)) / 0.8, dim=-1).numpy()
    assert np.abs(got - wanted).max() < 1e-4


def test_in_training_mode_it_starts_where_the_model_was(exported: Path) -> None:
    """Batch statistics near the calibration batch's give nearly the model's readings."""
    net = PlateNet(10, len(ALPHABET), 64, 128, 0.25)
    batch = calibration(images(64, 4))
    load_onnx_weights(net, exported, batch)
    (wanted,) = ort.InferenceSession(str(exported)).run(None, {"input": images(64, 4)})
    net.train()
    net.classify[1].p = 0.0  # dropout off: only the normalisations differ between the modes
    with torch.no_grad():
        got = torch.softmax(net(batch) / 0.8, dim=-1).numpy()
    assert np.abs(got - wanted).max() < 1e-3


def test_a_model_of_another_shape_is_refused_by_name(exported: Path) -> None:
    wider = PlateNet(10, len(ALPHABET), 64, 128, 0.5)
    with pytest.raises(InvalidInput, match=r"reader\.onnx: weight .* has shape"):
        load_onnx_weights(wider, exported, calibration(images(4, 5)))


def test_a_file_that_is_no_model_is_refused_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x00not a model at all\xff" * 10)
    with pytest.raises(InvalidInput, match=r"broken\.onnx: not a readable ONNX model"):
        load_onnx_weights(
            PlateNet(10, len(ALPHABET), 64, 128, 0.25), broken, torch.zeros(1, 3, 64, 128)
        )
