"""Averaging fine-tuning runs into one recogniser: the mean of their trained weights."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from typer.testing import CliRunner

torch = pytest.importorskip("torch", reason="training needs the train extra (CI installs it)")

from plateward.cli import app
from plateward.errors import ConfigurationError
from plateward.recognition.reader_rapidocr import REC_MODEL, RapidOcrReader, model_path
from plateward.training.average import export_average
from plateward.training.crops import default_label_files, load_crops
from plateward.training.onnx_graph import OnnxGraph
from plateward.training.tune_ppocr import HALF_SUFFIX, classifier, export, plate_recogniser


def run_export(path: Path, temperature: float, shift: float) -> Path:
    """PP-OCR's cut recogniser with every trained weight moved by ``shift``, exported."""
    model = plate_recogniser(model_path(REC_MODEL))
    net = OnnxGraph(model)
    with torch.no_grad():
        for weight in net.params.values():
            weight += shift
    return export(net, model, path, temperature)


def trained(path: Path) -> dict[str, np.ndarray]:
    """An exported file's weights as trained: float16 ones by their name, the classifier
    multiplied back by the file's temperature."""
    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    arrays = {
        init.name.removesuffix(HALF_SUFFIX): numpy_helper.to_array(init).astype(np.float32)
        for init in model.graph.initializer
    }
    for init in classifier(plate_recogniser(model_path(REC_MODEL)), path):  # its names
        arrays[init.name] *= float(meta["temperature"])
    return arrays


def test_the_average_of_two_runs_is_the_mean_of_their_weights(
    tmp_path: Path, crop_labels: Path
) -> None:
    """One run given by its export (temperature taken back out of its classifier), one by its
    checkpoint: the file holds their mean, calibrated anew, and the reader runs it."""
    assert any(c.holdout for c in load_crops(crop_labels))  # something to calibrate on
    low = run_export(tmp_path / "low.onnx", 2.0, -0.01)
    model = plate_recogniser(model_path(REC_MODEL))
    net = OnnxGraph(model)
    with torch.no_grad():
        for weight in net.params.values():
            weight += 0.03
    torch.save({"model": net.state_dict()}, tmp_path / "checkpoint.pt")
    high = export(net, model, tmp_path / "high.onnx", 1.0)

    out, temperature = export_average(
        [low, tmp_path / "checkpoint.pt"], tmp_path / "mean.onnx", [crop_labels]
    )
    assert out == tmp_path / "mean.onnx"
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert meta["temperature"] == f"{temperature:.2f}"
    mean, a, b = trained(out), trained(low), trained(high)
    moved = [name for name in a if a[name].size > 1 and not np.allclose(a[name], b[name])]
    assert len(moved) > 100  # the trained weights, not batch-norm statistics or shapes
    for name in moved:
        np.testing.assert_allclose(mean[name], (a[name] + b[name]) / 2, rtol=2e-3, atol=2e-3)
    RapidOcrReader(threads=1, rec_model=out)


def test_one_run_exports_as_its_own_weights(tmp_path: Path, crop_labels: Path) -> None:
    source = run_export(tmp_path / "run.onnx", 1.7, 0.02)
    out, _ = export_average([source], tmp_path / "again.onnx", [crop_labels])
    again, first = trained(out), trained(source)
    for name, value in first.items():
        np.testing.assert_allclose(again[name], value, rtol=2e-3, atol=2e-3)


def test_a_source_that_is_not_a_run_is_refused_naming_it(tmp_path: Path, crop_labels: Path) -> None:
    out = tmp_path / "out.onnx"
    with pytest.raises(ConfigurationError, match="no run to export"):
        export_average([], out, [crop_labels])
    missing = tmp_path / "gone.pt"
    with pytest.raises(ConfigurationError, match=f"{missing}: not found"):
        export_average([missing], out, [crop_labels])
    garbage = tmp_path / "checkpoint.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigurationError, match=f"{garbage}: not a fine-tuning run's"):
        export_average([garbage], out, [crop_labels])
    other = tmp_path / "other.pt"
    torch.save({"model": {"params.w0": torch.zeros(3)}}, other)
    with pytest.raises(ConfigurationError, match=f"{other}: its weights are not those"):
        export_average([other], out, [crop_labels])
    stock = model_path(REC_MODEL)  # PP-OCR as shipped: never tuned, no temperature
    with pytest.raises(ConfigurationError, match=f"{stock}: no temperature"):
        export_average([stock], out, [crop_labels])
    assert not out.exists()


def test_the_command_averages_every_run_named_before_the_file_it_writes(
    tmp_path: Path, crop_labels: Path
) -> None:
    data = tmp_path / "data"
    for labels in default_label_files(data):  # the shared data folder's layout
        shutil.copytree(crop_labels.parent, labels.parent, dirs_exist_ok=True)
    a = run_export(tmp_path / "a.onnx", 1.0, -0.02)
    b = run_export(tmp_path / "b.onnx", 1.0, 0.02)
    out = tmp_path / "mean.onnx"
    result = CliRunner().invoke(
        app, ["reader", "tune-export", str(a), str(b), str(out), "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    assert f"{out}: temperature" in result.output
    name = next(n for n, v in trained(a).items() if v.size > 1 and not np.allclose(v, 0))
    np.testing.assert_allclose(
        trained(out)[name], (trained(a)[name] + trained(b)[name]) / 2, rtol=2e-3, atol=2e-3
    )
    result = CliRunner().invoke(app, ["reader", "tune-export", str(out)])  # no run given
    assert result.exit_code == 2
    assert "Missing argument 'runs'" in result.output
