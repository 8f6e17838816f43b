"""The optional back-ends load local model files; tiny ONNX models stand in for the real ones.

The real open-image-models and fast-plate-ocr weights come from a hub this machine cannot reach,
so these tests build models with the same input and output contract and check that Plateward's
loading, pre-processing and decoding code handles them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from plateward.errors import ConfigurationError
from plateward.recognition.backends import load_detector, load_reader
from plateward.recognition.detector_yolo_end2end import YoloEnd2EndDetector
from plateward.recognition.reader_fast_plate_ocr import FastPlateOcrReader
from plateward.settings import RecognitionSettings

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"


def constant_model(
    path: Path, input_type: int, input_shape: list[object], constant: np.ndarray
) -> Path:
    """An ONNX model whose output is ``constant``, repeated for each image of the batch."""
    const = helper.make_tensor("c", TensorProto.FLOAT, constant.shape, constant.ravel().tolist())
    nodes = [
        helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT),
        helper.make_node("Flatten", ["xf"], ["flat"], axis=1),
        helper.make_node("ReduceSum", ["flat", "axis1"], ["s"], keepdims=1),
        helper.make_node("Mul", ["s", "zero"], ["z"]),
        helper.make_node("Add", ["z", "c"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "stand-in",
        [helper.make_tensor_value_info("x", input_type, input_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[
            const,
            helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
            helper.make_tensor("axis1", TensorProto.INT64, [1], [1]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def plate_probs(text: str, slots: int) -> np.ndarray:
    probs = np.full((1, slots, len(ALPHABET)), 0.001, dtype=np.float32)
    for slot, char in enumerate(text.ljust(slots, "_")):
        probs[0, slot, ALPHABET.index(char)] = 0.9
    return probs.reshape(1, -1)


@pytest.fixture()
def ocr_files(tmp_path: Path) -> tuple[Path, Path]:
    model = constant_model(
        tmp_path / "ocr.onnx", TensorProto.UINT8, ["N", 64, 128, 1], plate_probs("7ABC123", 9)
    )
    config = tmp_path / "plate.yaml"
    config.write_text(
        "max_plate_slots: 9\nalphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_'\npad_char: '_'\n"
        "img_height: 64\nimg_width: 128\nimage_color_mode: grayscale\n"
    )
    return model, config


def test_fast_plate_ocr_reader_decodes_slots_and_drops_padding(
    ocr_files: tuple[Path, Path],
) -> None:
    reader = FastPlateOcrReader(*ocr_files, threads=1)
    crops = [np.zeros((40, 120, 3), np.uint8), np.full((30, 90, 3), 200, np.uint8)]
    results = reader.read(crops)
    assert [r[0].text for r in results] == ["7ABC123", "7ABC123"]
    assert len(results[0][0].char_confidences) == 7
    # The text's probability: every slot's, the seven characters' and the two pads'.
    assert results[0][0].confidence == pytest.approx(0.9**9, rel=0.01)
    assert results[0][0].char_confidences == pytest.approx((0.9,) * 7)


def test_fast_plate_ocr_config_missing_fields_is_refused(
    tmp_path: Path, ocr_files: tuple[Path, Path]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("alphabet: 'AB_'\n")
    with pytest.raises(ConfigurationError, match="lacks pad_char"):
        FastPlateOcrReader(ocr_files[0], bad)


def test_yolo_end2end_detector_maps_boxes_back_to_the_source_image(tmp_path: Path) -> None:
    # Letterboxing a 200x100 image into 64x64 scales by 0.32 and pads 16 px above and below.
    rows = np.array([[0, 16, 24, 48, 40, 0, 0.8], [0, 0, 0, 5, 5, 0, 0.1]], dtype=np.float32)
    model = constant_model(tmp_path / "det.onnx", TensorProto.FLOAT, [1, 3, 64, 64], rows)
    detector = YoloEnd2EndDetector(model, threads=1, confidence=0.25)
    found = detector.detect(np.zeros((100, 200, 3), np.uint8))
    assert len(found) == 1
    assert found[0].box == (50, 25, 150, 75)
    assert found[0].confidence == pytest.approx(0.8)
    assert found[0].polygon == ()


def test_optional_backends_need_local_model_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="never downloads"):
        load_reader(RecognitionSettings(reader="fast-plate-ocr"))
    with pytest.raises(ConfigurationError, match="not found"):
        load_detector(
            RecognitionSettings(detector="open-image-models", detector_model=tmp_path / "no.onnx")
        )


def test_a_corrupt_model_file_is_a_configuration_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(ConfigurationError, match="cannot load ONNX model"):
        YoloEnd2EndDetector(broken)


def test_slot_decoding_offers_the_runner_up_of_a_doubtful_slot(
    ocr_files: tuple[Path, Path],
) -> None:
    reader = FastPlateOcrReader(*ocr_files, threads=1)
    probs = np.full((9, len(ALPHABET)), 0.0001, dtype=np.float32)
    for slot, char in enumerate("8ABC123__"):
        probs[slot, ALPHABET.index(char)] = 0.99
    probs[0, ALPHABET.index("8")] = 0.6
    probs[0, ALPHABET.index("B")] = 0.39
    readings = reader.decode(probs)
    assert [r.text for r in readings[:2]] == ["8ABC123", "BABC123"]
    assert readings[1].char_confidences[0] == pytest.approx(0.39)
    assert readings[0].confidence > readings[1].confidence


def test_a_plate_config_that_disagrees_with_the_model_names_both_files(
    tmp_path: Path, ocr_files: tuple[Path, Path]
) -> None:
    model, config = ocr_files
    taller = tmp_path / "taller.yaml"
    taller.write_text(config.read_text().replace("img_height: 64", "img_height: 70"))
    with pytest.raises(ConfigurationError, match="does not match") as raised:
        FastPlateOcrReader(model, taller)
    assert str(model) in raised.value.message and str(taller) in raised.value.message
    more_slots = tmp_path / "slots.yaml"
    more_slots.write_text(config.read_text().replace("max_plate_slots: 9", "max_plate_slots: 10"))
    with pytest.raises(ConfigurationError, match="is not 10 slots x 37 characters"):
        FastPlateOcrReader(model, more_slots)


def test_a_corrupt_reader_model_is_refused_naming_the_file(
    tmp_path: Path, ocr_files: tuple[Path, Path]
) -> None:
    broken = tmp_path / "reader.onnx"
    broken.write_bytes(b"\x08\x01garbage")
    settings = RecognitionSettings(
        reader="plateward", reader_model=broken, reader_config=ocr_files[1]
    )
    with pytest.raises(ConfigurationError, match=f"{broken}: cannot load ONNX model"):
        load_reader(settings)


def test_the_fallback_reads_with_rapidocr_only_when_configured(
    tmp_path: Path, ocr_files: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    from plateward.recognition.reader_rapidocr import RapidOcrReader

    broken = tmp_path / "reader.onnx"
    broken.write_bytes(b"garbage")
    settings = RecognitionSettings(
        reader="plateward",
        reader_model=broken,
        reader_config=ocr_files[1],
        reader_fallback="rapidocr",
    )
    with caplog.at_level("ERROR"):
        reader = load_reader(settings)
    assert isinstance(reader, RapidOcrReader)
    assert f"{broken}: cannot load ONNX model" in caplog.text
    assert "reading with rapidocr instead" in caplog.text
    with pytest.raises(ConfigurationError):
        load_reader(settings.model_copy(update={"reader_fallback": "none"}))


def test_the_detector_input_size_setting_reaches_platedet() -> None:
    from pydantic import ValidationError

    from plateward.recognition.detector_platedet import PlatedetDetector

    detector = load_detector(RecognitionSettings(threads=1, detector_input_px=512))
    assert isinstance(detector, PlatedetDetector) and detector.input_long_side_px == 512
    with pytest.raises(ValidationError, match="multiple of 32"):
        RecognitionSettings(detector_input_px=600)


def test_the_second_look_setting_reaches_the_tuned_reader_only() -> None:
    from pydantic import ValidationError

    from plateward.recognition.reader_rapidocr import RapidOcrReader

    for name, expected in (("rapidocr-tuned", 0.5), ("rapidocr", 0.0)):
        settings = RecognitionSettings(threads=1, reader=name, reader_second_look=0.5)
        reader = load_reader(settings)
        assert isinstance(reader, RapidOcrReader) and reader.second_look_below == expected
    assert RecognitionSettings().reader_second_look == 0.97
    with pytest.raises(ValidationError, match="reader_second_look"):
        RecognitionSettings(reader_second_look=1.5)


def test_rapidocr_tuned_reads_with_the_packaged_recogniser_or_falls_back_when_asked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from plateward.recognition.reader_rapidocr import REC_MODEL, RapidOcrReader

    reader = load_reader(RecognitionSettings(threads=1, reader="rapidocr-tuned"))
    assert isinstance(reader, RapidOcrReader) and reader.rec_name == "plate_rec.onnx"
    broken = tmp_path / "plate_rec.onnx"
    broken.write_bytes(b"garbage")
    settings = RecognitionSettings(threads=1, reader="rapidocr-tuned", reader_model=broken)
    with pytest.raises(ConfigurationError, match=f"{broken}: cannot load ONNX model"):
        load_reader(settings)
    with caplog.at_level("ERROR"):
        fallback = load_reader(settings.model_copy(update={"reader_fallback": "rapidocr"}))
    assert isinstance(fallback, RapidOcrReader) and fallback.rec_name == REC_MODEL
    assert "reading with rapidocr instead" in caplog.text
