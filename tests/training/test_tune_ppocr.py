"""Fine-tuning PP-OCR's recogniser: the cut classifier, a short run end to end, its export."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="training needs the train extra (CI installs it)")

from plateward.errors import ConfigurationError
from plateward.recognition.reader_rapidocr import (
    PLATE_CHARS,
    REC_MODEL,
    RapidOcrReader,
    model_path,
    plate_columns,
)
from plateward.training import fonts
from plateward.training.onnx_graph import OnnxGraph
from plateward.training.synth import synthetic_plate
from plateward.training.tune_ppocr import (
    LINE_END_SHIFT,
    LineStream,
    TuneConfig,
    cut_line,
    export,
    greedy_text,
    plate_recogniser,
    tune,
)


def run(model: onnx.ModelProto | Path, x: np.ndarray) -> np.ndarray:
    source = model if isinstance(model, Path) else model.SerializeToString()
    session = ort.InferenceSession(
        source if isinstance(source, bytes) else str(source), providers=["CPUExecutionProvider"]
    )
    return np.asarray(session.run(None, {"x": x})[0])


def test_the_cut_classifier_keeps_the_plate_characters_odds() -> None:
    """Softmax over a subset of the logits: the kept columns' probabilities, renormalised."""
    source = model_path(REC_MODEL)
    cut = plate_recogniser(source)
    x = np.random.default_rng(3).uniform(-1, 1, (1, 3, 48, 320)).astype(np.float32)
    full, ours = run(source, x)[0], run(cut, x)[0]
    session = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"])
    columns, n_columns = plate_columns(session, source)
    keep = [0, *columns.tolist(), n_columns - 1]
    expected = full[:, keep] / full[:, keep].sum(axis=1, keepdims=True)
    assert ours.shape == (40, 38)
    np.testing.assert_allclose(ours, expected, atol=2e-5)
    meta = {p.key: p.value for p in cut.metadata_props}
    assert meta["character"].splitlines() == list(PLATE_CHARS)


def test_the_export_divides_the_logits_by_its_temperature(tmp_path: Path) -> None:
    """softmax(z / T) is p ** (1 / T), renormalised; weights stored as float16 cost ~1e-3."""
    x = np.random.default_rng(4).uniform(-1, 1, (1, 3, 48, 320)).astype(np.float32)
    plain = plate_recogniser(model_path(REC_MODEL))
    one = run(export(OnnxGraph(plain), plain, tmp_path / "one.onnx", 1.0), x)[0]
    warm = plate_recogniser(model_path(REC_MODEL))
    two = run(export(OnnxGraph(warm), warm, tmp_path / "two.onnx", 2.0), x)[0]
    expected = np.sqrt(one) / np.sqrt(one).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(two, expected, atol=5e-3)
    assert not np.allclose(two, one, atol=5e-2)
    meta = {p.key: p.value for p in onnx.load(str(tmp_path / "two.onnx")).metadata_props}
    assert meta["temperature"] == "2.00"


def test_an_export_the_reader_refuses_leaves_the_shipped_file_alone(tmp_path: Path) -> None:
    """A character list one longer than the classifier's output: refused, the file in place kept
    and no half-written file left beside it."""
    model = plate_recogniser(model_path(REC_MODEL))
    meta = {p.key: p.value for p in model.metadata_props}
    onnx.helper.set_model_props(model, {**meta, "character": meta["character"] + "\n#"})
    path = tmp_path / "plate_rec.onnx"
    path.write_bytes(b"the shipped recogniser")
    with pytest.raises(ConfigurationError, match="plate_rec.tmp: output shape"):
        export(OnnxGraph(model), model, path)
    assert path.read_bytes() == b"the shipped recogniser"
    assert list(tmp_path.iterdir()) == [path]


def test_a_model_that_is_not_pp_ocr_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "other.onnx"
    model = onnx.load(str(model_path(REC_MODEL)))
    del model.metadata_props[:]
    onnx.save(model, str(path))
    with pytest.raises(ConfigurationError, match=f"{path}: not a PP-OCR recogniser"):
        plate_recogniser(path)
    path.write_bytes(b"garbage")
    with pytest.raises(ConfigurationError, match=f"{path}: cannot read ONNX model"):
        plate_recogniser(path)


def test_a_dictionary_without_a_plate_character_is_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "latin.onnx"
    model = onnx.load(str(model_path(REC_MODEL)))
    meta = {p.key: p.value for p in model.metadata_props}
    chars = [c for c in meta["character"].splitlines() if c != "Q"]
    onnx.helper.set_model_props(model, {**meta, "character": "\n".join(chars)})
    onnx.save(model, str(path))
    with pytest.raises(ConfigurationError, match=f"{path}: dictionary lacks Q"):
        plate_recogniser(path)


def test_training_lines_end_at_drawn_shifts_seeded_by_the_sample() -> None:
    """The same sample index cuts the same line; across samples its ends move in and out of
    the line the reader finds, within ``LINE_END_SHIFT`` of its height."""
    fonts.require_all()
    stream = LineStream(TuneConfig(data=Path("."), out=Path("."), steps=4, batch=4), [])
    image = synthetic_plate(np.random.default_rng([3, 0])).image
    (box,) = RapidOcrReader(threads=1).lines(image)
    widths = set()
    for i in range(40):
        first = stream.line(image, np.random.default_rng([stream.seed, i, 0, 2]))
        again = stream.line(image, np.random.default_rng([stream.seed, i, 0, 2]))
        assert first is not None and again is not None
        assert np.array_equal(first, again)
        # the recogniser's input is padded with zeros, which no scaled pixel equals
        widths.add(int((np.abs(first).sum(axis=(0, 1)) > 0).sum()))
    height = box[3] - box[1]
    low, high = LINE_END_SHIFT

    def scaled(width: float) -> int:
        return math.ceil(48 * width / height)

    assert min(widths) < scaled(box[2] - box[0]) < max(widths)
    assert scaled(box[2] - box[0] + 2 * low * height) - 1 <= min(widths)
    assert max(widths) <= scaled(box[2] - box[0] + 2 * high * height) + 1


def test_cut_line_moves_its_ends_and_repeats_the_edge_past_the_crop() -> None:
    image = np.tile(np.arange(20, dtype=np.uint8)[None, :, None], (10, 1, 3))
    assert cut_line(image, (2, 1, 18, 9))[0, :, 0].tolist() == list(range(2, 18))
    out = cut_line(image, (2, 1, 18, 9), left=5, right=4)
    assert out.shape == (8, 25, 3)
    assert out[0, :, 0].tolist() == [0, 0, 0, *range(20), 19, 19]
    assert cut_line(image, (2, 1, 18, 9), left=-3, right=-1)[0, :, 0].tolist() == list(range(5, 17))
    # ends moved in past each other: the box itself
    assert cut_line(image, (2, 1, 18, 9), left=-9, right=-9).shape == (8, 16, 3)


def test_greedy_text_merges_repeats_and_drops_blank_and_space() -> None:
    frames = [0, 11, 11, 0, 2, 37, 2, 0]  # blank, A, A, blank, 1, space, 1, blank
    probs = torch.zeros(len(frames), 38)
    probs[torch.arange(len(frames)), torch.tensor(frames)] = 1.0
    assert greedy_text(probs) == "A11"


@pytest.mark.slow
def test_a_short_run_exports_a_recogniser_the_reader_runs_and_resumes(
    tmp_path: Path, crop_labels: Path
) -> None:
    """Two steps on a few drawn plates: the file loads in the reader, reads in its shape, is
    stored at half size, and a second call resumes at the checkpoint's step."""
    config = TuneConfig(
        data=tmp_path,
        out=tmp_path / "run",
        steps=2,
        batch=2,
        workers=0,
        checkpoint_every=1,
        label_files=[crop_labels],
    )
    model = tune(config)
    assert model == tmp_path / "run" / "plate_rec.onnx"
    assert model.stat().st_size < 0.6 * model_path(REC_MODEL).stat().st_size
    reader = RapidOcrReader(threads=1, rec_model=model)
    (readings,) = reader.read([cv2.imread(str(crop_labels.parent / "0.png"))])
    assert all(set(r.text) <= set(PLATE_CHARS) for r in readings)
    weights = model.read_bytes()
    assert tune(config) == model  # the finished run, called again: resumes at its end
    assert "resumed at step 2" in (tmp_path / "run" / "train.log").read_text()
    assert model.read_bytes() == weights
